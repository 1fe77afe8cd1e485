/**
 * `npm run audit:rotate-key -- --new-key-file <file>`: changes the audit chain's HMAC key. The
 * change is an entry MAC'd with the current key (so it is proven by the key the chain had), and
 * everything after it, the head included, is MAC'd with the new key.
 */
import { readFileSync } from "node:fs";
import { auditKeyOf } from "../audit/chain.js";
import { MIN_AUDIT_KEY_LENGTH, readAuditKey, readDatabaseUrl } from "../config.js";
import { AuditKeyError, rotateAuditKey } from "../store/audit-store.js";
import { messageOf, parseOptions, runAsScript, setupFailure, UsageError, type CliStreams } from "./command-line.js";
import { openForReading } from "./open-for-reading.js";

const USAGE = `Usage: npm run audit:rotate-key -- --new-key-file <file>

Changes the key of the audit chain in the database DATABASE_URL names. The current key comes from
AUDIT_KEY_FILE or AUDIT_KEY (as for the bot); the new one from --new-key-file (at least
${MIN_AUDIT_KEY_LENGTH} characters, e.g. openssl rand -hex 32 > new-audit.key).

Stop every replica of the bot first. Afterwards, point AUDIT_KEY_FILE (or AUDIT_KEY) at the new
key and start the bot again. Keep the old key: npm run audit:verify needs it (--key-file) to check
the entries written before the change.

Exit status: 0 changed; 1 the change could not be written (the chain is not keyed with the current
key, or the database failed); 2 bad arguments or configuration.
`;

/**
 * Rotates the key. `env` is for tests; the script passes nothing, so the process environment is read.
 * @returns the exit status
 */
export async function main(argv: readonly string[], out: CliStreams, env?: Record<string, string | undefined>): Promise<number> {
  let url: string;
  let current: Buffer;
  let next: Buffer;
  try {
    const options = parseOptions(argv, { help: { type: "boolean", short: "h" }, "new-key-file": { type: "string" } });
    if (options.help === true) {
      out.stdout.write(USAGE);
      return 0;
    }
    const file = options["new-key-file"];
    if (file === undefined) throw new UsageError("--new-key-file is required: the file holding the new key");
    url = readDatabaseUrl(env);
    const key = readAuditKey(env);
    if (key === undefined) throw new UsageError("the current key is needed: set AUDIT_KEY_FILE or AUDIT_KEY to the key the chain is keyed with now");
    current = key.key;
    try {
      next = Buffer.from(readFileSync(file, "utf8").trim(), "utf8");
    } catch (err) {
      throw new UsageError(`--new-key-file: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    if (next.length < MIN_AUDIT_KEY_LENGTH) throw new UsageError(`--new-key-file: the key is ${next.length} characters; use at least ${MIN_AUDIT_KEY_LENGTH}`);
  } catch (err) {
    return setupFailure(err, out, `\n${USAGE}`);
  }
  let opened;
  try {
    opened = await openForReading(url);
  } catch (err) {
    out.stderr.write(`could not open the database: ${messageOf(err)}\n`);
    return 1;
  }
  try {
    const oldKey = auditKeyOf(current);
    const newKey = auditKeyOf(next);
    const entry = await rotateAuditKey(opened.db, opened.kind, oldKey, newKey, new Date());
    out.stdout.write(
      `audit key changed: entry #${entry.seq} marks the change from key ID ${oldKey.id} to key ID ${newKey.id}\n` +
        "now point AUDIT_KEY_FILE (or AUDIT_KEY) at the new key and start the bot; keep the old key for npm run audit:verify -- --key-file <old key>\n",
    );
    return 0;
  } catch (err) {
    out.stderr.write(err instanceof AuditKeyError ? `${err.message}\n` : `could not change the key: ${messageOf(err)}\n`);
    return 1;
  } finally {
    await opened.close();
  }
}

if (require.main === module) runAsScript(main);
