/**
 * Containment asked for besides the revocation (`--reset-password`, `--confirm-compromised`): each
 * a step per target with its own recorded outcome and audit entry, and always a second person.
 */
export interface Containment {
  resetPassword: boolean;
  confirmCompromised: boolean;
}

export const NO_CONTAINMENT: Containment = Object.freeze({ resetPassword: false, confirmCompromised: false });

/** True when the request asks for any containment step. */
export function hasContainment(c: Containment): boolean {
  return c.resetPassword || c.confirmCompromised;
}

/** A containment step of one target. */
export type ContainmentStep = "reset_password" | "confirm_compromised";

/** What one containment step did for one target (recorded once, with its own audit entry). */
export interface StepOutcome {
  userId: string;
  step: ContainmentStep;
  ok: boolean;
  /** For a person: what was done, or why not and the fix. Never the password. */
  detail: string;
  at: string;
}
