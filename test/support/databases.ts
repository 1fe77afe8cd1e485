import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

/** A database made for one test (or suite), and how to throw it away. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A dialect every store test runs on. */
export interface TestDialect {
  name: "sqlite" | "postgres";
  /** A fresh, empty database. */
  create(): Promise<TestDatabase>;
}

let noticePrinted = false;

/**
 * The dialects to test: SQLite always; PostgreSQL when TEST_DATABASE_URL is set (.ci/run sets it).
 * Each PostgreSQL test database is created fresh from TEST_DATABASE_URL's server and dropped after,
 * so tests never see each other's rows or the server's own `test` data.
 */
export function testDialects(): TestDialect[] {
  const dialects: TestDialect[] = [{ name: "sqlite", create: () => Promise.resolve(sqliteFile()) }];
  const base = process.env.TEST_DATABASE_URL;
  if (base === undefined || base === "") {
    if (!noticePrinted) {
      noticePrinted = true;
      process.stdout.write("  (TEST_DATABASE_URL is not set: PostgreSQL store tests are skipped; .ci/run sets it)\n");
    }
  } else {
    dialects.push({ name: "postgres", create: () => freshPostgres(base) });
  }
  return dialects;
}

/** A SQLite database in a new temporary folder. */
export function sqliteFile(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "revoke-bot-db-"));
  return {
    url: `sqlite:${join(dir, "revoke-bot.db")}`,
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A new PostgreSQL database on TEST_DATABASE_URL's server. */
export async function freshPostgres(baseUrl: string): Promise<TestDatabase> {
  const name = `revoke_test_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
