/**
 * `npm run audit:export`: writes the audit log (or the part since a date) as JSON or CSV, for an
 * auditor or a SIEM, streaming it so a long log is never held in memory.
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { canonicalJson } from "../audit/chain.js";
import type { AuditEntry } from "../audit/audit-log.js";
import { readDatabaseUrl } from "../config.js";
import type { SqlAuditStore } from "../store/audit-store.js";
import { messageOf, parseOptions, runAsScript, setupFailure, UsageError, type CliStreams } from "./command-line.js";
import { csvRecord } from "./csv.js";
import { openForReadingOrSay, readSnapshot } from "./open-for-reading.js";
import { parseSince } from "./since-date.js";

const USAGE = `Usage: npm run audit:export -- [--since <date>] [--format json|csv] [--out <file>]

Writes the audit log of the database DATABASE_URL names, oldest entry first.

  --since <date>   only entries at or after this time: an ISO date (2026-11-01 means midnight UTC)
                   or a date-time with a zone (2026-11-01T09:30:00Z, 2026-11-01T10:30+01:00).
                   Default: every entry.
  --format <fmt>   json (default): one JSON array of entries with seq, at, actorId, actorName,
                   action, requestId, details, prevHash, hash and hashAlg (sha256 before
                   the bot had an audit key, hmac-sha256 after: check those with the key).
                   csv: a header row, then one row per entry (RFC 4180: CRLF line ends, fields
                   with a comma, quote or line break in double quotes); details as canonical JSON.
  --out <file>     write to this file (replacing it) instead of standard output.
  -h, --help       show this help.

CSV and spreadsheets: a field that begins with =, +, -, @, a tab or a carriage return is written
with a ' in front, so that a spreadsheet shows it as text instead of running it as a formula.
Remove that ' before checking such a field against its hash (or use the JSON export, which is
exact; npm run audit:verify checks the chain in the database itself).

Exit status: 0 exported; 1 the database could not be read or the file not written; 2 bad
arguments or DATABASE_URL.
`;

const CSV_HEADER = ["seq", "at", "actor_id", "actor_name", "action", "request_id", "details", "prev_hash", "hash", "hash_alg"];

type Format = "json" | "csv";

interface ExportOptions {
  since: string | undefined;
  format: Format;
  out: string | undefined;
}

/**
 * Exports the log. `env` is for tests; the script passes nothing, so readDatabaseUrl reads the
 * process environment.
 * @returns the exit status: 0 exported, 1 failed, 2 bad arguments or configuration
 */
export async function main(argv: readonly string[], out: CliStreams, env?: Record<string, string | undefined>): Promise<number> {
  let options: ExportOptions | "help";
  let url: string;
  try {
    options = parseExportOptions(argv);
    if (options === "help") {
      out.stdout.write(USAGE);
      return 0;
    }
    url = readDatabaseUrl(env);
  } catch (err) {
    return setupFailure(err, out, `(npm run audit:export -- --help shows every option)\n`);
  }
  const opened = await openForReadingOrSay(url, out.stderr);
  if (opened === undefined) return 1;
  let file: FileHandle | undefined;
  try {
    if (options.out !== undefined) {
      try {
        // Opened before reading anything, so a bad path fails at once with its own message.
        file = await open(options.out, "w");
      } catch (err) {
        out.stderr.write(`cannot write --out ${options.out}: ${messageOf(err)}\n`);
        return 1;
      }
    }
    const format = options.format;
    const since = options.since;
    const destination = file === undefined ? out.stdout : file.createWriteStream();
    let count = 0;
    await readSnapshot(opened, (store) =>
      pipeline(
        async function* () {
          for await (const chunk of render(store, format, since)) {
            if (chunk.entry) count++;
            yield chunk.text;
          }
        },
        destination,
        // Standard output stays open (it is not ours to end); a file is ended and flushed.
        { end: file !== undefined },
      ),
    );
    const where = options.out === undefined ? "" : ` to ${options.out}`;
    out.stderr.write(`exported ${count} ${count === 1 ? "entry" : "entries"}${where}\n`);
    return 0;
  } catch (err) {
    // The reader of standard output went away (`| head`): its choice, not a failure to report.
    if (options.out === undefined && (err as NodeJS.ErrnoException).code === "EPIPE") return 0;
    const partial = options.out === undefined ? "" : ` (${options.out} is incomplete)`;
    out.stderr.write(`export failed${partial}: ${messageOf(err)}\n`);
    return 1;
  } finally {
    // The file's write stream closes the handle itself once it finishes (autoClose); this only
    // matters after a failure, so a second close's "already closed" error means nothing.
    await file?.close().catch(() => undefined);
    await opened.close();
  }
}

function parseExportOptions(argv: readonly string[]): ExportOptions | "help" {
  const values = parseOptions(argv, {
    since: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) return "help";
  const formatText = values.format ?? "json";
  if (formatText !== "json" && formatText !== "csv") {
    throw new UsageError(`--format must be json or csv, got "${formatText}": type --format json or --format csv`);
  }
  if (values.out?.trim() === "") throw new UsageError("--out needs a file name, e.g. --out audit.csv (leave it out to write to standard output)");
  return { since: values.since === undefined ? undefined : parseSince(values.since), format: formatText, out: values.out };
}

/** The export's text, chunk by chunk; `entry` marks the chunks that carry one entry each. */
async function* render(store: SqlAuditStore, format: Format, since: string | undefined): AsyncGenerator<{ text: string; entry: boolean }> {
  const entries = store.entries(since === undefined ? {} : { since });
  if (format === "csv") {
    yield { text: csvRecord(CSV_HEADER), entry: false };
    for await (const e of entries) yield { text: csvRecord(csvFields(e)), entry: true };
    return;
  }
  let first = true;
  yield { text: "[", entry: false };
  for await (const e of entries) {
    yield { text: `${first ? "\n" : ",\n"}${JSON.stringify(jsonOf(e))}`, entry: true };
    first = false;
  }
  yield { text: first ? "]\n" : "\n]\n", entry: false };
}

function jsonOf(e: AuditEntry) {
  return {
    seq: e.seq,
    at: e.at,
    actorId: e.actor?.aadObjectId ?? null,
    actorName: e.actor?.name ?? null,
    action: e.action,
    requestId: e.requestId,
    details: e.details,
    prevHash: e.prevHash,
    hash: e.hash,
    hashAlg: e.hashAlg,
  };
}

function csvFields(e: AuditEntry): (string | number | null)[] {
  return [e.seq, e.at, e.actor?.aadObjectId ?? null, e.actor?.name ?? null, e.action, e.requestId, canonicalJson(e.details), e.prevHash, e.hash, e.hashAlg];
}

if (require.main === module) runAsScript(main);
