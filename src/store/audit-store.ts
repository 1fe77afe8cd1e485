import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from "kysely";
import { canonicalJson, entryHash, entryMac, headMac, KEYED_ACTION, type AuditKey, type HashAlg } from "../audit/chain.js";
import { AUDIT_CLIP, clipString, clipValue } from "../audit/clip.js";
import {
  isRefusal,
  UNPOSTED_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type AuditLog,
  type AuditOutbox,
  type AuditPost,
  type NewAuditEntry,
  type OutboxBacklog,
} from "../audit/audit-log.js";
import type { DialectKind } from "./database.js";
import type { AuditLogTable, Database, OutboxTable } from "./schema.js";

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
  key?: AuditKey,
): Promise<AuditEntry> {
  const [full] = await appendAuditEntries(trx, kind, [entry], now, key);
  if (full === undefined) throw new Error("the audit entry was not appended");
  return full;
}

/** The chain is keyed but this process has no key (or another one): it must not append unkeyed or foreign-keyed entries. */
export class AuditKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditKeyError";
  }
}

/** One post a minute at most per actor (or tenant) for refusals; the rest are counted into the next. */
export const FLOOD_WINDOW_MS = 60_000;

/**
 * Whose refusals a refused entry counts among: the actor's object ID; when there is none, the
 * tenant the details name. Activities refused for coming from outside the allowed tenants all
 * share one key: their actor and tenant IDs are whatever the sender wrote, so keying by them would
 * let a sender flood the channel by varying them.
 */
export function floodKeyOf(entry: Pick<AuditEntry, "action" | "actor" | "details" | "requestId">): string {
  // Sign-ins from the incident's address are the attacker's to multiply: per request, not per actor.
  if (entry.action === "watch.alarm") return `alarm:${entry.requestId ?? ""}`;
  if (entry.action === "activity.refused") return "foreign";
  if (entry.actor !== null && entry.actor.aadObjectId !== "") return `actor:${entry.actor.aadObjectId.toLowerCase()}`;
  const tenant = entry.details.tenantId;
  return typeof tenant === "string" && tenant !== "" ? `tenant:${clipString(tenant.toLowerCase(), 100)}` : "bot";
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
  key?: AuditKey,
): Promise<AuditEntry[]> {
  if (entries.length === 0) return [];
  const written = await appendChained(trx, kind, entries, now, key);
  // Only the entries asked for (a keying marker, written when another replica has not yet, is not).
  return written.slice(written.length - entries.length);
}

/** appendAuditEntries, also with no entries (to mark where keying begins), returning every entry written. */
async function appendChained(
  trx: Transaction<Database>,
  kind: DialectKind,
  entries: readonly NewAuditEntry[],
  now: Date,
  key: AuditKey | undefined,
): Promise<AuditEntry[]> {
  let headQuery = trx.selectFrom("audit_head").select(["seq", "hash", "key_id"]).where("id", "=", 1);
  if (kind === "postgres") headQuery = headQuery.forUpdate();
  const head = await headQuery.executeTakeFirstOrThrow();
  if (head.key_id !== null && key === undefined) {
    throw new AuditKeyError(
      `the audit chain is keyed (key ID ${head.key_id}) but no audit key is configured: set AUDIT_KEY_FILE or AUDIT_KEY to the chain's key`,
    );
  }
  if (head.key_id !== null && key !== undefined && head.key_id !== key.id) {
    throw new AuditKeyError(
      `the audit chain is keyed with key ID ${head.key_id} but the configured key has ID ${key.id}: configure the chain's key, or change keys with npm run audit:rotate-key`,
    );
  }
  // A key and an unkeyed chain: keying begins here, with a marker entry MAC'd with the key it names.
  const toWrite: NewAuditEntry[] =
    key !== undefined && head.key_id === null ? [{ actor: null, action: KEYED_ACTION, requestId: null, details: { keyId: key.id } }, ...entries] : [...entries];
  if (toWrite.length === 0) return [];
  const at = now.toISOString();
  let seq = Number(head.seq);
  let prevHash = head.hash;
  const written: AuditEntry[] = [];
  for (const entry of toWrite) {
    // Round-trip the details through JSON so what is hashed is exactly what is stored and read
    // back, then clip them: a string or list a user controls cannot make an entry (or a post) huge.
    const details = clipValue(JSON.parse(JSON.stringify(entry.details)), AUDIT_CLIP) as Record<string, unknown>;
    const unhashed = {
      seq: ++seq,
      at,
      actor:
        entry.actor === null
          ? null
          : { aadObjectId: clipString(entry.actor.aadObjectId, AUDIT_CLIP.maxString), name: clipString(entry.actor.name, AUDIT_CLIP.maxString) },
      action: entry.action,
      requestId: entry.requestId,
      details,
    };
    const hashAlg: HashAlg = key === undefined ? "sha256" : "hmac-sha256";
    const hash = key === undefined ? entryHash(prevHash, unhashed) : entryMac(key.secret, prevHash, unhashed);
    const full: AuditEntry = { ...unhashed, prevHash, hash, hashAlg };
    prevHash = full.hash;
    written.push(full);
  }
  await insertEntries(trx, written);
  await trx
    .updateTable("audit_head")
    .set({
      seq,
      hash: prevHash,
      key_id: key?.id ?? null,
      mac: key === undefined ? null : headMac(key.secret, { seq, hash: prevHash, keyId: key.id }),
    })
    .where("id", "=", 1)
    .execute();
  await queuePosts(trx, written.filter((full) => !UNPOSTED_ACTIONS.has(full.action)), now);
  return written;
}

