import type { Kysely } from "kysely";
import type { AuditEntry, AuditObserver, NewAuditEntry } from "../audit/audit-log.js";
import type { AuditKey } from "../audit/chain.js";
import type { DirectoryUser } from "../directory/types.js";
import type {
  AttemptMark,
  AttemptMarks,
  PendingCap,
  RequestFilter,
  RequestHead,
  RequestPatch,
  RequestStore,
  RequestSummary,
  StepMarks,
  TargetPageRow,
  TransitionEffects,
} from "../revocation/request-store.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { ContainmentStep, StepOutcome } from "../domain/containment.js";
import type { ApprovalCard } from "../domain/origin.js";
import type { TargetOutcome } from "../domain/outcome.js";
import type { RequestState } from "../domain/request-state.js";
import { appendAuditEntries, appendAuditEntry } from "./audit-append.js";
import { markSteps, settleSteps } from "./containment-steps-store.js";
import type { DialectKind } from "./database.js";
import { checkPendingCap } from "./pending-cap.js";
import { countByState, listByState, listHeads, pendingEnablesOf } from "./request-listings.js";
import { pendingTargets, summary, targetsPage } from "./request-pages.js";
import { loadRequest, requestOf, requestRowOf } from "./request-rows.js";
import { disableHistory, insertOutcomes, insertTargets, markAttempts, removeTargets } from "./request-targets.js";
import type { Database } from "./schema.js";

type Clock = () => Date;

/**
 * Requests, their frozen targets and per-target outcomes in the database. This class holds the
 * transactions that write a state change together with its audit entry; the SQL of each part
 * lives beside it: the rows (request-rows.ts), the pending cap (pending-cap.ts), targets and
 * outcomes (request-targets.ts), containment steps (containment-steps-store.ts), listings
 * (request-listings.ts) and a request's pages and summary (request-pages.ts).
 */
