/**
 * Why a job does not run when what it would run is not what was asked for and approved (issue 22
 * #9): clauses the job runner frames as "Not run: …." on the card and in the audit post.
 */

const FIELD_WORDS: Readonly<Record<string, string>> = {
  requester: "who asked",
  action: "what it does (revoke or enable)",
  foreignDisable: "whether this bot disabled the account",
  enableAgainst: "which disable it undoes",
  disable: "whether the accounts are disabled",
  resetPassword: "whether passwords are reset",
  confirmCompromised: "whether users are confirmed compromised",
  targetCount: "how many users it names",
  approvedTargetCount: "how many users the approval covered",
  targets: "which users it names",
};

const ENDED_WORDS: Readonly<Record<string, string>> = {
  "revocation.completed": "it already finished",
  "revocation.failed": "it already finished",
  "revocation.refused": "it was already refused",
  "request.rejected": "it was rejected",
  "request.cancelled": "it was withdrawn",
  "request.expired": "it expired",
};

const CHECK_THE_DATABASE = "someone may have changed the bot's database: check who has write access to it, and compare the request with npm run audit:verify";

export const IntegrityReasons = {
  alreadyEnded: (action: string): string =>
    `the audit log says ${ENDED_WORDS[action] ?? "it already ended"}, so it never runs again; the database shows it as waiting to run, so ${CHECK_THE_DATABASE}`,
  noCreatedEntry: `the audit log has no record of it being asked for, so ${CHECK_THE_DATABASE}`,
  createdNotAuthentic: (keyed: boolean): string =>
    keyed
      ? `the audit record of what was asked for does not check out with the audit key (it was changed, or written under an earlier key), so ${CHECK_THE_DATABASE}`
      : `the audit record of what was asked for does not match its own hash, so ${CHECK_THE_DATABASE}`,
  noApproval: "its approval is not in the audit log, so nobody can be shown to have approved it",
  approvalNotAuthentic: (keyed: boolean): string =>
    keyed
      ? `the audit record of its approval does not check out with the audit key (it was changed, or written under an earlier key), so ${CHECK_THE_DATABASE}`
      : `the audit record of its approval does not match its own hash, so ${CHECK_THE_DATABASE}`,
  approvalBeforeRequest: `the approval in the audit log comes before the request was asked for, so ${CHECK_THE_DATABASE}`,
  differs: (fields: readonly string[]): string =>
    `what the database holds differs from what was asked for and approved (${fields.map((f) => FIELD_WORDS[f] ?? "its details").join("; ")}), so ${CHECK_THE_DATABASE}`,
};
