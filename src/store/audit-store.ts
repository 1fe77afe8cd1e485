import type { Kysely } from "kysely";
import type { AuditKey } from "../audit/chain.js";
import type { AuditAction, AuditEntry, AuditLog, NewAuditEntry } from "../audit/audit-log.js";
import { appendAuditEntry, appendChained } from "./audit-append.js";
import { SqlAuditOutbox } from "./audit-outbox-store.js";
import { auditEntryOf } from "./audit-rows.js";
import type { DialectKind } from "./database.js";
import type { Database } from "./schema.js";

// The chain's parts, each in its own module; importers keep reaching them here.
export { AuditKeyError, appendAuditEntries, appendAuditEntry, rotateAuditKey } from "./audit-append.js";
export { FLOOD_WINDOW_MS, floodKeyOf } from "./audit-post-queue.js";
export { CorruptAuditEntryError, auditEntryOf } from "./audit-rows.js";

type Clock = () => Date;

/** The audit log (appending to the chain, reading it back) and, inherited, its outbox in the database. */
export class SqlAuditStore extends SqlAuditOutbox implements AuditLog {
  constructor(
    db: Kysely<Database>,
    private readonly kind: DialectKind,
    clock: Clock = () => new Date(),
    /** The chain's HMAC key; without it entries are plain sha256 (refused once the chain is keyed). */
    private readonly key?: AuditKey,
  ) {
    super(db, clock);
  }

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.db.transaction().execute((trx) => appendAuditEntry(trx, this.kind, entry, this.clock(), this.key));
  }

  /**
   * At start: with a key on an unkeyed chain, appends the entry that marks where keying began
   * (returned); checks that a keyed chain is keyed with this process's key.
   * @throws AuditKeyError when the chain is keyed and the key is missing or another one
   */
  async prepareKey(): Promise<AuditEntry | undefined> {
    const written = await this.db.transaction().execute((trx) => appendChained(trx, this.kind, [], this.clock(), this.key));
    return written[0];
  }

  async findForRequest(requestId: string, action: AuditAction): Promise<AuditEntry | undefined> {
    const row = await this.db
      .selectFrom("audit_log")
      .selectAll()
      .where("request_id", "=", requestId)
      .where("action", "=", action)
      .orderBy("seq", "asc")
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : auditEntryOf(row);
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

  /** The recorded end of the chain, with its MAC once the chain is keyed. */
  async head(): Promise<{ seq: number; hash: string; keyId: string | null; mac: string | null }> {
    const row = await this.db.selectFrom("audit_head").select(["seq", "hash", "key_id", "mac"]).where("id", "=", 1).executeTakeFirstOrThrow();
    return { seq: Number(row.seq), hash: row.hash, keyId: row.key_id, mac: row.mac };
  }
}