export class SqlRequestStore implements RequestStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: DialectKind,
    private readonly clock: Clock = () => new Date(),
    private readonly onAudit?: AuditObserver,
    /** The audit chain's HMAC key (AUDIT_KEY_FILE / AUDIT_KEY), for the entries written with state changes. */
    private readonly auditKey?: AuditKey,
  ) {}

  async create(request: RevocationRequest, audit: NewAuditEntry, cap?: PendingCap): Promise<AuditEntry> {
    const entry = await this.db.transaction().execute(async (trx) => {
      const now = this.clock();
      if (cap !== undefined) await checkPendingCap(trx, this.kind, request, cap);
      await trx.insertInto("requests").values(requestRowOf(request, now)).execute();
      await insertTargets(trx, request);
      return appendAuditEntry(trx, this.kind, audit, now, this.auditKey);
    });
    this.onAudit?.(entry);
    return entry;
  }

  get(id: string): Promise<RevocationRequest | undefined> {
    return loadRequest(this.db, id);
  }

  async transition(
    id: string,
    expectedVersion: number,
    patch: RequestPatch,
    effects: TransitionEffects = {},
  ): Promise<RevocationRequest | undefined> {
    let entry: AuditEntry | undefined;
    const updated = await this.db.transaction().execute(async (trx) => {
      const now = this.clock();
      const result = await trx
        .updateTable("requests")
        .set({
          ...(patch.state !== undefined ? { state: patch.state } : {}),
          ...(patch.decidedBy !== undefined
            ? { decided_by_id: patch.decidedBy?.aadObjectId ?? null, decided_by_name: patch.decidedBy?.name ?? null }
            : {}),
          ...(patch.decidedAt !== undefined ? { decided_at: patch.decidedAt } : {}),
          ...(patch.decisionComment !== undefined ? { decision_comment: patch.decisionComment } : {}),
          ...(patch.decisionReason !== undefined ? { decision_reason: patch.decisionReason } : {}),
          ...(patch.respondersChoice !== undefined ? { responders_choice: patch.respondersChoice } : {}),
          version: expectedVersion + 1,
          updated_at: now.toISOString(),
        })
        .where("id", "=", id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      const leaving = [...new Set(effects.removeTargets ?? [])];
      if (leaving.length > 0) await removeTargets(trx, id, leaving);
      if (effects.job === "enqueue") {
        await trx
          .insertInto("jobs")
          .values({ request_id: id, created_at: now.toISOString(), lease_owner: null, lease_expires_at: null, claims: 0, finished_at: null })
          .execute();
      } else if (effects.job === "finish") {
        await trx
          .updateTable("jobs")
          .set({ finished_at: now.toISOString(), lease_owner: null, lease_expires_at: null })
          .where("request_id", "=", id)
          .execute();
      }
      if (effects.audit !== undefined) entry = await appendAuditEntry(trx, this.kind, effects.audit, now, this.auditKey);
      if (effects.light === true) {
        const row = await trx.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
        return requestOf(row, [], []);
      }
      return loadRequest(trx, id);
    });
    if (entry !== undefined) this.onAudit?.(entry);
    return updated;
  }

  async attachCard(id: string, activityId: string): Promise<void> {
    await this.db.updateTable("requests").set({ card_activity_id: activityId }).where("id", "=", id).execute();
  }

  async attachApprovalCard(id: string, card: ApprovalCard): Promise<void> {
    await this.db
      .updateTable("requests")
      .set({ approval_reference: JSON.stringify(card.reference), approval_activity_id: card.activityId })
      .where("id", "=", id)
      .execute();
  }

  listByState(states: readonly RequestState[], filter: RequestFilter = {}): Promise<RevocationRequest[]> {
    return listByState(this.db, states, filter);
  }

  listHeads(states: readonly RequestState[], filter: RequestFilter = {}): Promise<RequestHead[]> {
    return listHeads(this.db, states, filter);
  }

  countByState(states: readonly RequestState[], filter: RequestFilter = {}): Promise<number> {
    return countByState(this.db, states, filter);
  }

  pendingEnablesOf(requestId: string): Promise<RequestHead[]> {
    return pendingEnablesOf(this.db, requestId);
  }

  summary(requestId: string, rows: number): Promise<RequestSummary | undefined> {
    return summary(this.db, requestId, rows);
  }

  targetsPage(requestId: string, afterPosition: number, limit: number): Promise<TargetPageRow[]> {
    return targetsPage(this.db, requestId, afterPosition, limit);
  }

  pendingTargets(requestId: string, afterPosition: number, limit: number): Promise<Array<{ position: number; target: DirectoryUser }>> {
    return pendingTargets(this.db, requestId, afterPosition, limit);
  }

  async markAttempt(requestId: string, userId: string, owner: string): Promise<AttemptMark> {
    const marks = await this.markAttempts(requestId, [userId], owner);
    return marks.kind === "leaseLost" ? marks : { kind: "marked", previous: marks.previous.get(userId) ?? null };
  }

  markAttempts(requestId: string, userIds: readonly string[], owner: string): Promise<AttemptMarks> {
    return markAttempts(this.db, this.clock, requestId, userIds, owner);
  }

  async recordOutcomes(requestId: string, outcomes: ReadonlyArray<{ outcome: TargetOutcome; audit: NewAuditEntry }>): Promise<number> {
    if (outcomes.length === 0) return 0;
    const entries = await this.db.transaction().execute(async (trx) => {
      const inserted = await insertOutcomes(trx, requestId, outcomes.map(({ outcome }) => outcome));
      // An entry only for the targets whose outcome is new: a second outcome is impossible.
      const audits = outcomes.filter(({ outcome }) => inserted.has(outcome.userId)).map(({ audit }) => audit);
      return appendAuditEntries(trx, this.kind, audits, this.clock(), this.auditKey);
    });
    for (const entry of entries) this.onAudit?.(entry);
    return entries.length;
  }

  async recordOutcome(requestId: string, outcome: TargetOutcome, audit: NewAuditEntry): Promise<boolean> {
    return (await this.recordOutcomes(requestId, [{ outcome, audit }])) === 1;
  }

  disableHistory(userId: string): Promise<{ disabledAt: string | null; enabledAt: string | null; disabledBy: string | null }> {
    return disableHistory(this.db, userId);
  }

  markSteps(requestId: string, step: ContainmentStep, userIds: readonly string[], owner: string): Promise<StepMarks> {
    return markSteps(this.db, this.clock, requestId, step, userIds, owner);
  }

  async recordSteps(requestId: string, outcomes: ReadonlyArray<{ outcome: StepOutcome; audit: NewAuditEntry }>): Promise<number> {
    if (outcomes.length === 0) return 0;
    const entries = await this.db.transaction().execute(async (trx) => {
      // An entry only for a step whose outcome is new: a second outcome is impossible.
      const audits = (await settleSteps(trx, requestId, outcomes)).map(({ audit }) => audit);
      return appendAuditEntries(trx, this.kind, audits, this.clock(), this.auditKey);
    });
    for (const entry of entries) this.onAudit?.(entry);
    return entries.length;
  }
}
