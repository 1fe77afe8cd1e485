/**
 * Why a job does not run (issue 22 #9): the clauses of each refusal the job runner finds, framed
 * as "Not run: …." on the card and in the audit post.
 */
import type { IntegrityProblem } from "../revocation/integrity.js";
import type { JobRefusal } from "../revocation/words.js";
import { staleEnableReason } from "./enable-replies.js";

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

/** The clause of an integrity problem (revocation/integrity.ts). */
export function integrityReason(problem: IntegrityProblem): string {
  switch (problem.code) {
    case "alreadyEnded":
      return IntegrityReasons.alreadyEnded(problem.action);
    case "noCreatedEntry":
      return IntegrityReasons.noCreatedEntry;
    case "createdNotAuthentic":
      return IntegrityReasons.createdNotAuthentic(problem.keyed);
    case "noApproval":
      return IntegrityReasons.noApproval;
    case "approvalNotAuthentic":
      return IntegrityReasons.approvalNotAuthentic(problem.keyed);
    case "approvalBeforeRequest":
      return IntegrityReasons.approvalBeforeRequest;
    case "differs":
      return IntegrityReasons.differs(problem.fields);
  }
}

/** The clause of any reason a job does not run. */
export function jobRefusalReason(refusal: JobRefusal): string {
  switch (refusal.code) {
    case "integrity":
      return integrityReason(refusal.problem);
    case "approverDiffers":
      return "the approval in the audit log is by someone other than the approver the request names";
    case "staleEnable":
      return staleEnableReason(refusal.stale.user, refusal.stale.newerDisable);
    case "requesterNoLongerRevoker":
      return `the requester, ${refusal.requesterName}, is no longer allowed to request revocations`;
  }
}

/** The refused job's reason on its card and in the audit: "Not run: …." */
export function notRunReason(refusal: JobRefusal): string {
  return `Not run: ${jobRefusalReason(refusal)}.`;
}
