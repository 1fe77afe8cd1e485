import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** prev_hash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of an audit entry that its hash covers (everything but the hashes themselves). */
export interface HashedFields {
  seq: number;
  at: string;
  actor: { aadObjectId: string; name: string } | null;
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

/**
 * JSON with object keys sorted at every level and no whitespace, so the same entry always has the
 * same bytes, whichever code or database produced it. Otherwise it follows JSON.stringify: toJSON
 * is honoured (a Date becomes its ISO string), and members JSON cannot hold (undefined, functions,
 * symbols) are dropped from objects and become null in arrays.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalOrUndefined(value, "");
  if (text === undefined) throw new Error(`canonical JSON cannot hold a ${typeof value} at the top level`);
  return text;
}

function canonicalOrUndefined(input: unknown, key: string): string | undefined {
  const value = hasToJson(input) ? input.toJSON(key) : input;
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return undefined;
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("canonical JSON cannot hold NaN or Infinity");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalOrUndefined(v, String(i)) ?? "null").join(",")}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const k of Object.keys(record).sort()) {
    const member = canonicalOrUndefined(record[k], k);
    if (member !== undefined) members.push(`${JSON.stringify(k)}:${member}`);
  }
  return `{${members.join(",")}}`;
}

function hasToJson(value: unknown): value is { toJSON(key: string): unknown } {
  return typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/** How an entry's hash was made: plain sha256 (before keying began) or HMAC-SHA256 with the audit key. */
export type HashAlg = "sha256" | "hmac-sha256";

/** The audit chain's HMAC key and its ID (a fingerprint that identifies it without revealing it). */
export interface AuditKey {
  id: string;
  secret: Buffer;
}

/** The key's ID: the first 16 hex digits of a domain-separated sha256 of it. Safe to store and log. */
export function auditKeyOf(secret: Buffer): AuditKey {
  return { id: createHash("sha256").update("teams-revoke-bot audit key id\0").update(secret).digest("hex").slice(0, 16), secret };
}

function hashedFieldsOf(entry: HashedFields): HashedFields {
  return {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor === null ? null : { aadObjectId: entry.actor.aadObjectId, name: entry.actor.name },
    action: entry.action,
    requestId: entry.requestId,
    details: entry.details,
  };
}

/** hash = sha256(prev_hash ‖ canonical JSON of the entry), hex: entries written before keying began. */
export function entryHash(prevHash: string, entry: HashedFields): string {
  return createHash("sha256").update(prevHash).update(canonicalJson(hashedFieldsOf(entry))).digest("hex");
}

/** hash = HMAC-SHA256(key, prev_hash ‖ canonical JSON of the entry), hex: entries once keying began. */
export function entryMac(key: Buffer, prevHash: string, entry: HashedFields): string {
  return createHmac("sha256", key).update(prevHash).update(canonicalJson(hashedFieldsOf(entry))).digest("hex");
}

/**
 * The head's MAC: binds the last sequence number, its hash and the key ID, so cutting entries off
 * the end of a keyed chain (and moving the head back) shows without the key.
 */
export function headMac(key: Buffer, head: { seq: number; hash: string; keyId: string }): string {
  return createHmac("sha256", key).update(`audit-head\n${head.seq}\n${head.hash}\n${head.keyId}`).digest("hex");
}

/** The action of the entry that marks where keying began, or where the key changed. */
export const KEYED_ACTION = "audit.keyed";

/** Where a chain stops being intact, and why. */
export interface ChainBreak {
  /** The sequence number of the first entry that does not check out (or the head). */
  seq: number;
  reason: string;
  /** Not a break but a part the verifier could not check: keyed entries and no key given. */
  unverifiable?: true;
}

/** An entry as the verifier sees it. */
export type VerifiedEntry = HashedFields & { prevHash: string; hash: string; hashAlg: string };

/** The head as stored. */
export interface StoredHead {
  seq: number;
  hash: string;
  keyId: string | null;
  mac: string | null;
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Checks entries (in ascending stored order) against the chain: consecutive sequence numbers from
 * 1, each prev_hash equal to the previous hash, each hash recomputed from the entry. Entries before
 * keying began are checked with sha256; from the `audit.keyed` entry on, with HMAC-SHA256 and the
 * given key(s). An unkeyed entry after keying began is a break (a downgrade), whether or not a key
 * is given. Stateful so a large log can be checked a page at a time.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private readonly keys: ReadonlyMap<string, AuditKey>;
  /** The entry where keying began, once seen. */
  keyedFrom: number | undefined;
  /** Keyed entries that could not be checked for want of any key (set once, at the first). */
  unverified: ChainBreak | undefined;
  /** The key ID later entries are MAC'd with. */
  private currentKeyId: string | undefined;
  count = 0;

  constructor(keys: readonly AuditKey[] = []) {
    this.keys = new Map(keys.map((k) => [k.id, k]));
  }

  /** Returns the break at this entry, or undefined when it checks out. */
  check(entry: VerifiedEntry): ChainBreak | undefined {
    if (entry.seq !== this.expectedSeq) {
      return {
        seq: entry.seq,
        reason:
          entry.seq > this.expectedSeq
            ? entry.seq - 1 === this.expectedSeq
              ? `entry #${this.expectedSeq} before it is missing`
              : `entries #${this.expectedSeq}…#${entry.seq - 1} before it are missing`
            : `out of order: expected #${this.expectedSeq}`,
      };
    }
    if (entry.prevHash !== this.prevHash) return { seq: entry.seq, reason: "prev_hash does not match the previous entry's hash" };
    const broken = entry.hashAlg === "sha256" ? this.checkUnkeyed(entry) : entry.hashAlg === "hmac-sha256" ? this.checkKeyed(entry) : undefined;
    if (broken !== undefined) return broken;
    if (entry.hashAlg !== "sha256" && entry.hashAlg !== "hmac-sha256") {
      return { seq: entry.seq, reason: `its hash scheme "${entry.hashAlg}" is not one this tool knows (altered)` };
    }
    this.expectedSeq++;
    this.prevHash = entry.hash;
    this.count++;
    return undefined;
  }

