/**
 * `npm run audit:verify`: checks the audit log's hash chain end to end, from the database
 * DATABASE_URL names, without changing anything.
 */
import { readFileSync } from "node:fs";
import { auditKeyOf, ChainVerifier, type AuditKey, type ChainBreak } from "../audit/chain.js";
import { MIN_AUDIT_KEY_LENGTH, readAuditKey, readDatabaseUrl } from "../config.js";
import type { OpenDatabase } from "../store/database.js";
import { CorruptAuditEntryError } from "../store/audit-store.js";
import { messageOf, parseOptions, runAsScript, setupFailure, UsageError, type CliStreams } from "./command-line.js";
import { openForReadingOrSay, readSnapshot } from "./open-for-reading.js";

const USAGE = `Usage: npm run audit:verify [-- --key-file <file> …]

Checks every entry of the audit log in the database DATABASE_URL names, oldest first: sequence
numbers 1, 2, 3… without gaps, each entry's prev_hash equal to the hash of the entry before it,
each hash recomputed from the entry's content, and the last entry equal to the recorded head.
Entries written before the bot had an audit key are plain sha256; from the "audit.keyed" entry on
they are HMAC-SHA256 with the key, and so is the head. The key comes from AUDIT_KEY_FILE or
AUDIT_KEY, as for the bot. Reads only; safe while the bot runs (it checks one consistent snapshot).

  --key-file <file>  an earlier audit key, for the part of the chain written before a key change
                     (npm run audit:rotate-key); repeat for each. The current key comes from
                     AUDIT_KEY_FILE / AUDIT_KEY.
  -h, --help         show this help.

Prints "N entries, chain intact", or the first entry that does not check out and why. An unkeyed
entry after keying began is a break (someone rewrote keyed entries as plain sha256).

Exit status: 0 intact; 1 the chain is broken (also: checked with a key the chain is not keyed
with); 2 it could not be checked (bad arguments, a bad DATABASE_URL or audit key, a database that
cannot be read or has no schema yet, or keyed entries and no key given).
`;

/** What the report shows of the entry where the chain breaks, as stored. */
interface StoredEntry {
  seq: number;
  action: string;
  at: string;
  requestId: string | null;
}

type Outcome =
  | { kind: "intact"; count: number; keyedFrom: number | undefined }
  | { kind: "broken"; at: ChainBreak; entry: StoredEntry | undefined }
  | { kind: "unverifiable"; at: ChainBreak; checked: number };

/**
 * Verifies the chain and reports it. `env` is for tests; the script passes nothing, so
 * readDatabaseUrl reads the process environment.
 * @returns the exit status: 0 intact, 1 broken, 2 not checked
 */
export async function main(argv: readonly string[], out: CliStreams, env?: Record<string, string | undefined>): Promise<number> {
  let url: string;
  const keys: AuditKey[] = [];
  try {
    const options = parseOptions(argv, { help: { type: "boolean", short: "h" }, "key-file": { type: "string", multiple: true } });
    if (options.help === true) {
      out.stdout.write(USAGE);
      return 0;
    }
    url = readDatabaseUrl(env);
    const current = readAuditKey(env);
    if (current !== undefined) keys.push(auditKeyOf(current.key));
    for (const file of options["key-file"] ?? []) keys.push(auditKeyOf(readKeyFile(file)));
  } catch (err) {
    return setupFailure(err, out, `\n${USAGE}`);
  }
  const opened = await openForReadingOrSay(url, out.stderr);
  if (opened === undefined) return 2;
  try {
    const outcome = await verify(opened, keys);
    if (outcome.kind === "intact") {
      // Always "entries" (also "1 entries"): scripts and monitors match this exact line.
      out.stdout.write(`${outcome.count} entries, chain intact\n`);
      if (outcome.keyedFrom === 1) out.stdout.write("keyed (HMAC-SHA256) from the first entry on\n");
      else if (outcome.keyedFrom !== undefined) out.stdout.write(`keyed (HMAC-SHA256) from entry #${outcome.keyedFrom} on; the entries before it are plain sha256\n`);
      return 0;
    }
    if (outcome.kind === "unverifiable") {
      out.stdout.write(`cannot verify the whole chain: ${outcome.at.reason}\n`);
      out.stdout.write(
        outcome.checked === 0
          ? "the keyed entries are in order and linked, but their MACs need the key\n"
          : `entries #1 to #${outcome.checked} (before keying began) check out; the keyed ones are in order and linked, but their MACs need the key\n`,
      );
      return 2;
    }
    out.stdout.write(`audit chain broken at entry #${outcome.at.seq}: ${outcome.at.reason}\n`);
    const e = outcome.entry;
    if (e !== undefined) out.stdout.write(`entry #${e.seq} as stored: ${e.action} at ${e.at}${e.requestId === null ? "" : ` (request ${e.requestId})`}\n`);
    return 1;
  } catch (err) {
    out.stderr.write(`could not check the audit log in ${opened.description}: ${messageOf(err)}\n`);
    return 2;
  } finally {
    await opened.close();
  }
}

/** An earlier key from --key-file, with the same rules as AUDIT_KEY_FILE. */
function readKeyFile(file: string): Buffer {
  let key: Buffer;
  try {
    key = Buffer.from(readFileSync(file, "utf8").trim(), "utf8");
  } catch (err) {
    throw new UsageError(`--key-file: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? "error"}): point it at a file holding an earlier audit key`);
  }
  if (key.length < MIN_AUDIT_KEY_LENGTH) throw new UsageError(`--key-file ${file}: the key is ${key.length} characters; an audit key has at least ${MIN_AUDIT_KEY_LENGTH}`);
  return key;
}

async function verify(opened: OpenDatabase, keys: readonly AuditKey[]): Promise<Outcome> {
  return readSnapshot(opened, async (store, trx) => {
    const verifier = new ChainVerifier(keys);
    try {
      for await (const entry of store.entries()) {
        const broken = verifier.check(entry);
        // Leaving the loop closes the generator, so no further page is read.
        if (broken !== undefined) return { kind: "broken", at: broken, entry: { seq: entry.seq, action: entry.action, at: entry.at, requestId: entry.requestId } };
      }
    } catch (err) {
      if (!(err instanceof CorruptAuditEntryError)) throw err;
      const reason = "its details are not valid JSON (altered)";
      return { kind: "broken", at: { seq: err.seq, reason }, entry: { seq: err.seq, action: err.action, at: err.at, requestId: null } };
    }
    const broken = verifier.checkHead(await store.head());
    if (broken === undefined && verifier.unverified !== undefined) {
      return { kind: "unverifiable", at: verifier.unverified, checked: (verifier.keyedFrom ?? 1) - 1 };
    }
    if (broken === undefined) return { kind: "intact", count: verifier.count, keyedFrom: verifier.keyedFrom };
    // The head names an entry that may or may not be in the log: show it when it is.
    const row = await trx.selectFrom("audit_log").select(["seq", "action", "at", "request_id"]).where("seq", "=", broken.seq).executeTakeFirst();
    const entry = row === undefined ? undefined : { seq: Number(row.seq), action: row.action, at: row.at, requestId: row.request_id };
    return { kind: "broken", at: broken, entry };
  });
}

if (require.main === module) runAsScript(main);
