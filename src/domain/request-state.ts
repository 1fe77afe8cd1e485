/** pending → approved → running → completed | failed; or pending → rejected | cancelled | expired. */
export type RequestState =
  | "pending"
  | "approved"
  | "running"
  | "completed"
  | "failed"
  | "rejected"
  | "cancelled"
  | "expired";

export const FINAL_STATES: ReadonlySet<RequestState> = new Set([
  "completed",
  "failed",
  "rejected",
  "cancelled",
  "expired",
]);

/** What a request does: revoke sessions (with its options), or re-enable one account (`enable`). */
export type RequestAction = "revoke" | "enable";