  private checkUnkeyed(entry: VerifiedEntry): ChainBreak | undefined {
    if (this.keyedFrom !== undefined) {
      return {
        seq: entry.seq,
        reason: `it is unkeyed (plain sha256) but the chain is keyed from entry #${this.keyedFrom} on: a keyed entry was rewritten as unkeyed (downgrade)`,
      };
    }
    if (entryHash(entry.prevHash, entry) !== entry.hash) return { seq: entry.seq, reason: "its content does not match its hash (altered)" };
    return undefined;
  }

  private checkKeyed(entry: VerifiedEntry): ChainBreak | undefined {
    const markedKeyId = entry.action === KEYED_ACTION && typeof entry.details.keyId === "string" ? entry.details.keyId : undefined;
    let macKeyId: string | undefined;
    if (this.keyedFrom === undefined) {
      // The first keyed entry must be the marker, MAC'd with the key it names.
      if (markedKeyId === undefined) return { seq: entry.seq, reason: `it is keyed but keying did not begin with an ${KEYED_ACTION} entry (altered)` };
      macKeyId = markedKeyId;
    } else {
      // A later marker (a key change) is MAC'd with the key before it, so the change itself is proven.
      macKeyId = this.currentKeyId;
    }
    if (macKeyId === undefined) return { seq: entry.seq, reason: "it is keyed but no key ID is known for it (altered)" };
    const key = this.keys.get(macKeyId);
    if (key === undefined) {
      if (this.keys.size === 0) {
        // Without any key the MACs cannot be checked, but the order, the links and the absence of
        // unkeyed entries after this one still can: go on, and report "cannot verify" at the end.
        this.unverified ??= {
          seq: entry.seq,
          unverifiable: true,
          reason: `entries from #${entry.seq} on are keyed (HMAC-SHA256, key ID ${macKeyId}) and no key was given: set AUDIT_KEY_FILE or AUDIT_KEY to check them`,
        };
        this.keyedFrom ??= entry.seq;
        if (markedKeyId !== undefined) this.currentKeyId = markedKeyId;
        return undefined;
      }
      return {
        seq: entry.seq,
        reason: `it is keyed with key ID ${macKeyId}, not with the key given (key ID ${[...this.keys.keys()].join(", ")}): the wrong key was given, or the chain was re-keyed by someone else`,
      };
    }
    if (!sameHex(entryMac(key.secret, entry.prevHash, entry), entry.hash)) {
      return { seq: entry.seq, reason: "its content does not match its keyed hash (altered, or rewritten without the key)" };
    }
    if (this.keyedFrom === undefined) this.keyedFrom = entry.seq;
    if (markedKeyId !== undefined) this.currentKeyId = markedKeyId;
    return undefined;
  }

  /**
   * Checks the chain's end against the recorded head (catches entries cut off the end). The break
   * names the head's entry when entries are missing or replaced there, and the first entry past the
   * head when the log goes on beyond it. On a keyed chain the head's MAC must check out with the
   * current key; a keyed head on a chain with no keyed entry means they were rewritten as unkeyed.
   */
  checkHead(head: StoredHead): ChainBreak | undefined {
    const last = this.expectedSeq - 1;
    if (head.seq > last) {
      const ends = last === 0 ? "the log is empty" : `the log ends at #${last}`;
      return { seq: head.seq, reason: `${ends} but the head records #${head.seq}: entries were removed from the end` };
    }
    if (head.seq < last) {
      return {
        seq: head.seq + 1,
        reason: `the head records #${head.seq} but the log goes on to #${last}: entries were added without going through the head`,
      };
    }
    if (head.hash !== this.prevHash) {
      return {
        seq: head.seq,
        reason: `the head records a different hash for it (${head.hash.slice(0, 12)}…, the entry has ${this.prevHash.slice(0, 12)}…): the chain was rewritten up to here`,
      };
    }
    if (this.currentKeyId === undefined) {
      if (head.mac !== null || head.keyId !== null) {
        return { seq: head.seq, reason: `the head is keyed (key ID ${head.keyId ?? "none"}) but no entry is: keyed entries were rewritten as unkeyed (downgrade)` };
      }
      if (this.keys.size > 0) {
        return {
          seq: head.seq,
          reason:
            "a key was given but no entry is keyed: either the bot has not run with this key yet (start it with the key, then check again), or every keyed entry was rewritten as unkeyed (downgrade)",
        };
      }
      return undefined;
    }
    const key = this.keys.get(this.currentKeyId);
    // No key at all: `unverified` already says the keyed part could not be checked.
    if (key === undefined) return this.keys.size === 0 ? undefined : { seq: head.seq, reason: `the head is keyed with key ID ${this.currentKeyId}, which was not given` };
    if (head.keyId !== this.currentKeyId || head.mac === null || !sameHex(headMac(key.secret, { seq: head.seq, hash: head.hash, keyId: this.currentKeyId }), head.mac)) {
      return { seq: head.seq, reason: "the head's MAC does not check out with the key: the head was moved or rewritten without the key" };
    }
    return undefined;
  }
}
