/**
 * The sentences cards say about containment (`--reset-password`, `--confirm-compromised`): what an
 * approval will do, and what the result card adds to its counts.
 */
import { hasContainment, type Containment, type ContainmentStep } from "../domain/containment.js";

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

/** What a target's outcome says for a containment step that was done. */
export const STEP_DONE: Readonly<Record<ContainmentStep, string>> = {
  reset_password: "Password reset to a random one nobody knows; a change is required at next sign-in.",
  confirm_compromised: "Confirmed as compromised in Identity Protection (user risk set to high, so risk-based Conditional Access applies).",
};

/** A reset sent again on resume (the interrupted attempt may or may not have reached Graph). */
export const RESET_AGAIN = "(Reset again after an interruption, so no password set around it stays valid.)";

/** How a target's outcome starts the sentence of a step that was not done. */
export const STEP_NOT_DONE: Readonly<Record<ContainmentStep, string>> = {
  reset_password: "Password not reset",
  confirm_compromised: "Not confirmed as compromised",
};

/** The sentence of a step that was done (`again`: a reset sent again on resume). */
export function stepDone(step: ContainmentStep, again: boolean): string {
  return again ? `${STEP_DONE[step]} ${RESET_AGAIN}` : STEP_DONE[step];
}

/** The sentence of a step that was not done, `why` being the step's own detail. */
export function stepNotDone(step: ContainmentStep, why: string): string {
  return `${STEP_NOT_DONE[step]}: ${why}${why.endsWith(".") ? "" : "."}`;
}

/** A step not attempted because the user's sessions could not be revoked. */
export const STEP_NOT_ATTEMPTED = "not attempted: the sessions could not be revoked, so the request's steps stopped for this user";

/** Why an app's password reset of an admin is refused, and what to do instead. */
export const ADMIN_RESET_REFUSED =
  "holds an admin role: resetting an admin's password needs the Microsoft Entra role Privileged Authentication Administrator assigned to the bot's app, which it does not hold; assign it, or reset the password in the Entra admin center";