/**
 * Changes the chain's key: appends an `audit.keyed` entry naming the new key (and the old), MAC'd
 * with the OLD key, so the change itself is proven by the key the chain had; later entries and the
 * head are MAC'd with the new key. Needs both keys; the bot then runs with the new one.
 * @throws AuditKeyError when the chain is not keyed with `oldKey`
 */
export async function rotateAuditKey(db: Kysely<Database>, kind: DialectKind, oldKey: AuditKey, newKey: AuditKey, now: Date): Promise<AuditEntry> {
  return db.transaction().execute(async (trx) => {
    let headQuery = trx.selectFrom("audit_head").select(["seq", "hash", "key_id"]).where("id", "=", 1);
    if (kind === "postgres") headQuery = headQuery.forUpdate();
    const head = await headQuery.executeTakeFirstOrThrow();
    if (head.key_id !== oldKey.id) {
      throw new AuditKeyError(
        head.key_id === null
          ? "the audit chain is not keyed yet: start the bot with the new key instead (it marks where keying begins)"
          : `the audit chain is keyed with key ID ${head.key_id}, not with the current key given (key ID ${oldKey.id})`,
      );
    }
    if (newKey.id === oldKey.id) throw new AuditKeyError("the new key is the same as the current one");
    const seq = Number(head.seq) + 1;
    const unhashed = { seq, at: now.toISOString(), actor: null, action: KEYED_ACTION as AuditAction, requestId: null, details: { keyId: newKey.id, previousKeyId: oldKey.id } };
    const full: AuditEntry = { ...unhashed, prevHash: head.hash, hash: entryMac(oldKey.secret, head.hash, unhashed), hashAlg: "hmac-sha256" };
    await insertEntries(trx, [full]);
    await trx
      .updateTable("audit_head")
      .set({ seq, hash: full.hash, key_id: newKey.id, mac: headMac(newKey.secret, { seq, hash: full.hash, keyId: newKey.id }) })
      .where("id", "=", 1)
      .execute();
    await queuePosts(trx, [full], now);
    return full;
  });
}

async function insertEntries(trx: Transaction<Database>, written: readonly AuditEntry[]): Promise<void> {
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
          hash_alg: full.hashAlg,
        })),
      )
      .execute();
  }
}

type OutboxRow = Insertable<OutboxTable>;

/**
 * Queues the entries' Teams posts. Every entry keeps its own row in the chain; refusals are posted
 * at most once a minute per actor (flood control): the first is posted at once, later ones within
 * the minute are counted into one gathering row, posted when its minute is up. The state is the
 * outbox itself, so it holds across replicas (appends serialise on the head) and restarts.
 */
