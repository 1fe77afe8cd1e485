import { timingSafeEqual } from "node:crypto";
import type { AuditAction, AuditEntry, AuditLog } from "../audit/audit-log.js";
import { entryHash, entryMac, type AuditKey } from "../audit/chain.js";
import type { RequestStore } from "./request-store.js";
import { storedSetHash } from "./target-set.js";
import type { RevocationRequest } from "./types.js";

/**
 * Why what would run is not what was asked for and approved, as facts (src/cards/job-refusals.ts
 * words it). `differs` names the fields of the request that disagree with its audit entries.
 */
export type IntegrityProblem =
  | { code: "alreadyEnded"; action: AuditAction }
  | { code: "noCreatedEntry" }
  | { code: "createdNotAuthentic"; keyed: boolean }
  | { code: "noApproval" }
  | { code: "approvalNotAuthentic"; keyed: boolean }
  | { code: "approvalBeforeRequest" }
  | { code: "differs"; fields: string[] };

/** Entries that end a request: once one exists, the request never runs (again). */
const ENDING_ACTIONS: readonly AuditAction[] = [
  "revocation.completed",
  "revocation.failed",
  "revocation.refused",
  "request.rejected",
  "request.cancelled",
  "request.expired",
];

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Whether the entry is one the bot wrote: its hash recomputed from its own fields. With the audit
 * key, only an HMAC with it counts (a database writer without the key can neither forge an entry
 * nor rewrite one as plain sha256); without a key, plain sha256 is all there is (and all the chain
 * has), which a database writer can recompute: SECURITY.md says so.
 */
export function entryIsAuthentic(entry: AuditEntry, key: AuditKey | undefined): boolean {
  if (key !== undefined) return entry.hashAlg === "hmac-sha256" && sameHex(entryMac(key.secret, entry.prevHash, entry), entry.hash);
  return entry.hashAlg === "sha256" && sameHex(entryHash(entry.prevHash, entry), entry.hash);
}

/**
 * What runs must be what was asked for and approved (issue 22 #9). The request's row (action,
 * options, requester, target set) is compared with its `request.created` entry, whose
 * `targetsSha256` fingerprints the frozen set; that entry and the approval are checked against
 * their own hashes (HMAC with the audit key); and a request with an entry that ended it (completed,
 * failed, refused, rejected, withdrawn, expired) never runs again. Returns the problem, or
 * undefined when everything agrees. Called at every start and resume of a job.
 */
export async function integrityProblem(
  deps: { auditLog: Pick<AuditLog, "findForRequest">; store: Pick<RequestStore, "targetsPage">; key: AuditKey | undefined },
  request: RevocationRequest,
  targetCount: number,
): Promise<IntegrityProblem | undefined> {
  const { auditLog } = deps;
  const [created, approved, ...ended] = await Promise.all([
    auditLog.findForRequest(request.id, "request.created"),
    auditLog.findForRequest(request.id, "request.approved"),
    ...ENDING_ACTIONS.map((action) => auditLog.findForRequest(request.id, action)),
  ]);
  const ending = ended.find((e) => e !== undefined);
  if (ending !== undefined) return { code: "alreadyEnded", action: ending.action };
  if (created === undefined) return { code: "noCreatedEntry" };
  if (!entryIsAuthentic(created, deps.key)) return { code: "createdNotAuthentic", keyed: deps.key !== undefined };
  if (approved === undefined) return { code: "noApproval" };
  if (!entryIsAuthentic(approved, deps.key)) return { code: "approvalNotAuthentic", keyed: deps.key !== undefined };
  if (approved.seq < created.seq) return { code: "approvalBeforeRequest" };

  const d = created.details;
  const differs: string[] = [];
  if (created.actor?.aadObjectId.toLowerCase() !== request.requester.aadObjectId.toLowerCase()) differs.push("requester");
  const enable = d.action === "enable the account";
  if (enable !== (request.action === "enable")) differs.push("action");
  if (enable && (d.disabledBy === "someone other than this bot") !== request.foreignDisable) differs.push("foreignDisable");
  if (enable && d.againstDisable !== undefined && d.againstDisable !== (request.enableAgainst ?? "none")) differs.push("enableAgainst");
  // The entry is authentic by now: an option it does not name (written before that option existed) was off.
  if ((d.disable ?? false) !== request.disable) differs.push("disable");
  if ((d.resetPassword ?? false) !== request.containment.resetPassword) differs.push("resetPassword");
  if ((d.confirmCompromised ?? false) !== request.containment.confirmCompromised) differs.push("confirmCompromised");
  // An approval that left the responders out names the set it approved (count and fingerprint);
  // the set asked for then differs from what runs by exactly those users.
  const leftOut = Array.isArray(approved.details.respondersLeftOut) ? approved.details.respondersLeftOut.length : 0;
  const approvedSet = leftOut > 0 && typeof approved.details.targetsSha256 === "string" ? approved.details.targetsSha256 : undefined;
  if (leftOut > 0 && approvedSet === undefined) differs.push("approvedTargets");
  if (typeof d.targetCount !== "number" || d.targetCount - leftOut !== targetCount) differs.push("targetCount");
  if (typeof approved.details.targetCount === "number" && approved.details.targetCount !== targetCount) differs.push("approvedTargetCount");
  if ((approvedSet ?? d.targetsSha256) !== (await storedSetHash(deps.store, request.id))) differs.push("targets");
  return differs.length === 0 ? undefined : { code: "differs", fields: differs };
}

