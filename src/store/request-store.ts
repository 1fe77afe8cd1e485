import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { AuditEntry, AuditObserver, NewAuditEntry } from "../audit/audit-log.js";
import type { FailedSignIns } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import { PendingCapReached } from "../revocation/request-store.js";
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
import type {
  ApprovalCard,
  ContainmentStep,
  ExcludedTarget,
  IncidentRef,
  Origin,
  OutcomeStatus,
  RequestState,
  Responder,
  RevocationRequest,
  StepOutcome,
  TargetOutcome,
  RequestSelection,
} from "../revocation/types.js";
import { selectionFrom } from "../revocation/types.js";
import type { AuditKey } from "../audit/chain.js";
import { appendAuditEntries, appendAuditEntry } from "./audit-store.js";
import type { DialectKind } from "./database.js";
import type { Database, RequestsTable, TargetOutcomesTable } from "./schema.js";
import type { AdminResetCheck } from "../revocation/admin-reset.js";

type Clock = () => Date;
type Db = Kysely<Database> | Transaction<Database>;

// Rows per multi-row insert: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
const INSERT_CHUNK = 500;

/** Requests, their frozen targets and per-target outcomes in the database. */
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
      if (cap !== undefined) await this.checkPendingCap(trx, request, cap);
      await trx
        .insertInto("requests")
        .values({
          id: request.id,
          created_at: request.createdAt,
          expires_at: request.expiresAt,
          updated_at: now.toISOString(),
          requester_id: request.requester.aadObjectId,
          requester_name: request.requester.name,
          reason: request.reason,
          disable: request.disable ? 1 : 0,
          state: request.state,
          version: request.version,
          decided_by_id: request.decidedBy?.aadObjectId ?? null,
          decided_by_name: request.decidedBy?.name ?? null,
          decided_at: request.decidedAt,
          origin: JSON.stringify(request.origin),
          card_activity_id: request.cardActivityId,
          decision_comment: request.decisionComment,
          decision_reason: request.decisionReason,
          approval_reference: request.approvalCard === null ? null : JSON.stringify(request.approvalCard.reference),
          approval_activity_id: request.approvalCard?.activityId ?? null,
          excluded: JSON.stringify(request.excluded),
          target_count: request.targets.length,
          incident: request.incident === undefined ? null : JSON.stringify(request.incident),
          reset_password: request.containment.resetPassword ? 1 : 0,
          confirm_compromised: request.containment.confirmCompromised ? 1 : 0,
          action: request.action,
          foreign_disable: request.foreignDisable ? 1 : 0,
          responders: request.responders === undefined || request.responders.length === 0 ? null : JSON.stringify(request.responders),
          failed_sign_ins: request.failedSignIns === undefined ? null : JSON.stringify(request.failedSignIns),
          responders_choice: request.respondersChoice ?? null,
          enable_against: request.enableAgainst,
          admin_reset: request.adminReset === undefined ? null : JSON.stringify(request.adminReset),
          selection: request.selection === undefined ? null : JSON.stringify(request.selection),
        })
        .execute();
      for (let i = 0; i < request.targets.length; i += INSERT_CHUNK) {
        const chunk = request.targets.slice(i, i + INSERT_CHUNK);
        await trx
          .insertInto("request_targets")
          .values(
            chunk.map((user, j) => ({
              request_id: request.id,
              position: i + j,
              user_id: user.id,
              snapshot: JSON.stringify(user),
              attempt_at: null,
              attempt_owner: null,
            })),
          )
          .execute();
      }
      return appendAuditEntry(trx, this.kind, audit, now, this.auditKey);
    });
    this.onAudit?.(entry);
    return entry;
  }

  /**
   * Counts the requester's open requests inside the inserting transaction, holding a lock per
   * requester until it commits: PostgreSQL, a transaction-scoped advisory lock on the requester's
   * hash (READ COMMITTED: the count after the wait sees what the previous holder committed);
   * SQLite, the write lock BEGIN IMMEDIATE already took (ImmediateSqliteDialect).
   */
  private async checkPendingCap(trx: Transaction<Database>, request: RevocationRequest, cap: PendingCap): Promise<void> {
    const requester = request.requester.aadObjectId.toLowerCase();
    if (this.kind === "postgres") await sql`select pg_advisory_xact_lock(hashtext(${`pending-cap:${requester}`}))`.execute(trx);
    const row = await trx
      .selectFrom("requests")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("state", "=", "pending")
      .where("expires_at", ">", request.createdAt)
      .where((eb) => eb(eb.fn("lower", ["requester_id"]), "=", requester))
      .executeTakeFirst();
    const open = Number(row?.n ?? 0);
    if (open >= cap.max) throw new PendingCapReached(open, cap.max);
  }

  get(id: string): Promise<RevocationRequest | undefined> {
    return this.load(this.db, id);
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
      if (leaving.length > 0) {
        // Left out of the frozen set with the decision (no outcome exists yet: the job starts after).
        let removed = 0;
        for (let i = 0; i < leaving.length; i += INSERT_CHUNK) {
          const gone = await trx
            .deleteFrom("request_targets")
            .where("request_id", "=", id)
            .where("user_id", "in", leaving.slice(i, i + INSERT_CHUNK))
            .executeTakeFirst();
          removed += Number(gone.numDeletedRows);
        }
        await trx
          .updateTable("requests")
          .set((eb) => ({ target_count: eb("target_count", "-", removed) }))
          .where("id", "=", id)
          .execute();
      }
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
        return this.requestOf(row, [], []);
      }
      return this.load(trx, id);
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

  async listByState(states: readonly RequestState[], filter: RequestFilter = {}): Promise<RevocationRequest[]> {
    if (states.length === 0) return [];
    const rows = await this.filtered(states, filter).execute();
    const requests: RevocationRequest[] = [];
    for (const row of rows) requests.push(await this.hydrate(this.db, row));
    return requests;
  }

  async listHeads(states: readonly RequestState[], filter: RequestFilter = {}): Promise<RequestHead[]> {
    if (states.length === 0) return [];
    const rows = await this.filtered(states, filter).execute();
    return rows.map((row) => ({ request: this.requestOf(row, [], []), targetCount: Number(row.target_count) }));
  }

  async countByState(states: readonly RequestState[], filter: RequestFilter = {}): Promise<number> {
    if (states.length === 0) return 0;
    let query = this.db.selectFrom("requests").select((eb) => eb.fn.countAll<number>().as("n")).where("state", "in", [...states]);
    if (filter.expiresBy !== undefined) query = query.where("expires_at", "<=", filter.expiresBy);
    if (filter.expiresAfter !== undefined) query = query.where("expires_at", ">", filter.expiresAfter);
    if (filter.requesterId !== undefined) {
      query = query.where((eb) => eb(eb.fn("lower", ["requester_id"]), "=", filter.requesterId?.toLowerCase() ?? ""));
    }
    const row = await query.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The requests rows in the states and matching the filter, oldest first. */
  private filtered(states: readonly RequestState[], filter: RequestFilter) {
    let query = this.db.selectFrom("requests").selectAll().where("state", "in", [...states]);
    if (filter.expiresBy !== undefined) query = query.where("expires_at", "<=", filter.expiresBy);
    if (filter.expiresAfter !== undefined) query = query.where("expires_at", ">", filter.expiresAfter);
    if (filter.requesterId !== undefined) {
      query = query.where((eb) => eb(eb.fn("lower", ["requester_id"]), "=", filter.requesterId?.toLowerCase() ?? ""));
    }
    query = query.orderBy("created_at", "asc").orderBy("id", "asc");
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return query;
  }


  async markAttempt(requestId: string, userId: string, owner: string): Promise<AttemptMark> {
    const marks = await this.markAttempts(requestId, [userId], owner);
    return marks.kind === "leaseLost" ? marks : { kind: "marked", previous: marks.previous.get(userId) ?? null };
  }

  markAttempts(requestId: string, userIds: readonly string[], owner: string): Promise<AttemptMarks> {
    return this.db.transaction().execute(async (trx) => {
      const nowIso = this.clock().toISOString();
      const previous = new Map<string, string | null>();
      for (let i = 0; i < userIds.length; i += INSERT_CHUNK) {
        const rows = await trx
          .selectFrom("request_targets")
          .select(["user_id", "attempt_at"])
          .where("request_id", "=", requestId)
          .where("user_id", "in", userIds.slice(i, i + INSERT_CHUNK))
          .execute();
        for (const row of rows) previous.set(row.user_id, row.attempt_at);
      }
      const missing = userIds.find((id) => !previous.has(id));
      if (missing !== undefined) throw new Error(`request ${requestId} has no target ${missing}`);
      const live = await trx
        .selectFrom("jobs")
        .select("request_id")
        .where("request_id", "=", requestId)
        .where("lease_owner", "=", owner)
        .where("lease_expires_at", ">", nowIso)
        .where("finished_at", "is", null)
        .executeTakeFirst();
      if (live === undefined) return { kind: "leaseLost" } as const;
      for (let i = 0; i < userIds.length; i += INSERT_CHUNK) {
        await trx
          .updateTable("request_targets")
          .set({ attempt_at: nowIso, attempt_owner: owner })
          .where("request_id", "=", requestId)
          .where("user_id", "in", userIds.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      return { kind: "marked", previous } as const;
    });
  }

  async recordOutcomes(requestId: string, outcomes: ReadonlyArray<{ outcome: TargetOutcome; audit: NewAuditEntry }>): Promise<number> {
    if (outcomes.length === 0) return 0;
    const entries = await this.db.transaction().execute(async (trx) => {
      const positions = new Map<string, number>();
      const ids = outcomes.map((o) => o.outcome.userId);
      for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
        const rows = await trx
          .selectFrom("request_targets")
          .select(["user_id", "position"])
          .where("request_id", "=", requestId)
          .where("user_id", "in", ids.slice(i, i + INSERT_CHUNK))
          .execute();
        for (const row of rows) positions.set(row.user_id, Number(row.position));
      }
      const inserted = new Set<string>();
      for (let i = 0; i < outcomes.length; i += INSERT_CHUNK) {
        const rows = await trx
          .insertInto("target_outcomes")
          .values(
            outcomes.slice(i, i + INSERT_CHUNK).map(({ outcome }) => {
              const position = positions.get(outcome.userId);
              if (position === undefined) throw new Error(`request ${requestId} has no target ${outcome.userId}`);
              return {
                request_id: requestId,
                user_id: outcome.userId,
                position,
                status: outcome.status,
                detail: outcome.detail,
                sessions_valid_from: outcome.sessionsValidFrom,
                disabled: outcome.disabled ? 1 : 0,
                at: outcome.at,
                sessions_revoked:
                  outcome.sessionsRevoked === undefined ? (outcome.status === "revoked_verified" || outcome.status === "revoked_unverified" ? 1 : null) : outcome.sessionsRevoked ? 1 : 0,
              };
            }),
          )
          .onConflict((oc) => oc.columns(["request_id", "user_id"]).doNothing())
          .returning("user_id")
          .execute();
        for (const row of rows) inserted.add(row.user_id);
      }
      // An entry only for the targets whose outcome is new: a second outcome is impossible.
      const audits = outcomes.filter(({ outcome }) => inserted.has(outcome.userId)).map(({ audit }) => audit);
      return appendAuditEntries(trx, this.kind, audits, this.clock(), this.auditKey);
    });
    for (const entry of entries) this.onAudit?.(entry);
    return entries.length;
  }

  async disableHistory(userId: string): Promise<{ disabledAt: string | null; enabledAt: string | null; disabledBy: string | null }> {
    const latest = async (column: "disabled" | "status", value: number | string): Promise<{ at: string; requestId: string } | undefined> =>
      this.db
        .selectFrom("target_outcomes")
        .select(["at", "request_id as requestId"])
        .where("user_id", "=", userId)
        .where(column, "=", value)
        .orderBy("at", "desc")
        .orderBy("request_id", "desc")
        .limit(1)
        .executeTakeFirst();
    const [disabled, enabled] = await Promise.all([latest("disabled", 1), latest("status", "enabled")]);
    return { disabledAt: disabled?.at ?? null, enabledAt: enabled?.at ?? null, disabledBy: disabled?.requestId ?? null };
  }

  async pendingEnablesOf(requestId: string): Promise<RequestHead[]> {
    const rows = await this.db
      .selectFrom("requests")
      .innerJoin("request_targets", "request_targets.request_id", "requests.id")
      .selectAll("requests")
      .where("requests.state", "=", "pending")
      .where("requests.action", "=", "enable")
      .where("requests.id", "!=", requestId)
      .where("request_targets.user_id", "in", (eb) => eb.selectFrom("request_targets as disabled").select("disabled.user_id").where("disabled.request_id", "=", requestId))
      .orderBy("requests.created_at", "asc")
      .execute();
    return rows.map((row) => ({ request: this.requestOf(row, [], []), targetCount: Number(row.target_count) }));
  }

  async summary(requestId: string, rows: number): Promise<RequestSummary | undefined> {
    const row = await this.db.selectFrom("requests").selectAll().where("id", "=", requestId).executeTakeFirst();
    if (row === undefined) return undefined;
    const counts = { revoked_verified: 0, revoked_unverified: 0, enabled: 0, not_found: 0, skipped: 0, failed: 0 };
    const grouped = await this.db
      .selectFrom("target_outcomes")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("request_id", "=", requestId)
      .groupBy("status")
      .execute();
    for (const g of grouped) counts[g.status as OutcomeStatus] = Number(g.n);
    // Failed targets whose sessions were revoked (a later containment step failed): still revoked.
    let revokedButFailed = 0;
    if (counts.failed > 0) {
      const revoked = await this.db
        .selectFrom("target_outcomes")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("request_id", "=", requestId)
        .where("status", "=", "failed")
        .where("sessions_revoked", "=", 1)
        .executeTakeFirst();
      revokedButFailed = Number(revoked?.n ?? 0);
    }

    // Failures first, then unverified, then the first targets in order (with or without an outcome).
    const picked: Array<{ position: number; outcome: TargetOutcome | null }> = [];
    const seen = new Set<number>();
    for (const statuses of [["failed", "not_found"], ["revoked_unverified"]]) {
      if (picked.length >= rows) break;
      const found = await this.db
        .selectFrom("target_outcomes")
        .selectAll()
        .where("request_id", "=", requestId)
        .where("status", "in", statuses)
        .orderBy("position", "asc")
        .limit(rows - picked.length)
        .execute();
      for (const o of found) {
        seen.add(Number(o.position));
        picked.push({ position: Number(o.position), outcome: outcomeOf(o) });
      }
    }
    if (picked.length < rows) {
      const first = await this.targetsWithOutcomes()
        .select(["request_targets.position as position", ...JOINED_OUTCOME])
        .where("request_targets.request_id", "=", requestId)
        .orderBy("request_targets.position", "asc")
        .limit(rows + seen.size)
        .execute();
      for (const f of first) {
        if (picked.length >= rows) break;
        const position = Number(f.position);
        if (seen.has(position)) continue;
        picked.push({ position, outcome: joinedOutcomeOf(f) });
      }
    }
    const snapshots = new Map<number, DirectoryUser>();
    const positions = picked.map((p) => p.position);
    if (positions.length > 0) {
      const targets = await this.db
        .selectFrom("request_targets")
        .select(["position", "snapshot"])
        .where("request_id", "=", requestId)
        .where("position", "in", positions)
        .execute();
      for (const t of targets) snapshots.set(Number(t.position), JSON.parse(t.snapshot) as DirectoryUser);
    }
    return {
      request: this.requestOf(row, [], []),
      targetCount: Number(row.target_count),
      counts,
      revokedButFailed,
      rows: picked.flatMap((p) => {
        const target = snapshots.get(p.position);
        return target === undefined ? [] : [{ target, outcome: p.outcome }];
      }),
    };
  }

  /** A request's targets, each joined with its outcome when it has one. */
  private targetsWithOutcomes() {
    return this.db
      .selectFrom("request_targets")
      .leftJoin("target_outcomes", (join) =>
        join.onRef("target_outcomes.request_id", "=", "request_targets.request_id").onRef("target_outcomes.user_id", "=", "request_targets.user_id"),
      );
  }

  async targetsPage(requestId: string, afterPosition: number, limit: number): Promise<TargetPageRow[]> {
    const rows = await this.targetsWithOutcomes()
      .select(["request_targets.position as position", "request_targets.snapshot as snapshot", ...JOINED_OUTCOME])
      .where("request_targets.request_id", "=", requestId)
      .where("request_targets.position", ">", afterPosition)
      .orderBy("request_targets.position", "asc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ position: Number(r.position), target: JSON.parse(r.snapshot) as DirectoryUser, outcome: joinedOutcomeOf(r) }));
  }

  async pendingTargets(requestId: string, afterPosition: number, limit: number): Promise<Array<{ position: number; target: DirectoryUser }>> {
    const rows = await this.targetsWithOutcomes()
      .select(["request_targets.position as position", "request_targets.snapshot as snapshot"])
      .where("request_targets.request_id", "=", requestId)
      .where("request_targets.position", ">", afterPosition)
      .where("target_outcomes.user_id", "is", null)
      .orderBy("request_targets.position", "asc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ position: Number(r.position), target: JSON.parse(r.snapshot) as DirectoryUser }));
  }

  markSteps(requestId: string, step: ContainmentStep, userIds: readonly string[], owner: string): Promise<StepMarks> {
    return this.db.transaction().execute(async (trx) => {
      const nowIso = this.clock().toISOString();
      const live = await trx
        .selectFrom("jobs")
        .select("request_id")
        .where("request_id", "=", requestId)
        .where("lease_owner", "=", owner)
        .where("lease_expires_at", ">", nowIso)
        .where("finished_at", "is", null)
        .executeTakeFirst();
      if (live === undefined) return { kind: "leaseLost" } as const;
      const rows =
        userIds.length === 0
          ? []
          : await trx
              .selectFrom("containment_steps")
              .selectAll()
              .where("request_id", "=", requestId)
              .where("step", "=", step)
              .where("user_id", "in", [...userIds])
              .execute();
      const byUser = new Map(rows.map((r) => [r.user_id, r]));
      const done = new Map<string, StepOutcome>();
      const previous = new Map<string, string | null>();
      for (const id of userIds) {
        const row = byUser.get(id);
        if (row !== undefined && row.status !== null) {
          done.set(id, { userId: id, step, ok: row.status === "done", detail: row.detail ?? "", at: row.at ?? "" });
          continue;
        }
        previous.set(id, row?.attempt_at ?? null);
        await trx
          .insertInto("containment_steps")
          .values({ request_id: requestId, user_id: id, step, attempt_at: nowIso, attempt_owner: owner, attempts: 1, status: null, detail: null, at: null })
          .onConflict((oc) =>
            oc.columns(["request_id", "user_id", "step"]).doUpdateSet((eb) => ({
              attempt_at: nowIso,
              attempt_owner: owner,
              attempts: eb("containment_steps.attempts", "+", 1),
            })),
          )
          .execute();
      }
      return { kind: "marked", previous, done } as const;
    });
  }

  async recordSteps(requestId: string, outcomes: ReadonlyArray<{ outcome: StepOutcome; audit: NewAuditEntry }>): Promise<number> {
    if (outcomes.length === 0) return 0;
    const entries = await this.db.transaction().execute(async (trx) => {
      const audits: NewAuditEntry[] = [];
      for (const { outcome, audit } of outcomes) {
        const result = await trx
          .updateTable("containment_steps")
          .set({ status: outcome.ok ? "done" : "failed", detail: outcome.detail, at: outcome.at })
          .where("request_id", "=", requestId)
          .where("user_id", "=", outcome.userId)
          .where("step", "=", outcome.step)
          .where("status", "is", null)
          .executeTakeFirst();
        // An entry only for a step whose outcome is new: a second outcome is impossible.
        if (Number(result.numUpdatedRows) === 1) audits.push(audit);
      }
      return appendAuditEntries(trx, this.kind, audits, this.clock(), this.auditKey);
    });
    for (const entry of entries) this.onAudit?.(entry);
    return entries.length;
  }

  async recordOutcome(requestId: string, outcome: TargetOutcome, audit: NewAuditEntry): Promise<boolean> {
    return (await this.recordOutcomes(requestId, [{ outcome, audit }])) === 1;
  }


  private async load(db: Db, id: string): Promise<RevocationRequest | undefined> {
    const row = await db.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : this.hydrate(db, row);
  }

  private async hydrate(db: Db, row: Selectable<RequestsTable>): Promise<RevocationRequest> {
    const targets = await db
      .selectFrom("request_targets")
      .select("snapshot")
      .where("request_id", "=", row.id)
      .orderBy("position", "asc")
      .execute();
    const outcomes = await db
      .selectFrom("target_outcomes")
      .selectAll()
      .where("request_id", "=", row.id)
      .orderBy("position", "asc")
      .execute();
    return this.requestOf(
      row,
      targets.map((t) => JSON.parse(t.snapshot) as DirectoryUser),
      outcomes.map(outcomeOf),
    );
  }

  private requestOf(row: Selectable<RequestsTable>, targets: DirectoryUser[], outcomes: TargetOutcome[]): RevocationRequest {
    return {
      id: row.id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      requester: { aadObjectId: row.requester_id, name: row.requester_name },
      reason: row.reason,
      disable: Number(row.disable) === 1,
      containment: { resetPassword: Number(row.reset_password) === 1, confirmCompromised: Number(row.confirm_compromised) === 1 },
      action: row.action === "enable" ? "enable" : "revoke",
      foreignDisable: Number(row.foreign_disable) === 1,
      enableAgainst: row.enable_against ?? null,
      targets,
      excluded: JSON.parse(row.excluded) as ExcludedTarget[],
      state: row.state as RequestState,
      version: Number(row.version),
      decidedBy: row.decided_by_id === null ? null : { aadObjectId: row.decided_by_id, name: row.decided_by_name ?? "" },
      decidedAt: row.decided_at,
      origin: JSON.parse(row.origin) as Origin,
      cardActivityId: row.card_activity_id,
      decisionComment: row.decision_comment,
      decisionReason: row.decision_reason,
      approvalCard:
        row.approval_reference === null ? null : { reference: JSON.parse(row.approval_reference) as Origin, activityId: row.approval_activity_id },
      outcomes,
      ...(row.incident === null || row.incident === undefined ? {} : { incident: JSON.parse(row.incident) as IncidentRef }),
      ...(row.responders === null || row.responders === undefined ? {} : { responders: JSON.parse(row.responders) as Responder[] }),
      ...(row.failed_sign_ins === null || row.failed_sign_ins === undefined ? {} : { failedSignIns: JSON.parse(row.failed_sign_ins) as FailedSignIns }),
      ...(row.responders_choice === "included" || row.responders_choice === "left_out" ? { respondersChoice: row.responders_choice } : {}),
      ...(row.admin_reset === null || row.admin_reset === undefined ? {} : { adminReset: JSON.parse(row.admin_reset) as AdminResetCheck }),
      ...selectionOfRow(row.selection),
    };
  }
}

/** The request's selection from its column ({} when absent or unreadable: the cards fall back to counting). */
function selectionOfRow(json: string | null | undefined): { selection?: RequestSelection } {
  if (json === null || json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  const selection = selectionFrom(parsed);
  return selection === undefined ? {} : { selection };
}

/** The outcome columns of a target joined with its outcome (targetsWithOutcomes), read by joinedOutcomeOf. */
const JOINED_OUTCOME = [
  "target_outcomes.user_id as o_user_id",
  "target_outcomes.status as o_status",
  "target_outcomes.detail as o_detail",
  "target_outcomes.sessions_valid_from as o_valid_from",
  "target_outcomes.disabled as o_disabled",
  "target_outcomes.at as o_at",
] as const;

interface JoinedOutcomeColumns {
  o_user_id: string | null;
  o_status: string | null;
  o_detail: string | null;
  o_valid_from: string | null;
  o_disabled: number | null;
  o_at: string | null;
}

/** A target's outcome from the JOINED_OUTCOME columns, or null when it has none yet. */
function joinedOutcomeOf(r: JoinedOutcomeColumns): TargetOutcome | null {
  if (r.o_user_id === null || r.o_status === null) return null;
  return {
    userId: r.o_user_id,
    status: r.o_status as OutcomeStatus,
    detail: r.o_detail ?? "",
    sessionsValidFrom: r.o_valid_from ?? null,
    disabled: Number(r.o_disabled) === 1,
    at: r.o_at ?? "",
  };
}

function outcomeOf(o: Selectable<TargetOutcomesTable>): TargetOutcome {
  return {
    userId: o.user_id,
    status: o.status as OutcomeStatus,
    detail: o.detail,
    sessionsValidFrom: o.sessions_valid_from,
    disabled: Number(o.disabled) === 1,
    at: o.at,
  };
}
