/** What happened to one target. Every target of a run ends with exactly one. */
export type OutcomeStatus = "revoked_verified" | "revoked_unverified" | "enabled" | "not_found" | "skipped" | "failed";


export interface TargetOutcome {
  userId: string;
  status: OutcomeStatus;
  /** For a person: the failure reason and its fix, or what the read-back showed. */
  detail: string;
  /** signInSessionsValidFromDateTime read back after the revocation, when it was. */
  sessionsValidFrom: string | null;
  /** Whether --disable was applied to this target. */
  disabled: boolean;
  at: string;
  /**
   * The sessions were revoked, whatever a later step (--disable, --reset-password,
   * --confirm-compromised) did: such a target is watched and counted as revoked even when its
   * outcome is failed. Absent on outcomes that revoke nothing (enable, skipped).
   */
  sessionsRevoked?: boolean;
}
