import type { Kysely, Transaction } from "kysely";
import { canonicalJson, entryHash, entryMac, headMac, KEYED_ACTION, type AuditKey, type HashAlg } from "../audit/chain.js";
import { AUDIT_CLIP, clipString, clipValue } from "../audit/clip.js";
import { UNPOSTED_ACTIONS, type AuditAction, type AuditEntry, type NewAuditEntry } from "../audit/audit-log.js";
import { queuePosts } from "./audit-post-queue.js";
import { AUDIT_INSERT_CHUNK } from "./audit-rows.js";
import type { DialectKind } from "./database.js";
import type { Database } from "./schema.js";

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
export async function appendChained(
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
