import assert from "node:assert/strict";
import { canonicalJson, ChainVerifier, entryHash, GENESIS_HASH } from "../../src/audit/chain.js";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { runTypeScript } from "../support/run-process.js";
import { auditEntry, ManualClock } from "../support/store-fixtures.js";

/** Checks the whole stored chain the way audit:verify does; returns how many entries it holds. */
async function assertIntactChain(store: SqlAuditStore, pageSize = 1000): Promise<number> {
  const verifier = new ChainVerifier();
  for await (const entry of store.entries({ pageSize })) assert.equal(verifier.check(entry), undefined, `entry #${entry.seq}`);
  assert.equal(verifier.checkHead(await store.head()), undefined);
  return verifier.count;
}

describe("canonicalJson", () => {
  it("gives the same bytes whatever the key order, at every level", () => {
    const a = { b: 1, a: { y: [3, { q: 1, p: 2 }], x: null }, c: "é\n" };
    const b = { c: "é\n", a: { x: null, y: [3, { p: 2, q: 1 }] }, b: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(canonicalJson(a), '{"a":{"x":null,"y":[3,{"p":2,"q":1}]},"b":1,"c":"é\\n"}');
  });

  it("keeps array order, and reads like JSON.stringify for what JSON cannot hold", () => {
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
    assert.equal(canonicalJson({ gone: undefined, fn: () => 1, list: [undefined, () => 1] }), '{"list":[null,null]}');
    assert.equal(canonicalJson({ when: new Date("2026-11-01T09:00:00.000Z") }), '{"when":"2026-11-01T09:00:00.000Z"}');
    assert.deepEqual(JSON.parse(canonicalJson({ z: 1, a: [true, "x"] })), { z: 1, a: [true, "x"] });
    assert.throws(() => canonicalJson({ n: Number.NaN }), /NaN/);
  });

  it("makes the entry hash independent of key order but not of content", () => {
    const entry = { seq: 1, at: "2026-11-01T09:00:00.000Z", actor: null, action: "request.created", requestId: "R-1", details: { a: 1, b: 2 } };
    const hash = entryHash(GENESIS_HASH, entry);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(entryHash(GENESIS_HASH, { ...entry, details: { b: 2, a: 1 } }), hash);
    assert.notEqual(entryHash(GENESIS_HASH, { ...entry, details: { a: 1, b: 3 } }), hash);
    assert.notEqual(entryHash(GENESIS_HASH, { ...entry, seq: 2 }), hash);
    assert.notEqual(entryHash("f".repeat(64), entry), hash);
  });
});

for (const dialect of testDialects()) {
  describe(`audit chain (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let opened: OpenDatabase;
    let clock: ManualClock;
    let store: SqlAuditStore;

    beforeEach(async () => {
      database = await dialect.create();
      opened = await openDatabase(database.url);
      clock = new ManualClock();
      store = new SqlAuditStore(opened.db, opened.kind, clock.now);
    });
    afterEach(async () => {
      await opened.close();
      await database.drop();
    });

    it("numbers appends 1, 2, 3… without gaps, each linked to the hash before it", async () => {
      const appended = [];
      for (let i = 0; i < 10; i++) {
        appended.push(await store.append(auditEntry("request.created", `R-${i}`, { i })));
        clock.advance(1000);
      }
      assert.deepEqual(
        appended.map((e) => e.seq),
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
      assert.equal(appended[0]?.prevHash, GENESIS_HASH);
      for (let i = 1; i < appended.length; i++) assert.equal(appended[i]?.prevHash, appended[i - 1]?.hash);
      const last = appended[appended.length - 1];
      assert.deepEqual(await store.head(), { seq: 10, hash: last?.hash, keyId: null, mac: null });
      assert.deepEqual(await store.recent(3), appended.slice(7).reverse());
      assert.equal(await assertIntactChain(store, 3), 10);
    });

    it("stores each entry so that its hash can be recomputed from the row alone", async () => {
      const details = { targets: ["b@contoso.test", "a@contoso.test"], z: { y: 1, x: "quote \" and comma ,", "ü": "ünïcödé ✓" }, count: 2.5, none: null };
      const appended = await store.append({ actor: { aadObjectId: "id-1", name: "Ann, \"the\" approver" }, action: "request.approved", requestId: "R-1", details });
      await store.append({ actor: null, action: "request.expired", requestId: null, details: {} });
      const rows = await opened.db.selectFrom("audit_log").selectAll().orderBy("seq", "asc").execute();
      assert.equal(rows.length, 2);
      for (const row of rows) {
        const parsed = JSON.parse(row.details) as Record<string, unknown>;
        assert.equal(row.details, canonicalJson(parsed), "details are stored as canonical JSON");
        const actor = row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" };
        const recomputed = entryHash(row.prev_hash, { seq: Number(row.seq), at: row.at, actor, action: row.action, requestId: row.request_id, details: parsed });
        assert.equal(recomputed, row.hash, `row #${row.seq}`);
      }
      assert.deepEqual(rows[0]?.details, canonicalJson(details));
      assert.equal(rows[0]?.hash, appended.hash);
      assert.deepEqual((await store.recent(2))[1], appended);
    });

    it("forms one intact chain from 50 appends made at once", async () => {
      const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(auditEntry("request.created", `R-${i}`, { i }))));
      assert.deepEqual(
        appended.map((e) => e.seq).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(await assertIntactChain(store, 7), 50);
    });

    if (dialect.name === "postgres") {
      it("forms one intact chain when two replicas (two pools) append at once", async () => {
        const second = await openDatabase(database.url, { poolSize: 5 });
        try {
          const other = new SqlAuditStore(second.db, second.kind);
          await Promise.all(
            Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : other).append(auditEntry("request.created", `R-${i}`, { i }))),
          );
        } finally {
          await second.close();
        }
        assert.equal(await assertIntactChain(store), 60);
      });
    }

    it("forms one intact chain when three processes append to the same database at once", async () => {
      const workers = await Promise.all(
        ["A", "B", "C"].map((tag) => runTypeScript("test/support/audit-append-worker.ts", [database.url, "100", tag], {})),
      );
      for (const w of workers) assert.equal(w.code, 0, w.stderr);
      assert.equal(await assertIntactChain(store), 300);
      const requestIds = new Set<string>();
      for await (const e of store.entries()) requestIds.add(e.requestId ?? "");
      assert.equal(requestIds.size, 300);
    });

    it("pages through the log in order, from a time on when asked", async () => {
      for (let i = 0; i < 12; i++) {
        await store.append(auditEntry("request.created", `R-${i}`));
        clock.advance(60_000);
      }
      const all = [];
      for await (const e of store.entries({ pageSize: 5 })) all.push(e.seq);
      assert.deepEqual(all, Array.from({ length: 12 }, (_, i) => i + 1));
      const since = new Date(Date.parse("2026-11-01T09:00:00.000Z") + 7 * 60_000).toISOString();
      const later = [];
      for await (const e of store.entries({ since, pageSize: 2 })) later.push(e.seq);
      assert.deepEqual(later, [8, 9, 10, 11, 12]);
    });

    describe("outbox", () => {
      it("queues one post per posted entry and none for target.outcome", async () => {
        await store.append(auditEntry("revocation.started", "R-1"));
        await store.append(auditEntry("target.outcome", "R-1", { userId: "u1" }));
        await store.append(auditEntry("target.outcome", "R-1", { userId: "u2" }));
        await store.append(auditEntry("revocation.completed", "R-1"));
        const rows = await opened.db.selectFrom("outbox").select(["audit_seq", "attempts", "delivered_at"]).orderBy("audit_seq", "asc").execute();
        assert.deepEqual(
          rows.map((r) => [Number(r.audit_seq), Number(r.attempts), r.delivered_at]),
          [
            [1, 0, null],
            [4, 0, null],
          ],
        );
        assert.equal(await store.undeliveredCount(), 2);
      });

      it("hands out strictly the oldest undelivered post, never skipping a held one", async () => {
        for (const action of ["request.created", "request.approved", "revocation.completed"] as const) await store.append(auditEntry(action, "R-1"));
        const a = new SqlAuditStore(opened.db, opened.kind, clock.now);
        const b = new SqlAuditStore(opened.db, opened.kind, clock.now);
        assert.equal((await a.claimNext("replica-a", 10_000))?.seq, 1);
        // The oldest is held by a live claim: the next one must wait, not overtake it.
        assert.equal(await b.claimNext("replica-b", 10_000), undefined);
        await a.delivered(1, "replica-a");
        assert.equal((await b.claimNext("replica-b", 10_000))?.seq, 2);
      });

      it("gives a claimed post to exactly one of two owners claiming at once", async () => {
        await store.append(auditEntry("request.created", "R-1"));
        const a = new SqlAuditStore(opened.db, opened.kind, clock.now);
        const b = new SqlAuditStore(opened.db, opened.kind, clock.now);
        const claims = await Promise.all([a.claimNext("replica-a", 10_000), b.claimNext("replica-b", 10_000)]);
        assert.equal(claims.filter((c) => c !== undefined).length, 1);
      });

      it("lets another owner claim a post only once the first claim has expired", async () => {
        await store.append(auditEntry("request.created", "R-1"));
        assert.equal((await store.claimNext("replica-a", 10_000))?.seq, 1);
        clock.advance(9_000);
        assert.equal(await store.claimNext("replica-b", 10_000), undefined);
        clock.advance(2_000);
        assert.equal((await store.claimNext("replica-b", 10_000))?.seq, 1);
        // The first owner lost the claim: its late "delivered" must not count.
        await store.delivered(1, "replica-a");
        assert.equal(await store.undeliveredCount(), 1);
        const row = await opened.db.selectFrom("outbox").selectAll().where("audit_seq", "=", 1).executeTakeFirstOrThrow();
        assert.equal(row.claimed_by, "replica-b");
        assert.equal(Number(row.attempts), 2);
        await store.delivered(1, "replica-b");
        assert.equal(await store.undeliveredCount(), 0);
      });

      it("holds a post back until retryLater's delay has passed, and keeps the error", async () => {
        await store.append(auditEntry("request.created", "R-1"));
        await store.append(auditEntry("request.approved", "R-1"));
        assert.equal((await store.claimNext("replica-a", 10_000))?.seq, 1);
        await store.retryLater(1, "replica-a", 60_000, "Teams answered 503");
        clock.advance(30_000);
        assert.equal(await store.claimNext("replica-a", 10_000), undefined, "not before its next attempt, and #2 does not overtake it");
        const row = await opened.db.selectFrom("outbox").selectAll().where("audit_seq", "=", 1).executeTakeFirstOrThrow();
        assert.equal(row.last_error, "Teams answered 503");
        assert.equal(row.claimed_by, null);
        clock.advance(31_000);
        assert.equal((await store.claimNext("replica-b", 10_000))?.seq, 1);
      });

      it("never hands out a delivered post again", async () => {
        await store.append(auditEntry("request.created", "R-1"));
        await store.append(auditEntry("request.approved", "R-1"));
        for (const seq of [1, 2]) {
          assert.equal((await store.claimNext("replica-a", 10_000))?.seq, seq);
          await store.delivered(seq, "replica-a");
        }
        clock.advance(3_600_000);
        assert.equal(await store.claimNext("replica-a", 10_000), undefined);
        assert.equal(await store.claimNext("replica-b", 10_000), undefined);
        assert.equal(await store.undeliveredCount(), 0);
      });
    });
  });
}
