import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Kysely } from "kysely";
import { canonicalJson, entryHash, GENESIS_HASH } from "../../src/audit/chain.js";
import { main } from "../../src/cli/audit-verify.js";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { MIGRATION_NAMES, pendingMigrations } from "../../src/store/migrations.js";
import { sqliteFile, testDialects, type TestDatabase } from "../support/databases.js";
import { captureOutput } from "../support/captured-output.js";
import { runProcess, runTypeScript } from "../support/run-process.js";
import { auditEntry, ManualClock } from "../support/store-fixtures.js";

interface Verified {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs audit:verify's main() against `url`, as `npm run audit:verify` would with DATABASE_URL=url. */
async function verify(url: string, argv: string[] = []): Promise<Verified> {
  const out = captureOutput();
  const code = await main(argv, out.streams, { DATABASE_URL: url });
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

/** The first line of a broken-chain report. */
function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

for (const dialect of testDialects()) {
  describe(`audit:verify on a tampered log (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let opened: OpenDatabase;

    // #1 request.created, #2 request.approved, #3 revocation.started, #4 and #5 target.outcome
    // (no outbox rows), #6 revocation.completed: one minute apart.
    beforeEach(async () => {
      database = await dialect.create();
      opened = await openDatabase(database.url);
      const clock = new ManualClock("2026-11-03T10:00:00.000Z");
      const store = new SqlAuditStore(opened.db, opened.kind, clock.now);
      const actions = ["request.created", "request.approved", "revocation.started", "target.outcome", "target.outcome", "revocation.completed"] as const;
      for (const [i, action] of actions.entries()) {
        await store.append(auditEntry(action, "R-7K2M9QX4", { step: i + 1, targets: ["a@contoso.test"] }));
        clock.advance(60_000);
      }
    });
    afterEach(async () => {
      await opened.close();
      await database.drop();
    });

    /** Removes a row the way an attacker with database access would: its outbox row first. */
    async function deleteRow(seq: number): Promise<void> {
      await opened.db.deleteFrom("outbox").where("audit_seq", "=", seq).execute();
      await opened.db.deleteFrom("audit_log").where("seq", "=", seq).execute();
    }

    it("reports an intact chain with its length, exit 0", async () => {
      const result = await verify(database.url);
      assert.deepEqual(result, { code: 0, stdout: "6 entries, chain intact\n", stderr: "" });
    });

    it("reports an intact chain when run as npm run audit:verify, exit 0", async () => {
      const run = await runProcess("npm", ["run", "--silent", "audit:verify"], { DATABASE_URL: database.url });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "6 entries, chain intact\n");
    });

    it("finds one row's altered details at that row, exit 1 (also as a process)", async () => {
      await opened.db.updateTable("audit_log").set({ details: canonicalJson({ step: 3, targets: ["b@contoso.test"] }) }).where("seq", "=", 3).execute();
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #3: its content does not match its hash (altered)");
      assert.match(result.stdout, /entry #3 as stored: revocation\.started at 2026-11-03T10:02:00\.000Z \(request R-7K2M9QX4\)/);

      const run = await runTypeScript("src/cli/audit-verify.ts", [], { DATABASE_URL: database.url });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, result.stdout);
    });

    it("finds an altered actor, action or time at that row", async () => {
      await opened.db.updateTable("audit_log").set({ actor_name: "Someone Else" }).where("seq", "=", 2).execute();
      assert.equal(firstLine((await verify(database.url)).stdout), "audit chain broken at entry #2: its content does not match its hash (altered)");
    });

    it("finds details that are no longer JSON at that row", async () => {
      await opened.db.updateTable("audit_log").set({ details: "{not json" }).where("seq", "=", 4).execute();
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #4: its details are not valid JSON (altered)");
      assert.match(result.stdout, /entry #4 as stored: target\.outcome at 2026-11-03T10:03:00\.000Z/);
    });

    it("finds a row altered with its hash recomputed at the row after it", async () => {
      const row = await opened.db.selectFrom("audit_log").selectAll().where("seq", "=", 3).executeTakeFirstOrThrow();
      const details = { step: 3, targets: ["b@contoso.test"] };
      const actor = row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" };
      const hash = entryHash(row.prev_hash, { seq: 3, at: row.at, actor, action: row.action, requestId: row.request_id, details });
      await opened.db.updateTable("audit_log").set({ details: canonicalJson(details), hash }).where("seq", "=", 3).execute();
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #4: prev_hash does not match the previous entry's hash");
    });

    it("finds a deleted middle row at the entry after the gap, exit 1", async () => {
      await deleteRow(3);
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #4: entry #3 before it is missing");
      assert.match(result.stdout, /entry #4 as stored: target\.outcome at/);
    });

    it("finds two swapped rows at the first of them, exit 1", async () => {
      const [three, four] = await Promise.all([3, 4].map((seq) => opened.db.selectFrom("audit_log").selectAll().where("seq", "=", seq).executeTakeFirstOrThrow()));
      assert.ok(three !== undefined && four !== undefined);
      const contentOf = ({ seq: _seq, ...content }: typeof three) => content;
      await opened.db.updateTable("audit_log").set(contentOf(four)).where("seq", "=", 3).execute();
      await opened.db.updateTable("audit_log").set(contentOf(three)).where("seq", "=", 4).execute();
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #3: prev_hash does not match the previous entry's hash");
    });

    it("finds a deleted last row by the recorded head, exit 1", async () => {
      await deleteRow(6);
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "audit chain broken at entry #6: the log ends at #5 but the head records #6: entries were removed from the end\n");
    });

    it("finds every row deleted by the recorded head", async () => {
      for (const seq of [6, 5, 4, 3, 2, 1]) await deleteRow(seq);
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #6: the log is empty but the head records #6: entries were removed from the end");
    });

    it("finds a row added past the head", async () => {
      const last = await opened.db.selectFrom("audit_log").selectAll().where("seq", "=", 6).executeTakeFirstOrThrow();
      const forged = { seq: 7, at: "2026-11-03T10:06:00.000Z", actor: null, action: "request.expired", requestId: null, details: {} };
      await opened.db
        .insertInto("audit_log")
        .values({ seq: 7, at: forged.at, actor_id: null, actor_name: null, action: forged.action, request_id: null, details: "{}", prev_hash: last.hash, hash: entryHash(last.hash, forged) })
        .execute();
      const result = await verify(database.url);
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #7: the head records #6 but the log goes on to #7: entries were added without going through the head");
    });
  });

  describe(`audit:verify on long and empty logs (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    beforeEach(async () => {
      database = await dialect.create();
    });
    afterEach(() => database.drop());

    it("reports an empty log, and a log of one entry, in the same words", async () => {
      const opened = await openDatabase(database.url);
      try {
        assert.deepEqual(await verify(database.url), { code: 0, stdout: "0 entries, chain intact\n", stderr: "" });
        await new SqlAuditStore(opened.db, opened.kind).append(auditEntry("request.created", "R-1"));
        assert.deepEqual(await verify(database.url), { code: 0, stdout: "1 entries, chain intact\n", stderr: "" });
      } finally {
        await opened.close();
      }
    });

    it("checks a chain longer than one page across the page boundaries", async () => {
      const opened = await openDatabase(database.url);
      try {
        // Built directly (one entry per append would take long): a valid chain of 2,345 entries.
        let prev = GENESIS_HASH;
        const rows = [];
        for (let seq = 1; seq <= 2345; seq++) {
          const entry = { seq, at: new Date(Date.UTC(2026, 10, 1) + seq * 1000).toISOString(), actor: null, action: "target.outcome", requestId: "R-1", details: { seq } };
          const hash = entryHash(prev, entry);
          rows.push({ seq, at: entry.at, actor_id: null, actor_name: null, action: entry.action, request_id: "R-1", details: canonicalJson(entry.details), prev_hash: prev, hash });
          prev = hash;
        }
        for (let i = 0; i < rows.length; i += 500) await opened.db.insertInto("audit_log").values(rows.slice(i, i + 500)).execute();
        await opened.db.updateTable("audit_head").set({ seq: 2345, hash: prev }).where("id", "=", 1).execute();
        assert.deepEqual(await verify(database.url), { code: 0, stdout: "2345 entries, chain intact\n", stderr: "" });
        await opened.db.updateTable("audit_log").set({ at: "2026-11-01T00:00:00.000Z" }).where("seq", "=", 2001).execute();
        assert.equal(firstLine((await verify(database.url)).stdout), "audit chain broken at entry #2001: its content does not match its hash (altered)");
      } finally {
        await opened.close();
      }
    });

    it("checks one consistent snapshot while the bot goes on appending", async () => {
      const opened = await openDatabase(database.url);
      try {
        const store = new SqlAuditStore(opened.db, opened.kind);
        let appending = true;
        const appender = (async () => {
          for (let i = 0; appending || i < 20; i++) await store.append(auditEntry("target.outcome", "R-1", { i }));
        })();
        const results = [];
        for (let run = 0; run < 8; run++) results.push(await verify(database.url));
        appending = false;
        await appender;
        for (const result of results) assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match((await verify(database.url)).stdout, /^\d+ entries, chain intact\n$/);
      } finally {
        await opened.close();
      }
    });

    it("refuses a database without the schema, exit 2, and leaves it as it was", async () => {
      // An existing but empty database (on SQLite, the file must exist to get this far).
      await (await openDatabase(database.url, { migrate: false })).close();
      const result = await verify(database.url);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assert.ok(
        result.stderr.includes(`does not have the current schema (not applied: ${MIGRATION_NAMES.join(", ")}): run npm run migrate first`),
        result.stderr,
      );
      const opened = await openDatabase(database.url, { migrate: false });
      try {
        assert.deepEqual(await pendingMigrations(opened.db as Kysely<unknown>), MIGRATION_NAMES);
      } finally {
        await opened.close();
      }
    });
  });
}

describe("audit:verify's arguments and configuration", () => {
  it("refuses a DATABASE_URL it cannot use, exit 2", async () => {
    const result = await verify("mysql://db.example/audit");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /DATABASE_URL: expected sqlite:<path> or postgres:\/\/user@host\/db/);
  });

  it("refuses a SQLite file that does not exist, exit 2, without creating it", async () => {
    const missing = sqliteFile();
    try {
      const path = missing.url.slice("sqlite:".length);
      const result = await verify(missing.url);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /there is no database at .*revoke-bot\.db: check DATABASE_URL/);
      assert.equal(existsSync(path), false);
    } finally {
      await missing.drop();
    }
  });

  it("refuses an unknown option or argument, exit 2, and shows the usage", async () => {
    for (const argv of [["--fix"], ["now"]]) {
      const result = await verify("sqlite::memory:", argv);
      assert.equal(result.code, 2, argv.join(" "));
      assert.match(result.stderr, /Usage: npm run audit:verify/);
    }
    assert.match((await verify("sqlite::memory:", ["--fix"])).stderr, /--fix/);
  });

  it("prints its help on --help, exit 0", async () => {
    const result = await verify("sqlite::memory:", ["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Exit status: 0 intact; 1 the chain is broken .*; 2 it could not be checked/s);
  });
});
