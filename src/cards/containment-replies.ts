/**
 * The sentences cards say about containment (`--reset-password`, `--confirm-compromised`): what an
 * approval will do, and what the result card adds to its summary.
 */
import type { Containment } from "../revocation/types.js";

/** The steps asked for, as words: "reset their passwords and confirm them as compromised". */
function stepsText(c: Containment): string {
  const parts = [
    ...(c.resetPassword ? ["their passwords reset to random ones nobody knows (a change is required at next sign-in)"] : []),
    ...(c.confirmCompromised ? ["them confirmed as compromised in Identity Protection (user risk high)"] : []),
  ];
  return parts.join(", and ");
}

/** The approval card's effect sentence: revocation, `--disable` and containment, then "nothing until approved". */
export function effectSentence(disable: boolean, containment: Containment): string {
  const base = disable ? "Sign-in sessions will be revoked and the accounts disabled" : "Sign-in sessions will be revoked";
  const steps = stepsText(containment);
  return `${base}${steps === "" ? "" : `, with ${steps}`}. Nothing happens until it is approved.`;
}

/** What the result card adds to its summary when containment was asked for, or "". */
export function resultContainmentNote(containment: Containment): string {
  const steps = [...(containment.resetPassword ? ["a password reset"] : []), ...(containment.confirmCompromised ? ["confirmation as compromised"] : [])];
  return steps.length === 0 ? "" : `Also asked for: ${steps.join(" and ")} of each user; each user's line says what was done.`;
}
