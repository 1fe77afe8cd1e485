import { createHash } from "node:crypto";

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

/** hash = sha256(prev_hash ‖ canonical JSON of the entry), hex. */
export function entryHash(prevHash: string, entry: HashedFields): string {
  const fields: HashedFields = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor === null ? null : { aadObjectId: entry.actor.aadObjectId, name: entry.actor.name },
    action: entry.action,
    requestId: entry.requestId,
    details: entry.details,
  };
  return createHash("sha256").update(prevHash).update(canonicalJson(fields)).digest("hex");
}

/** Where a chain stops being intact, and why. */
export interface ChainBreak {
  /** The sequence number of the first entry that does not check out (or the head). */
  seq: number;
  reason: string;
}

/**
 * Checks entries (in ascending stored order) against the chain: consecutive sequence numbers from
 * 1, each prev_hash equal to the previous hash, each hash recomputed from the entry. Stateful so
 * a large log can be checked a page at a time.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  count = 0;

  /** Returns the break at this entry, or undefined when it checks out. */
  check(entry: HashedFields & { prevHash: string; hash: string }): ChainBreak | undefined {
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
    const recomputed = entryHash(entry.prevHash, entry);
    if (recomputed !== entry.hash) return { seq: entry.seq, reason: "its content does not match its hash (altered)" };
    this.expectedSeq++;
    this.prevHash = entry.hash;
    this.count++;
    return undefined;
  }

  /**
   * Checks the chain's end against the recorded head (catches entries cut off the end). The break
   * names the head's entry when entries are missing or replaced there, and the first entry past the
   * head when the log goes on beyond it.
   */
  checkHead(head: { seq: number; hash: string }): ChainBreak | undefined {
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
    return undefined;
  }
}
