/**
 * The gate every job passes at its start and at each resume: what runs must be what was asked for
 * and approved, by the approver it names, not a stale enable, asked by someone still a revoker.
 * A job that does not pass is refused: recorded, its request failed, nobody revoked.
 */
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.js";
import type { AuditKey } from "../audit/chain.js";
import { isAppActor } from "../domain/actor.js";
import type { RoleLookup } from "../policy/roles.js";
import { integrityProblem } from "./integrity.js";
import type { RequestStore } from "./request-store.js";
import { staleEnableOf } from "./stale-enable.js";
import type { RevocationRequest } from "./types.js";
import type { JobRefusal, RevocationWords } from "./words.js";

export interface JobGateDeps {
  store: RequestStore;
  auditLog: Pick<AuditLog, "findForRequest">;
  auditKey: AuditKey | undefined;
  roles: RoleLookup;
  logger: Logger;
  words: Pick<RevocationWords, "jobRefusal" | "notRun">;
}

/**
 * Why the job must not run, or undefined; checked at every start and resume. What runs must be
 * what was asked for and approved (revocation/integrity.ts: the request's row against its
 * `request.created` and `request.approved` entries, each checked against its own HMAC, and no
 * entry that ended it); the approval must be by the person the request names as its approver;
 * an `enable` must not be stale (revocation/stale-enable.ts); at start the requester must still
 * be a revoker (removed from the group between the approval and now: nothing is revoked). A
 * lookup that fails throws: the job is retried.
 */
export async function jobRefusalOf(deps: JobGateDeps, request: RevocationRequest, targetCount: number): Promise<{ refusal: JobRefusal; integrity: boolean } | undefined> {
  const problem = await integrityProblem({ auditLog: deps.auditLog, store: deps.store, key: deps.auditKey }, request, targetCount);
  if (problem !== undefined) return { refusal: { code: "integrity", problem }, integrity: true };
  const approval = await deps.auditLog.findForRequest(request.id, "request.approved");
  if (approval === undefined) return { refusal: { code: "integrity", problem: { code: "noApproval" } }, integrity: true };
  if (request.decidedBy !== null && approval.actor?.aadObjectId.toLowerCase() !== request.decidedBy.aadObjectId.toLowerCase()) {
    return { refusal: { code: "approverDiffers" }, integrity: true };
  }
  const stale = await staleEnableOf(deps.store, request);
  if (stale !== undefined) return { refusal: { code: "staleEnable", stale }, integrity: false };
  // An app's right to propose was its app role, checked when it asked; it is in no group.
  if (request.state !== "approved" || isAppActor(request.requester)) return undefined;
  const roles = await deps.roles.rolesOf(request.requester.aadObjectId);
  if (!roles.revoker) return { refusal: { code: "requesterNoLongerRevoker", requesterName: request.requester.name }, integrity: false };
  return undefined;
}

/**
 * Records the refusal (revocation.refused, posted to the audit channel), ends the request as
 * failed with the reason, revokes nobody. A request that is not what was asked for and approved
 * is an alert: logged as an error (someone with write access to the database changed it).
 */
export async function refuseJob(deps: JobGateDeps, request: RevocationRequest, targetCount: number, refusal: JobRefusal, integrity: boolean): Promise<RevocationRequest> {
  const reason = deps.words.jobRefusal(refusal);
  const notRun = deps.words.notRun(refusal);
  if (integrity) {
    deps.logger.error({ requestId: request.id, reason, alert: "request-integrity" }, "ALERT: a job was refused because the request is not what was asked for and approved");
  } else {
    deps.logger.warn({ requestId: request.id, reason }, "revocation job refused");
  }
  const refused = await deps.store.transition(
    request.id,
    request.version,
    { state: "failed", decisionReason: notRun },
    {
      job: "finish",
      audit: {
        actor: null,
        action: "revocation.refused",
        requestId: request.id,
        details: { reason: notRun, targetCount, requester: request.requester.name },
      },
    },
  );
  if (refused === undefined) throw new Error(`request ${request.id} changed while its job was refused`);
  return refused;
}
