/**
 * The sentences cards say about containment (`--reset-password`, `--confirm-compromised`): what an
 * approval will do, and what the result card adds to its counts.
 */
import { hasContainment, type Containment } from "../domain/containment.js";

/** What approving does besides revoking, as phrases for the approval card's effect sentence. */
export function containmentEffects(c: Containment, n: number): string[] {
  return [
    ...(c.resetPassword
      ? [`sets ${n === 1 ? "a random password" : "random passwords"} nobody knows (a change is required at next sign-in)`]
      : []),
    ...(c.confirmCompromised ? [`reports ${n === 1 ? "the user" : "them"} confirmed as compromised to Identity Protection (user risk high)`] : []),
  ];
}

/** What the result card adds to its counts when containment was asked for, or "". */
export function resultContainmentNote(containment: Containment): string {
  if (!hasContainment(containment)) return "";
  const steps = [...(containment.resetPassword ? ["a password reset"] : []), ...(containment.confirmCompromised ? ["confirmation as compromised"] : [])];
  return `Also asked for: ${steps.join(" and ")} of each user; each user's line says what was done.`;
}
