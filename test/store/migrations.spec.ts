import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import { main } from "../../src/cli/migrate.js";
import { openDatabase } from "../../src/store/database.js";
import { MIGRATION_NAMES, migrateToLatest, migratorFor, pendingMigrations } from "../../src/store/migrations.js";
import { captureOutput } from "../support/captured-output.js";
import { sqliteFile, testDialects, type TestDatabase } from "../support/databases.js";
import { runTypeScript } from "../support/run-process.js";

async function migrate(url: string, argv: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await main(argv, out.streams, { DATABASE_URL: url });
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

for (const dialect of testDialects()) {
  describe(`migrations (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    beforeEach(async () => {
      database = await dialect.create();
    });
    afterEach(() => database.drop());

    it("applies every migration once; running again is a no-op", async () => {
      const opened = await openDatabase(database.url);
      try {
        assert.deepEqual(await pendingMigrations(opened.db as Kysely<unknown>), []);
        const again = await migrateToLatest(opened.db as Kysely<unknown>, opened.kind);
        assert.equal(again.error, undefined);
        assert.deepEqual(again.results, []);
        const head = await opened.db.selectFrom("audit_head").selectAll().execute();
        assert.equal(head.length, 1, "the head row is not inserted twice");
        await opened.check();
      } finally {
        await opened.close();
      }
      const reopened = await openDatabase(database.url);
      await reopened.close();
    });

    it("npm run migrate reports what it applied, then that the schema is up to date", async () => {
      const first = await migrate(database.url);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^database: (SQLite|PostgreSQL) /);
      assert.deepEqual(
        first.stdout.split("\n").filter((l) => l.startsWith("applied migration ")),
        MIGRATION_NAMES.map((n) => `applied migration ${n}`),
      );
      const second = await migrate(database.url);
      assert.equal(second.code, 0, second.stderr);
      assert.ok(second.stdout.endsWith(`\nschema up to date (latest migration: ${MIGRATION_NAMES.at(-1)})\n`), second.stdout);
      assert.doesNotMatch(second.stdout, /applied migration/);
    });

    it("upgrades a database at 001-initial with a request in it: the request is kept, the new columns are empty", async () => {
      const opened = await openDatabase(database.url, { migrate: false });
      try {
        const db = opened.db as Kysely<unknown>;
        const first = await migratorFor(db).migrateTo("001-initial");
        assert.equal(first.error, undefined);
        await sql`insert into requests (id, created_at, expires_at, updated_at, requester_id, requester_name, reason, disable, state, version, origin, excluded, target_count)
          values ('R-0000000001', '2026-11-24T10:00:00.000Z', '2026-11-24T10:30:00.000Z', '2026-11-24T10:00:00.000Z', 'u1', 'Val', 'r', 0, 'pending', 1, '{}', '[]', 0)`.execute(db);
        assert.deepEqual(await pendingMigrations(db), MIGRATION_NAMES.slice(1));
        const rest = await migrateToLatest(db, opened.kind);
        assert.equal(rest.error, undefined);
        const row = await opened.db.selectFrom("requests").selectAll().where("id", "=", "R-0000000001").executeTakeFirstOrThrow();
        assert.equal(row.requester_name, "Val");
        assert.equal(row.decision_comment, null);
        assert.equal(row.approval_reference, null);
      } finally {
        await opened.close();
      }
    });

    it("migrates once when several processes start on a new database at the same time", async () => {
      const runs = await Promise.all([1, 2, 3, 4].map(() => runTypeScript("src/cli/migrate.ts", [], { DATABASE_URL: database.url })));
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      assert.equal(runs.filter((r) => r.stdout.includes("applied migration 001-initial")).length, 1);
      assert.equal(runs.filter((r) => r.stdout.includes("schema up to date")).length, 3);
    });
  });
}

describe("openDatabase", () => {
  it("opens a SQLite file with WAL and synchronous=FULL, creating its folder", async () => {
    const file = sqliteFile();
    const path = join(file.url.slice("sqlite:".length, -"revoke-bot.db".length), "nested", "folder", "revoke-bot.db");
    try {
      const opened = await openDatabase(`sqlite:${path}`);
      try {
        assert.equal(opened.kind, "sqlite");
        assert.equal(opened.description, `SQLite ${path} (WAL, synchronous=FULL)`);
        // synchronous is per connection: it must be FULL (2) on the connection the store uses.
        const { rows: journal } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(opened.db);
        assert.equal(journal[0]?.journal_mode, "wal");
        const { rows: sync } = await sql<{ synchronous: number }>`pragma synchronous`.execute(opened.db);
        assert.equal(sync[0]?.synchronous, 2);
        const { rows: fk } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(opened.db);
        assert.equal(fk[0]?.foreign_keys, 1);
      } finally {
        await opened.close();
      }
      assert.ok(existsSync(dirname(path)));
      // WAL is a property of the file: another connection sees it too.
      const direct = new BetterSqlite3(path, { readonly: true });
      try {
        assert.equal(direct.pragma("journal_mode", { simple: true }), "wal");
      } finally {
        direct.close();
      }
    } finally {
      await file.drop();
    }
  });

  it("keeps an in-memory SQLite database private to its handle", async () => {
    const opened = await openDatabase("sqlite::memory:");
    try {
      assert.equal(opened.description, "SQLite in memory");
      await opened.check();
    } finally {
      await opened.close();
    }
  });

  for (const dialect of testDialects().filter((d) => d.name === "postgres")) {
    it("describes a PostgreSQL database without its password", async () => {
      const database = await dialect.create();
      try {
        const url = new URL(database.url);
        // The test server trusts local connections, so any password connects.
        url.password = "s3cret-p@ss";
        const opened = await openDatabase(url.toString());
        try {
          assert.equal(opened.kind, "postgres");
          assert.doesNotMatch(opened.description, /s3cret/);
          assert.match(opened.description, /^PostgreSQL database revoke_test_\w+ on 127\.0\.0\.1:5432 as postgres$/);
          await opened.check();
        } finally {
          await opened.close();
        }
        const result = await migrate(url.toString());
        assert.equal(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stdout + result.stderr, /s3cret/);
      } finally {
        await database.drop();
      }
    });
  }
});

describe("npm run migrate's arguments and configuration", () => {
  it("refuses a DATABASE_URL it cannot use, exit 1", async () => {
    const result = await migrate("mysql://db.example/revoke");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DATABASE_URL: expected sqlite:<path> or postgres:/);
  });

  it("refuses unknown arguments, exit 1, and prints its help on --help", async () => {
    const bad = await migrate("sqlite::memory:", ["--down"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Unknown option '--down'[\s\S]*Usage: npm run migrate/);
    const help = await migrate("sqlite::memory:", ["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: npm run migrate/);
  });

  it("reports a database it cannot reach, exit 1, without the password", async () => {
    const result = await migrate("postgres://revoker:hunter2@127.0.0.1:1/none");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ECONNREFUSED|connect/);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
  });
});
