import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Kysely, Transaction } from "kysely";
import { SqlAuditStore } from "../store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../store/database.js";
import { pendingMigrations } from "../store/migrations.js";
import { messageOf } from "./command-line.js";
import type { Database } from "../store/schema.js";

/** The database is missing or has no (current) schema: nothing to read, and nothing was created. */
export class DatabaseNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseNotReadyError";
  }
}

/**
 * Opens DATABASE_URL for the read-only tools (audit:verify, audit:export) without migrating or
 * creating anything: a mistyped SQLite path must not leave an empty database behind, and an
 * auditor's check must not change the schema it is checking.
 * @throws DatabaseNotReadyError when the SQLite file does not exist or migrations are pending
 */
export async function openForReading(url: string): Promise<OpenDatabase> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path !== ":memory:" && !existsSync(path)) {
      throw new DatabaseNotReadyError(`there is no database at ${resolve(path)}: check DATABASE_URL (or create it with npm run migrate)`);
    }
  }
  // Two connections: one for the snapshot transaction, one spare for anything outside it.
  const opened = await openDatabase(url, { migrate: false, poolSize: 2 });
  try {
    const pending = await pendingMigrations(opened.db as Kysely<unknown>);
    if (pending.length > 0) {
      throw new DatabaseNotReadyError(
        `${opened.description} does not have the current schema (not applied: ${pending.join(", ")}): run npm run migrate first`,
      );
    }
  } catch (err) {
    await opened.close();
    throw err;
  }
  return opened;
}

/**
 * openForReading for a command-line tool: on failure it tells the operator why on stderr and
 * returns undefined, and the tool exits with its own status.
 */
export async function openForReadingOrSay(url: string, stderr: { write(text: string): unknown }): Promise<OpenDatabase | undefined> {
  try {
    return await openForReading(url);
  } catch (err) {
    stderr.write(
      err instanceof DatabaseNotReadyError ? `${err.message}\n` : `could not open the database: ${messageOf(err)}\n`,
    );
    return undefined;
  }
}

/**
 * Runs `read` on one consistent snapshot of the audit log (REPEATABLE READ on PostgreSQL; a SQLite
 * read transaction sees one snapshot in WAL mode), so entries the running bot appends meanwhile neither
 * appear half-way through nor make the recorded head look inconsistent with the entries read.
 */
export function readSnapshot<T>(opened: OpenDatabase, read: (store: SqlAuditStore, trx: Transaction<Database>) => Promise<T>): Promise<T> {
  // Read only: on SQLite this keeps the transaction deferred, so it never takes the write lock.
  let transaction = opened.db.transaction().setAccessMode("read only");
  if (opened.kind === "postgres") transaction = transaction.setIsolationLevel("repeatable read");
  // Every read must go through trx: on SQLite the transaction holds the only connection.
  return transaction.execute((trx) => read(new SqlAuditStore(trx, opened.kind), trx));
}
