import assert from "node:assert/strict";
import pino from "pino";
import { Auditor, retryAfterMsOf, type AuditSink } from "../../src/audit/auditor.js";
import { openTestStore, type TestStore } from "../support/store.js";
import { sqliteFile } from "../support/databases.js";

const logger = pino({ level: process.env.AUDIT_TEST_LOG ?? "silent" });

async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("Auditor and the audit outbox", () => {
  let store: TestStore;
  const auditors: Auditor[] = [];
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    for (const a of auditors.splice(0)) a.stop();
    await store.close();
  });
  const auditor = (sink: AuditSink, owner = "replica-a", retryBaseMs = 5) => {
    const a = new Auditor(store.audit, store.audit, sink, logger, { owner, retryBaseMs, pollMs: 10 });
    auditors.push(a);
    return a;
  };

  it("keeps posts in order while no audit channel is known, then delivers them all", async () => {
    const delivered: number[] = [];
    let known = false;
    const a = auditor({
      deliver: (e) => {
        if (!known) return Promise.resolve(false);
        delivered.push(e.seq);
        return Promise.resolve(true);
      },
    });
    for (let i = 0; i < 3; i++) await a.record({ actor: null, action: "request.created", requestId: null, details: { i } });
    await a.idle();
    assert.deepEqual(delivered, []);
    assert.equal(await a.undelivered(), 3);
    known = true;
    a.kick();
    await waitFor(() => delivered.length === 3);
    assert.deepEqual(delivered, [1, 2, 3]);
    assert.equal(await a.undelivered(), 0);
  });

  it("retries a failed post with backoff, in order, one post per entry", async () => {
    const delivered: number[] = [];
    let failures = 2;
    const a = auditor({
      deliver: (e) => {
        if (failures > 0) {
          failures--;
          return Promise.reject(new Error("503"));
        }
        delivered.push(e.seq);
        return Promise.resolve(true);
      },
    });
    await a.record({ actor: null, action: "request.created", requestId: null, details: {} });
    await a.record({ actor: null, action: "request.approved", requestId: null, details: {} });
    await waitFor(() => delivered.length === 2);
    assert.deepEqual(delivered, [1, 2]);
  });

  it("per-target outcomes are in the chain but not posted", async () => {
    const delivered: string[] = [];
    const a = auditor({
      deliver: (e) => {
        delivered.push(e.entry.action);
        return Promise.resolve(true);
      },
    });
    await a.record({ actor: null, action: "target.outcome", requestId: "R-1", details: {} });
    await a.record({ actor: null, action: "revocation.completed", requestId: "R-1", details: {} });
    await waitFor(() => delivered.length === 1);
    await a.idle();
    assert.deepEqual(delivered, ["revocation.completed"]);
    assert.deepEqual((await store.entries()).map((e) => e.action), ["target.outcome", "revocation.completed"]);
  });

  it("posts recorded before a restart are delivered after it", async () => {
    const file = sqliteFile();
    try {
      const before = await openTestStore(file.url);
      const down = new Auditor(before.audit, before.audit, { deliver: () => Promise.reject(new Error("Teams is down")) }, logger, {
        owner: "old-process",
        retryBaseMs: 60_000,
      });
      await down.record({ actor: null, action: "request.created", requestId: "R-1", details: {} });
      await down.record({ actor: null, action: "request.approved", requestId: "R-1", details: {} });
      await down.idle();
      down.stop();
      await before.close();

      const after = await openTestStore(file.url);
      const delivered: number[] = [];
      const up = new Auditor(
        after.audit,
        after.audit,
        {
          deliver: (e) => {
            delivered.push(e.seq);
            return Promise.resolve(true);
          },
        },
        logger,
        { owner: "new-process", claimMs: 1000 },
      );
      // The old process's failed attempt scheduled the retry a minute out; a new process honours it,
      // so move it due (as time would) rather than wait.
      await after.database.db.updateTable("outbox").set({ next_attempt_at: new Date(0).toISOString() }).execute();
      up.start();
      await waitFor(() => delivered.length === 2);
      up.stop();
      assert.deepEqual(delivered, [1, 2]);
      await after.close();
    } finally {
      await file.drop();
    }
  });

  it("two replicas delivering the same outbox post each entry exactly once", async () => {
    const delivered: number[] = [];
    const sink: AuditSink = {
      deliver: async (e) => {
        delivered.push(e.seq);
        await new Promise((r) => setTimeout(r, 2));
        return true;
      },
    };
    const a = auditor(sink, "replica-a");
    const b = auditor(sink, "replica-b");
    for (let i = 0; i < 20; i++) await (i % 2 === 0 ? a : b).record({ actor: null, action: "request.created", requestId: null, details: { i } });
    a.start();
    b.start();
    await waitFor(async () => (await a.undelivered()) === 0);
    await a.idle();
    await b.idle();
    assert.deepEqual([...delivered].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("reads Retry-After from a connector error, in seconds or as a date", () => {
    assert.equal(retryAfterMsOf({ response: { headers: new Headers({ "retry-after": "7" }) } }), 7000);
    assert.equal(retryAfterMsOf({ response: { headers: { "retry-after": "2" } } }), 2000);
    const inTen = new Date(Date.now() + 10_000).toUTCString();
    const ms = retryAfterMsOf({ response: { headers: { "retry-after": inTen } } });
    assert.ok(ms !== undefined && ms > 8000 && ms <= 10_000);
    assert.equal(retryAfterMsOf(new Error("no response")), undefined);
  });
});
