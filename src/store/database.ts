import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
  type TransactionSettings,
} from "kysely";
import { Client, Pool, type ClientConfig } from "pg";
import { migrateToLatest } from "./migrations.js";
import type { Database } from "./schema.js";

export type DialectKind = "sqlite" | "postgres";

/** An open database: the Kysely handle plus what the rest of the bot needs to know about it. */
export interface OpenDatabase {
  db: Kysely<Database>;
  kind: DialectKind;
  /** Where the data lives, safe to log (no password). */
  description: string;
  /** Throws when the database cannot be read and written (readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database DATABASE_URL names: `sqlite:<path>` (better-sqlite3, WAL, synchronous=FULL so
 * a committed transaction survives power loss) or `postgres://…` (a pg pool). `sqlite::memory:`
 * gives a private in-memory database (tests). With `migrate` (the default) the schema is brought
 * to the latest version before returning. `password`, for PostgreSQL, is asked for each new
 * connection (an Entra access token: src/store/entra-password.ts).
 */
export async function openDatabase(
  url: string,
  options: { migrate?: boolean; poolSize?: number; password?: () => Promise<string> } = {},
): Promise<OpenDatabase> {
  const opened = url.startsWith("sqlite:") ? openSqlite(url.slice("sqlite:".length)) : openPostgres(url, options.poolSize ?? 10, options.password);
  try {
    if (options.migrate ?? true) await migrateToLatest(opened.db as Kysely<unknown>, opened.kind);
  } catch (err) {
    await opened.close();
    throw err;
  }
  return opened;
}

/** A write, not just a read: a full disk, a read-only file or a lost server must show as not ready. */
async function checkWritable(db: Kysely<Database>): Promise<void> {
  await sql`update audit_head set seq = seq where id = 1`.execute(db);
}

function openSqlite(path: string): OpenDatabase {
  const memory = path === ":memory:";
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const connection = new BetterSqlite3(path);
  if (!memory) connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = FULL");
  connection.pragma("foreign_keys = ON");
  // Another process on the same file (npm run migrate, audit:verify) waits instead of failing.
  connection.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: connection }) });
  return {
    db,
    kind: "sqlite",
    description: memory ? "SQLite in memory" : `SQLite ${resolve(path)} (WAL, synchronous=FULL)`,
    check: () => checkWritable(db),
    close: () => db.destroy(),
  };
}

/**
 * "PostgreSQL database <name> on <host:port> as <user>": parsed, so nothing else of the URL (its
 * password, however written, or query parameters such as password=, sslpassword=, sslkey=) can
 * reach a log line or /readyz. A URL that does not parse is not shown at all.
 */
export function describePostgres(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "PostgreSQL (its URL cannot be parsed, so it is not shown)";
  }
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const database = decode(parsed.pathname.replace(/^\//, "")) || "(default database)";
  const user = parsed.username === "" ? "" : ` as ${decode(parsed.username)}`;
  return `PostgreSQL database ${database} on ${parsed.host || "localhost"}${user}`;
}

function openPostgres(url: string, poolSize: number, password: (() => Promise<string>) | undefined): OpenDatabase {
  const pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000, ...(password === undefined ? {} : { Client: passwordFunctionClient(password) }) });
  // A connection the server ends (restart, failover, pg_terminate_backend) emits 'error' on its
  // client, idle in the pool or checked out; unhandled, that would end the process. The query in
  // flight rejects on its own and the pool discards the client, so these events need no action.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: "postgres",
    description: describePostgres(url),
    check: () => checkWritable(db),
    close: () => db.destroy(),
  };
}

/**
 * A pg Client that asks `password` at each log-in. Handing pg the function as the `password`
 * option is not enough with a connection string: pg lays the URL's fields over the options, and a
 * URL without a password gives "" (no password), so the function would never be asked.
 */
function passwordFunctionClient(password: () => Promise<string>): typeof Client {
  return class PasswordFunctionClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(config);
      Object.defineProperty(this, "password", { configurable: true, enumerable: false, writable: true, value: password });
    }
  };
}

/**
 * Kysely's SQLite driver opens every transaction with a plain (deferred) BEGIN. A deferred
 * transaction that reads before it writes (the audit head, a target row) fails at once with
 * "database is locked" when another process committed in between, whatever busy_timeout says. So
 * write transactions begin IMMEDIATE: the write lock comes first and another process's transaction
 * waits its turn. Read-only ones (setAccessMode("read only")) stay deferred, so a long audit export
 * or verification never holds the bot's writes up.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === "read only" ? "begin" : "begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }
}
