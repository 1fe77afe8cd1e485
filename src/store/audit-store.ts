import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import { canonicalJson, entryHash } from "../audit/chain.js";
import {
  UNPOSTED_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type AuditLog,
  type AuditOutbox,
  type NewAuditEntry,
} from "../audit/audit-log.js";
import type { DialectKind } from "./database.js";
import type { AuditLogTable, Database } from "./schema.js";

type Clock = () => Date;

/**
 * Appends one entry to the hash chain inside the caller's transaction, and its Teams post to the
 * outbox. The head row is locked first (FOR UPDATE on PostgreSQL; SQLite transactions are already
 * serialised), so appends from several replicas form one gap-free chain.
 */
export async function appendAuditEntry(
  trx: Transaction<Database>,
  kind: DialectKind,
  entry: NewAuditEntry,
  now: Date,
): Promise<AuditEntry> {
  const [full] = await appendAuditEntries(trx, kind, [entry], now);
  if (full === undefined) throw new Error("the audit entry was not appended");
  return full;
}

// Rows per multi-row insert: 9 columns, well under both dialects' bound-parameter limits.
const AUDIT_INSERT_CHUNK = 500;

/**
 * Appends entries in order, in the caller's transaction: the head is read (and on PostgreSQL
 * locked) once, each entry chained to the one before, the rows written a chunk at a time, the head
 * moved once. A job's per-target entries for a whole batch cost a handful of statements.
 */
export async function appendAuditEntries(
  trx: Transaction<Database>,
  kind: DialectKind,
  entries: readonly NewAuditEntry[],
  now: Date,
): Promise<AuditEntry[]> {
  if (entries.length === 0) return [];
  let headQuery = trx.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1);
  if (kind === "postgres") headQuery = headQuery.forUpdate();
  const head = await headQuery.executeTakeFirstOrThrow();
  const at = now.toISOString();
  let seq = Number(head.seq);
  let prevHash = head.hash;
  const written: AuditEntry[] = [];
  for (const entry of entries) {
    // Round-trip the details through JSON so what is hashed is exactly what is stored and read back.
    const details = JSON.parse(JSON.stringify(entry.details)) as Record<string, unknown>;
    const unhashed = {
      seq: ++seq,
      at,
      actor: entry.actor === null ? null : { aadObjectId: entry.actor.aadObjectId, name: entry.actor.name },
      action: entry.action,
      requestId: entry.requestId,
      details,
    };
    const full: AuditEntry = { ...unhashed, prevHash, hash: entryHash(prevHash, unhashed) };
    prevHash = full.hash;
    written.push(full);
  }
  for (let i = 0; i < written.length; i += AUDIT_INSERT_CHUNK) {
    await trx
      .insertInto("audit_log")
      .values(
        written.slice(i, i + AUDIT_INSERT_CHUNK).map((full) => ({
          seq: full.seq,
          at: full.at,
          actor_id: full.actor?.aadObjectId ?? null,
          actor_name: full.actor?.name ?? null,
          action: full.action,
          request_id: full.requestId,
          details: canonicalJson(full.details),
          prev_hash: full.prevHash,
          hash: full.hash,
        })),
      )
      .execute();
  }
  await trx.updateTable("audit_head").set({ seq, hash: prevHash }).where("id", "=", 1).execute();
  const posted = written.filter((full) => !UNPOSTED_ACTIONS.has(full.action));
  for (let i = 0; i < posted.length; i += AUDIT_INSERT_CHUNK) {
    await trx
      .insertInto("outbox")
      .values(
        posted.slice(i, i + AUDIT_INSERT_CHUNK).map((full) => ({
          audit_seq: full.seq,
          created_at: full.at,
          attempts: 0,
          next_attempt_at: full.at,
          claimed_by: null,
          claim_until: null,
          delivered_at: null,
          last_error: null,
        })),
      )
      .execute();
  }
  return written;
}

/** A stored audit row that cannot even be read as an entry (its details are not JSON): it was altered. */
export class CorruptAuditEntryError extends Error {
  constructor(
    readonly seq: number,
    readonly action: string,
    readonly at: string,
  ) {
    super(`audit entry #${seq} cannot be read: its details are not valid JSON (altered)`);
    this.name = "CorruptAuditEntryError";
  }
}

/**
 * A stored row as an AuditEntry.
 * @throws CorruptAuditEntryError when the stored details are not JSON
 */
export function auditEntryOf(row: Selectable<AuditLogTable>): AuditEntry {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    // Only ever written as canonical JSON, so text that does not parse was changed outside the bot.
    throw new CorruptAuditEntryError(Number(row.seq), row.action, row.at);
  }
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" },
    action: row.action as AuditAction,
    requestId: row.request_id,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The audit log and its outbox in the database. */
export class SqlAuditStore implements AuditLog, AuditOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: DialectKind,
    private readonly clock: Clock = () => new Date(),
  ) {}

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.db.transaction().execute((trx) => appendAuditEntry(trx, this.kind, entry, this.clock()));
  }

  async recent(n: number, options: { exclude?: readonly AuditAction[] } = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom("audit_log").selectAll();
    if (options.exclude !== undefined && options.exclude.length > 0) query = query.where("action", "not in", [...options.exclude]);
    const rows = await query.orderBy("seq", "desc").limit(n).execute();
    return rows.map(auditEntryOf);
  }

  /**
   * Every entry in ascending order (optionally from a time on), a page at a time, so a long log
   * is never held in memory at once.
   */
  async *entries(options: { since?: string; pageSize?: number } = {}): AsyncGenerator<AuditEntry> {
    const pageSize = options.pageSize ?? 1000;
    let after = 0;
    for (;;) {
      let query = this.db.selectFrom("audit_log").selectAll().where("seq", ">", after);
      if (options.since !== undefined) query = query.where("at", ">=", options.since);
      const rows = await query.orderBy("seq", "asc").limit(pageSize).execute();
      for (const row of rows) yield auditEntryOf(row);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < pageSize) return;
      after = Number(last.seq);
    }
  }

  /** The recorded end of the chain. */
  async head(): Promise<{ seq: number; hash: string }> {
    const row = await this.db.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirstOrThrow();
    return { seq: Number(row.seq), hash: row.hash };
  }

  async claimNext(owner: string, leaseMs: number): Promise<AuditEntry | undefined> {
    const now = this.clock();
    const nowIso = now.toISOString();
    // Strictly the oldest undelivered post: the channel reads in order, so a failing post holds
    // back the ones after it rather than being overtaken.
    const oldest = await this.db
      .selectFrom("outbox")
      .select(["audit_seq", "next_attempt_at", "claimed_by", "claim_until"])
      .where("delivered_at", "is", null)
      .orderBy("audit_seq", "asc")
      .limit(1)
      .executeTakeFirst();
    if (oldest === undefined || oldest.next_attempt_at > nowIso) return undefined;
    const claimed = await this.db
      .updateTable("outbox")
      .set({ claimed_by: owner, claim_until: new Date(now.getTime() + leaseMs).toISOString(), attempts: sql<number>`attempts + 1` })
      .where("audit_seq", "=", oldest.audit_seq)
      .where("delivered_at", "is", null)
      .where((eb) => eb.or([eb("claimed_by", "is", null), eb("claim_until", "<", nowIso), eb("claimed_by", "=", owner)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return undefined;
    const row = await this.db.selectFrom("audit_log").selectAll().where("seq", "=", oldest.audit_seq).executeTakeFirstOrThrow();
    return auditEntryOf(row);
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

  async undeliveredCount(): Promise<number> {
    const row = await this.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("delivered_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