async function queuePosts(trx: Transaction<Database>, posted: readonly AuditEntry[], now: Date): Promise<void> {
  const at = now.toISOString();
  const rows: OutboxRow[] = [];
  const plain = (full: AuditEntry, floodKey: string | null): OutboxRow => ({
    audit_seq: full.seq,
    created_at: at,
    attempts: 0,
    next_attempt_at: at,
    claimed_by: null,
    claim_until: null,
    delivered_at: null,
    last_error: null,
    flood_key: floodKey,
  });
  for (const full of posted) {
    if (!isFlooded(full.action)) {
      rows.push(plain(full, null));
      continue;
    }
    // Rows queued earlier in this batch must be visible to the flood checks below.
    await flushRows(trx, rows);
    const floodKey = floodKeyOf(full);
    const gathering = await trx
      .selectFrom("outbox")
      .select("audit_seq")
      .where("flood_key", "=", floodKey)
      .where("gather_until", ">", at)
      .where("attempts", "=", 0)
      .where("delivered_at", "is", null)
      .orderBy("audit_seq", "desc")
      .limit(1)
      .executeTakeFirst();
    if (gathering !== undefined) {
      // Conditional: a replica that claimed the row meanwhile (attempts > 0) posts the count it read.
      const folded = await trx
        .updateTable("outbox")
        .set({ flood_count: sql<number>`flood_count + ${floodWeightOf(full)}`, flood_last_seq: full.seq })
        .where("audit_seq", "=", gathering.audit_seq)
        .where("attempts", "=", 0)
        .where("delivered_at", "is", null)
        .executeTakeFirst();
      if (Number(folded.numUpdatedRows) === 1) continue;
    }
    const last = await trx
      .selectFrom("outbox")
      .select((eb) => eb.fn.max(eb.fn.coalesce("gather_until", "created_at")).as("posted_at"))
      .where("flood_key", "=", floodKey)
      .executeTakeFirst();
    const lastPostAt = last?.posted_at === null || last?.posted_at === undefined ? undefined : new Date(last.posted_at).getTime();
    if (lastPostAt === undefined || lastPostAt <= now.getTime() - FLOOD_WINDOW_MS) {
      rows.push(plain(full, floodKey));
      continue;
    }
    const until = new Date(lastPostAt + FLOOD_WINDOW_MS).toISOString();
    rows.push({ ...plain(full, floodKey), next_attempt_at: until, gather_until: until, flood_count: floodWeightOf(full), flood_last_seq: full.seq });
    await flushRows(trx, rows);
  }
  await flushRows(trx, rows);
}

/**
 * Posted at most once a minute per key, the rest gathered: refusals (per actor) and sign-ins from
 * the incident's address during a watch (per request: an attacker who scripts sign-ins would
 * otherwise hold every later audit post and approval card behind Teams' per-conversation limit).
 */
function isFlooded(action: AuditAction): boolean {
  return isRefusal(action) || action === "watch.alarm";
}

/** What an entry adds to a gathered post's count: one, or the sign-ins an aggregated alarm entry stands for. */
function floodWeightOf(entry: AuditEntry): number {
  const n = entry.action === "watch.alarm" ? entry.details.signIns : undefined;
  return typeof n === "number" && Number.isInteger(n) && n > 1 ? n : 1;
}

async function flushRows(trx: Transaction<Database>, rows: OutboxRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += AUDIT_INSERT_CHUNK) await trx.insertInto("outbox").values(rows.slice(i, i + AUDIT_INSERT_CHUNK)).execute();
  rows.length = 0;
}

/** The HTTP status an outbox error text begins with ("HTTP 413: …"), if any. */
function statusOf(error: string | null): number | undefined {
  const match = /^HTTP (\d{3})\b/.exec(error ?? "");
  return match === null ? undefined : Number(match[1]);
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
    hashAlg: row.hash_alg as HashAlg,
  };
}

/** The audit log and its outbox in the database. */
export class SqlAuditStore implements AuditLog, AuditOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: DialectKind,
    private readonly clock: Clock = () => new Date(),
    /** The chain's HMAC key; without it entries are plain sha256 (refused once the chain is keyed). */
    private readonly key?: AuditKey,
  ) {}

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
