import { sql, type Kysely } from "kysely";
import type { AuditOutbox, AuditPost, OutboxBacklog } from "../audit/audit-log.js";
import { auditEntryOf } from "./audit-rows.js";
import type { Database } from "./schema.js";

type Clock = () => Date;

/** The HTTP status an outbox error text begins with ("HTTP 413: …"), if any. */
function statusOf(error: string | null): number | undefined {
  const match = /^HTTP (\d{3})\b/.exec(error ?? "");
  return match === null ? undefined : Number(match[1]);
}

/**
 * The audit posts' outbox in the database: strictly in order, one claim at a time, with what Teams
 * answered kept on each post (set aside, blocked, gathered refusals).
 */
export class SqlAuditOutbox implements AuditOutbox {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly clock: Clock = () => new Date(),
  ) {}

  async claimNext(owner: string, leaseMs: number): Promise<AuditPost | undefined> {
    const now = this.clock();
    const nowIso = now.toISOString();
    // Strictly the oldest undelivered post: the channel reads in order, so a failing post holds
    // back the ones after it rather than being overtaken. Two kinds are passed over: posts set
    // aside (Teams refused their content) once the note standing in their place is posted, and
    // refusals still gathering their minute.
    const oldest = await this.db
      .selectFrom("outbox")
      .select(["audit_seq", "next_attempt_at", "claimed_by", "claim_until"])
      .where("delivered_at", "is", null)
      .where((eb) => eb.or([eb("set_aside_at", "is", null), eb("placeholder_at", "is", null)]))
      .where((eb) => eb.or([eb("gather_until", "is", null), eb("gather_until", "<=", nowIso)]))
      .orderBy("audit_seq", "asc")
      .limit(1)
      .executeTakeFirst();
    if (oldest === undefined || oldest.next_attempt_at > nowIso) return undefined;
    const claimed = await this.db
      .updateTable("outbox")
      // A set-aside post's note is not an attempt at the post (the count is what the post got).
      .set({
        claimed_by: owner,
        claim_until: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: sql<number>`case when set_aside_at is null then attempts + 1 else attempts end`,
      })
      .where("audit_seq", "=", oldest.audit_seq)
      .where("delivered_at", "is", null)
      .where((eb) => eb.or([eb("set_aside_at", "is", null), eb("placeholder_at", "is", null)]))
      .where((eb) => eb.or([eb("claimed_by", "is", null), eb("claim_until", "<", nowIso), eb("claimed_by", "=", owner)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return undefined;
    // Read after the claim: the count cannot grow once attempts > 0 (see queuePosts).
    const row = await this.db
      .selectFrom("outbox")
      .select(["flood_count", "flood_last_seq", "set_aside_at", "last_error", "blocked_at"])
      .where("audit_seq", "=", oldest.audit_seq)
      .executeTakeFirstOrThrow();
    const count = Number(row.flood_count);
    const lastSeq = row.flood_last_seq === null ? Number(oldest.audit_seq) : Number(row.flood_last_seq);
    const entryRow = await this.db.selectFrom("audit_log").selectAll().where("seq", "=", lastSeq).executeTakeFirstOrThrow();
    const entry = auditEntryOf(entryRow);
    const seq = Number(oldest.audit_seq);
    const post: AuditPost = count > 1 ? { seq, entry, aggregate: { count, firstSeq: seq, lastSeq } } : { seq, entry };
    if (row.set_aside_at !== null) post.placeholder = { status: statusOf(row.last_error) };
    if (row.blocked_at !== null) post.blockedSince = row.blocked_at;
    return post;
  }

  async delivered(seq: number, owner: string): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set({ delivered_at: this.clock().toISOString(), claimed_by: null, claim_until: null, last_error: null })
      .where("audit_seq", "=", seq)
      .where("claimed_by", "=", owner)
      .execute();
  }

  async retryLater(seq: number, owner: string, delayMs: number, error: string | null): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set({
        claimed_by: null,
        claim_until: null,
        next_attempt_at: new Date(this.clock().getTime() + delayMs).toISOString(),
        last_error: error,
      })
      .where("audit_seq", "=", seq)
      .where("claimed_by", "=", owner)
      .execute();
  }

  async refusedPermanently(seq: number, owner: string, delayMs: number, error: string, maxAttempts: number): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("outbox")
        .set({
          claimed_by: null,
          claim_until: null,
          next_attempt_at: new Date(now.getTime() + delayMs).toISOString(),
          last_error: error,
          permanent_failures: sql<number>`permanent_failures + 1`,
        })
        .where("audit_seq", "=", seq)
        .where("claimed_by", "=", owner)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      // Set aside: the note standing in its place is due at once, before any later post.
      const aside = await trx
        .updateTable("outbox")
        .set({ set_aside_at: now.toISOString(), next_attempt_at: now.toISOString() })
        .where("audit_seq", "=", seq)
        .where("permanent_failures", ">=", maxAttempts)
        .executeTakeFirst();
      return Number(aside.numUpdatedRows) === 1;
    });
  }

  async blocked(seq: number, owner: string, delayMs: number, error: string): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom("outbox").select("blocked_at").where("audit_seq", "=", seq).where("claimed_by", "=", owner).executeTakeFirst();
      if (before === undefined) return false;
      await trx
        .updateTable("outbox")
        .set({
          claimed_by: null,
          claim_until: null,
          next_attempt_at: new Date(now.getTime() + delayMs).toISOString(),
          last_error: error,
          blocked_at: before.blocked_at ?? now.toISOString(),
        })
        .where("audit_seq", "=", seq)
        .where("claimed_by", "=", owner)
        .execute();
      return before.blocked_at === null;
    });
  }

  async placeholderPosted(seq: number, owner: string): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set({ placeholder_at: this.clock().toISOString(), claimed_by: null, claim_until: null })
      .where("audit_seq", "=", seq)
      .where("claimed_by", "=", owner)
      .where("set_aside_at", "is not", null)
      .execute();
  }

  async retryBlockedNow(): Promise<number> {
    const result = await this.db
      .updateTable("outbox")
      .set({ next_attempt_at: this.clock().toISOString() })
      .where("delivered_at", "is", null)
      .where("set_aside_at", "is", null)
      .where("blocked_at", "is not", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Posts set aside, oldest first, with what Teams answered (for `npm run audit:outbox`). */
  async setAside(limit = 100): Promise<Array<{ seq: number; action: string; at: string; setAsideAt: string; attempts: number; lastError: string | null }>> {
    const rows = await this.db
      .selectFrom("outbox")
      .innerJoin("audit_log", "audit_log.seq", "outbox.audit_seq")
      .select(["outbox.audit_seq", "audit_log.action", "audit_log.at", "outbox.set_aside_at", "outbox.attempts", "outbox.last_error"])
      .where("outbox.delivered_at", "is", null)
      .where("outbox.set_aside_at", "is not", null)
      .orderBy("outbox.audit_seq", "asc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.audit_seq),
      action: r.action,
      at: r.at,
      setAsideAt: r.set_aside_at ?? "",
      attempts: Number(r.attempts),
      lastError: r.last_error,
    }));
  }

  /** Puts set-aside posts back in the queue (all, or those with the given sequence numbers); returns how many. */
  async requeue(seqs?: readonly number[]): Promise<number> {
    let query = this.db
      .updateTable("outbox")
      .set({ set_aside_at: null, placeholder_at: null, permanent_failures: 0, next_attempt_at: this.clock().toISOString(), claimed_by: null, claim_until: null })
      .where("delivered_at", "is", null)
      .where("set_aside_at", "is not", null);
    if (seqs !== undefined) query = query.where("audit_seq", "in", [...seqs]);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async undeliveredCount(): Promise<number> {
    return (await this.backlog()).waiting;
  }

  async backlog(): Promise<OutboxBacklog> {
    const row = await this.db
      .selectFrom("outbox")
      .select((eb) => [
        eb.fn.countAll().as("undelivered"),
        eb.fn.count("set_aside_at").as("set_aside"),
      ])
      .where("delivered_at", "is", null)
      .executeTakeFirstOrThrow();
    const setAside = Number(row.set_aside);
    const backlog: OutboxBacklog = { waiting: Number(row.undelivered) - setAside, setAside };
    // Blocked: a post still waiting was found unreachable (only the post leading the queue is tried).
    const blocked = await this.db
      .selectFrom("outbox")
      .select(["blocked_at", "last_error"])
      .where("delivered_at", "is", null)
      .where("set_aside_at", "is", null)
      .where("blocked_at", "is not", null)
      .orderBy("audit_seq", "asc")
      .limit(1)
      .executeTakeFirst();
    if (blocked?.blocked_at !== null && blocked?.blocked_at !== undefined) backlog.blocked = { since: blocked.blocked_at, status: statusOf(blocked.last_error) };
    return backlog;
  }
}
