/**
 * The sentences the domain records with what it does (outcome details, refusal reasons on the
 * request and in the audit), asked for by code and facts. src/cards/revocation-words.ts holds the
 * words; the composition root hands them in, so nothing under src/revocation/ imports src/cards/.
 */
import type { ContainmentStep } from "../domain/containment.js";
import type { IntegrityProblem } from "./integrity.js";
import type { StaleEnable } from "./stale-enable.js";

/** Why a job does not run, as facts: checked at every start and resume (job-runner.ts refusalOf). */
export type JobRefusal =
  /** What would run is not what was asked for and approved. */
  | { code: "integrity"; problem: IntegrityProblem }
  /** The approval in the audit log is by someone other than the approver the request names. */
  | { code: "approverDiffers" }
  /** An enable made stale by a newer --disable of its account. */
  | { code: "staleEnable"; stale: StaleEnable }
  /** The requester left the revoker group between the approval and the start. */
  | { code: "requesterNoLongerRevoker"; requesterName: string };

export interface RevocationWords {
  /** Why a job does not run, as a clause (e.g. for the log). */
  jobRefusal(refusal: JobRefusal): string;
  /** The request's decision reason and the audit entry's reason of a refused job: "Not run: ….". */
  notRun(refusal: JobRefusal): string;
  /** The approver's answer when the enable they approve is stale. */
  staleEnableRefusal(stale: StaleEnable): string;
  /** Why a pending enable was withdrawn by the bot: the --disable of `disableRequest` was approved. */
  enableWithdrawn(disableRequest: string): string;
  /** The outcome detail of an account the read-back shows enabled. */
  enabled: string;
  /** The outcome detail of an enable Graph accepted but the read-back does not show. */
  notEnabled(upn: string): string;
  /** What a containment step that was done says; `again` when a reset was sent again on resume. */
  stepDone(step: ContainmentStep, again: boolean): string;
  /** The sentence a target's outcome adds for a step that was not done, `why` being its detail. */
  stepNotDone(step: ContainmentStep, why: string): string;
  /** The detail of a step not attempted because the target's sessions could not be revoked. */
  stepNotAttempted: string;
  /** The detail of a password reset Graph refused because the user is an admin the bot may not reset. */
  adminResetRefused: string;
}
