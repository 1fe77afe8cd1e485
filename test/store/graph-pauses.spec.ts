/**
 * The reports budget shared by replicas through the database: places taken by one replica count
 * for the other (write_ledger), and a 429's pause recorded by one holds back the other
 * (graph_pauses, migration 010), on SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { ReportsBudget } from "../../src/directory/reports-budget.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { SqlPauseBoard } from "../../src/store/graph-pauses.js";
import { SqlSendLedger } from "../../src/store/write-ledger.js";
import { testDialects, type TestDatabase } from "../support/databases.js";

for (const dialect of testDialects()) {
  describe(`reports budget shared through the database (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let a: OpenDatabase;
    let b: OpenDatabase;
    const clock = { at: 50_000_000 };
    const replica = (db: OpenDatabase, owner: string) =>
      new ReportsBudget({ tenantId: "T", ledger: new SqlSendLedger(db.db, db.kind, owner, () => clock.at), pauses: new SqlPauseBoard(db.db, db.kind), now: () => clock.at });

    beforeEach(async () => {
      database = await dialect.create();
      a = await openDatabase(database.url);
      // One handle for SQLite (one process; see write-ledger.spec.ts), a pool each for PostgreSQL.
      b = dialect.name === "postgres" ? await openDatabase(database.url) : a;
    });
    afterEach(async () => {
      if (b !== a) await b.close();
      await a.close();
      await database.drop();
    });

    it("two replicas' readers fill one window of 5 between them, each within its share", async () => {
      const one = replica(a, "replica-a");
      const two = replica(b, "replica-b");
      for (let i = 0; i < 3; i++) assert.equal(await one.tryTake("watch"), undefined);
      assert.equal(await two.tryTake("watch"), 11, "the other replica's watch sees the 3 taken");
      assert.equal(await two.tryTake("status"), undefined, "status has its fourth place");
      assert.equal(await one.tryTake("status"), 11);
      assert.equal(await one.tryTake("card"), undefined, "revoke ip has the fifth");
      assert.equal(await two.tryTake("card"), 11, "and then nobody, on either replica");
      clock.at += 10_501;
      assert.equal(await two.tryTake("watch"), undefined, "the window moved on");
    });

    it("a 429's Retry-After recorded by one replica pauses every reader on the other; the later of two pauses wins", async () => {
      const one = replica(a, "replica-a");
      const two = replica(b, "replica-b");
      await one.throttled(7);
      assert.equal(await two.tryTake("card"), 7, "even revoke ip waits out Graph's Retry-After");
      await two.throttled(3);
      assert.equal(await one.tryTake("status"), 7, "a shorter pause does not cut a longer one");
      clock.at += 7_000;
      assert.equal(await one.tryTake("card"), undefined);
      const board = new SqlPauseBoard(b.db, b.kind);
      assert.equal(await board.pausedUntil("reports:t"), clock.at);
    });
  });
}
