/**
 * `npm run migrate`: brings the schema of the database DATABASE_URL names to this build's latest
 * version. The bot migrates on start too; this runs it ahead of a deployment, or by hand.
 */
import type { Kysely } from "kysely";
import { ConfigError, readDatabaseUrl } from "../config.js";
import { openDatabase, type OpenDatabase } from "../store/database.js";
import { MIGRATION_NAMES, migrateToLatest } from "../store/migrations.js";
import { messageOf, parseOptions, runAsScript, UsageError, type CliStreams } from "./command-line.js";

const USAGE = `Usage: npm run migrate

Applies the database migrations this build has and the database has not, in order, to the
database DATABASE_URL names (default sqlite:./data/revoke-bot.db; a new SQLite file is created).
Safe to run while the bot runs, and from several places at once.

Exit status: 0 the schema is current; 1 DATABASE_URL is not valid or a migration failed.
`;

/**
 * Runs the migrations and reports them. `env` is for tests; the script passes nothing, so
 * readDatabaseUrl reads the process environment.
 * @returns the exit status
 */
export async function main(argv: readonly string[], out: CliStreams, env?: Record<string, string | undefined>): Promise<number> {
  try {
    if (parseOptions(argv, { help: { type: "boolean", short: "h" } }).help === true) {
      out.stdout.write(USAGE);
      return 0;
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out.stderr.write(`${err.message}\n\n${USAGE}`);
    return 1;
  }
  let url: string;
  try {
    url = readDatabaseUrl(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.stderr.write(`${err.message}\n`);
    return 1;
  }
  let opened: OpenDatabase;
  try {
    opened = await openDatabase(url, { migrate: false, poolSize: 1 });
  } catch (err) {
    out.stderr.write(`could not open the database: ${messageOf(err)}\n`);
    return 1;
  }
  try {
    out.stdout.write(`database: ${opened.description}\n`);
    const result = await migrateToLatest(opened.db as Kysely<unknown>, opened.kind);
    const applied = (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
    for (const name of applied) out.stdout.write(`applied migration ${name}\n`);
    if (applied.length === 0) out.stdout.write(`schema up to date (latest migration: ${MIGRATION_NAMES[MIGRATION_NAMES.length - 1] ?? "none"})\n`);
    return 0;
  } catch (err) {
    // migrateToLatest's message names the failing migration; the description, the database.
    out.stderr.write(`${messageOf(err)} (${opened.description})\n`);
    return 1;
  } finally {
    await opened.close();
  }
}

if (require.main === module) runAsScript(main);
