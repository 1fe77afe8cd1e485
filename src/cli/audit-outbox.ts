/**
 * `npm run audit:outbox`: shows the audit posts waiting for Teams and those set aside after Teams
 * refused them for good, and puts set-aside posts back in the queue once the cause is fixed.
 */
import { readDatabaseUrl } from "../config.js";
import { SqlAuditStore } from "../store/audit-store.js";
import { messageOf, parseOptions, runAsScript, setupFailure, UsageError, type CliStreams } from "./command-line.js";
import { openForReadingOrSay } from "./open-for-reading.js";

const USAGE = `Usage: npm run audit:outbox [-- --requeue <seq>[,<seq>…] | --requeue-all]

Without options: how many audit posts wait for the audit channel, whether the channel is blocked
(the bot cannot reach it: removed from the team, channel deleted) and since when, how many posts
were set aside (Teams refused their content, 400 or 413, twice; a note took their place in the
channel), and the set-aside ones with Teams' answer. The entries themselves are always in the
audit log (npm run audit:export); only the post is missing.

  --requeue <seqs>  put these set-aside posts (audit entry numbers) back in the queue
  --requeue-all     put every set-aside post back in the queue
  -h, --help        show this help.

Exit status: 0 done; 1 the database could not be read or written; 2 bad arguments or DATABASE_URL.
`;

/**
 * Lists or re-queues. `env` is for tests; the script passes nothing, so the process environment is read.
 * @returns the exit status
 */
export async function main(argv: readonly string[], out: CliStreams, env?: Record<string, string | undefined>): Promise<number> {
  let url: string;
  let requeue: number[] | "all" | undefined;
  try {
    const options = parseOptions(argv, { help: { type: "boolean", short: "h" }, requeue: { type: "string" }, "requeue-all": { type: "boolean" } });
    if (options.help === true) {
      out.stdout.write(USAGE);
      return 0;
    }
    if (options.requeue !== undefined && options["requeue-all"] === true) throw new UsageError("use --requeue <seqs> or --requeue-all, not both");
    if (options.requeue !== undefined) {
      const seqs = options.requeue.split(",").map((s) => s.trim());
      if (seqs.some((s) => !/^\d+$/.test(s))) throw new UsageError(`--requeue takes audit entry numbers separated by commas, e.g. --requeue 12,15; got "${options.requeue}"`);
      requeue = seqs.map(Number);
    } else if (options["requeue-all"] === true) {
      requeue = "all";
    }
    url = readDatabaseUrl(env);
  } catch (err) {
    return setupFailure(err, out, `\n${USAGE}`);
  }
  const opened = await openForReadingOrSay(url, out.stderr);
  if (opened === undefined) return 1;
  try {
    const store = new SqlAuditStore(opened.db, opened.kind);
    if (requeue !== undefined) {
      const n = await store.requeue(requeue === "all" ? undefined : requeue);
      out.stdout.write(`${n} set-aside ${n === 1 ? "post" : "posts"} put back in the queue; the running bot posts ${n === 1 ? "it" : "them"} in order\n`);
    }
    const backlog = await store.backlog();
    out.stdout.write(`${backlog.waiting} waiting, ${backlog.setAside} set aside\n`);
    if (backlog.blocked !== undefined) {
      const answered = backlog.blocked.status === undefined ? "" : ` (Teams answered ${backlog.blocked.status})`;
      out.stdout.write(
        `blocked since ${minute(backlog.blocked.since)}: the bot cannot reach the audit channel${answered}; posts wait in order and are retried every minute, and at once when the bot is added back to the team\n`,
      );
    }
    for (const p of await store.setAside()) {
      out.stdout.write(`#${p.seq} ${p.action} of ${minute(p.at)}: set aside ${minute(p.setAsideAt)} after ${p.attempts} attempts; Teams answered: ${p.lastError ?? "(nothing recorded)"}\n`);
    }
    return 0;
  } catch (err) {
    out.stderr.write(`could not read the outbox in ${opened.description}: ${messageOf(err)}\n`);
    return 1;
  } finally {
    await opened.close();
  }
}

/** "2026-11-03 10:02 UTC" from a stored time. */
function minute(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

if (require.main === module) runAsScript(main);
