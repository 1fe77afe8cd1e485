import assert from "node:assert/strict";
import { WritePacer } from "../../src/directory/pacer.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { SqlSendLedger } from "../../src/store/write-ledger.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { maxInAnyWindow } from "../support/windows.js";


for (const dialect of testDialects()) {
  describe(`SqlSendLedger: replicas pace to one quota through the database (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let a: OpenDatabase;
    let b: OpenDatabase;

    beforeEach(async () => {
      database = await dialect.create();
      a = await openDatabase(database.url);
      // better-sqlite3 blocks the event loop while it waits for a lock, so two handles in one
      // process would stall each other: the SQLite replicas share one handle (one process), the
      // PostgreSQL ones have a pool each, as two processes would.
      b = dialect.name === "postgres" ? await openDatabase(database.url) : a;
    });
    afterEach(async () => {
      if (b !== a) await b.close();
      await a.close();
      await database.drop();
    });

    it("records only what fits, and says how long to wait for the rest", async () => {
      // The ledger's own clock stands still at 0: the times asked for are the times recorded.
      const ledger = new SqlSendLedger(a.db, a.kind, "replica-a", () => 0);
      const limits = [{ key: "graph-write:10/1000", budget: 10, span: 1000 }];
      assert.deepEqual(await ledger.reserve(5000, 6, limits), { wait: 0, counts: [0] });
      assert.deepEqual(await ledger.reserve(5100, 4, limits), { wait: 0, counts: [6] });
      const full = await ledger.reserve(5200, 3, limits);
      assert.equal(full.counts[0], 10);
      assert.equal(full.wait, 5000 + 1000 - 5200 + 1, "the first six leave the window at 6,000");
      const other = new SqlSendLedger(b.db, b.kind, "replica-b", () => 0);
      assert.equal((await other.reserve(5300, 1, limits)).wait > 0, true, "another replica sees the same full window");
      assert.deepEqual(await other.reserve(6001, 6, limits), { wait: 0, counts: [4] });
    });

    it("takes times and windows that are not whole milliseconds (margins measured from round trips)", async () => {
      const ledger = new SqlSendLedger(a.db, a.kind, "replica-a", () => 0);
      const limits = [{ key: "graph-write:10/1000", budget: 10, span: 1013.7227 }];
      assert.deepEqual(await ledger.reserve(5000.5, 10, limits), { wait: 0, counts: [0] });
      const full = await ledger.reserve(5100.25, 1, limits);
      assert.ok(full.wait > 0 && full.counts[0] === 10, JSON.stringify(full));
    });

    it("two replicas writing at once never put more than the quota in any window between them", async () => {
      const capacity = 40;
      const windowMs = 400;
      const sends: Array<[number, number]> = [];
      const replica = (db: OpenDatabase, owner: string) => {
        const pacer = new WritePacer({ capacity, windowMs, ledger: new SqlSendLedger(db.db, db.kind, owner) });
        return (async () => {
          for (let i = 0; i < 8; i++) {
            await pacer.take(10);
            sends.push([Date.now(), 10]);
          }
        })();
      };
      const started = Date.now();
      await Promise.all([replica(a, "replica-a"), replica(b, "replica-b")]);
      const elapsed = Date.now() - started;
      sends.sort((x, y) => x[0] - y[0]);
      const most = maxInAnyWindow(sends, windowMs);
      process.stdout.write(`      160 writes by two replicas, quota ${capacity} per ${windowMs} ms: at most ${most} in any window, ${elapsed} ms\n`);
      assert.ok(most <= capacity, `at most ${capacity} in any window between them, saw ${most}`);
      assert.ok(elapsed >= 3 * windowMs, `four windows' worth took ${elapsed} ms: the replicas did not each spend the whole quota`);
    });
  });
}
