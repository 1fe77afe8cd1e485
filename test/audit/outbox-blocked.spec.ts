import assert from "node:assert/strict";
import pino from "pino";
import type { AuditPost } from "../../src/audit/audit-log.js";
import { Auditor, refusalKind, type AuditSink } from "../../src/audit/auditor.js";
import { main as outboxMain } from "../../src/cli/audit-outbox.js";
import { captureOutput } from "../support/captured-output.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store.js";

function httpError(statusCode: number, code?: string): Error {
  return Object.assign(new Error(`Teams said ${statusCode}`), { statusCode, code });
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("audit posts while the audit channel cannot be reached", () => {
  it("sorts the connector's answers: 400/413 content, 401/403/404 and roster errors unreachable, the rest transient", () => {
    assert.equal(refusalKind(httpError(400)), "content");
    assert.equal(refusalKind(httpError(413)), "content");
    for (const s of [401, 403, 404]) assert.equal(refusalKind(httpError(s)), "unreachable", String(s));
    assert.equal(refusalKind(httpError(400, "BotNotInConversationRoster")), "unreachable");
    for (const s of [408, 409, 429, 500, 503]) assert.equal(refusalKind(httpError(s)), "transient", String(s));
    assert.equal(refusalKind(new Error("socket hang up")), "transient");
  });

  for (const dialect of testDialects()) describe(`an unreachable channel blocks the queue (${dialect.name})`, function () {
    this.timeout(30_000);
    let store: TestStore;
    let file: TestDatabase;
    const auditors: Auditor[] = [];
    beforeEach(async () => {
      file = await dialect.create();
      store = await openTestStore(file.url);
    });
    afterEach(async () => {
      for (const x of auditors.splice(0)) x.stop();
      await store.close();
      await file.drop();
    });

    it("holds every post in order, sets none aside, alerts once, and delivers all in order once reachable; at once when the bot is added back", async () => {
      let log = "";
      const logger = pino({ level: "info" }, { write: (line: string) => void (log += line) });
      let status: number | undefined = 403;
      const tries: number[] = [];
      const delivered: number[] = [];
      const alerts: AuditPost[] = [];
      const sink: AuditSink = {
        deliver: (post) => {
          tries.push(post.seq);
          if (status !== undefined) return Promise.reject(httpError(status, status === 403 ? "BotNotInConversationRoster" : "ConversationNotFound"));
          delivered.push(post.seq);
          return Promise.resolve(true);
        },
        alertBlocked: (post) => {
          alerts.push(post);
          return Promise.resolve();
        },
      };
      // Retries grow to 4 s quickly here, so the test can tell a retry on schedule from one made at once.
      const auditor = new Auditor(store.audit, store.audit, sink, logger, { owner: "a", retryBaseMs: 500, blockedRetryMaxMs: 60_000, pollMs: 10 });
      auditors.push(auditor);
      for (let i = 0; i < 3; i++) await auditor.record({ actor: null, action: "request.created", requestId: `R-000000000${i}`, details: { i } });
      auditor.start();
      await waitFor(() => tries.length >= 2, 3000);
      status = 404;
      // The third try's answer is recorded once the sink has refused it.
      await waitFor(async () => tries.length >= 3 && (await auditor.backlog()).blocked?.status === 404, 5000);
      // Only the first post was ever tried: the rest wait behind it.
      assert.deepEqual([...new Set(tries)], [1]);
      const backlog = await auditor.backlog();
      assert.equal(backlog.waiting, 3);
      assert.equal(backlog.setAside, 0, "an unreachable channel sets nothing aside");
      assert.ok(backlog.blocked !== undefined);
      assert.equal(backlog.blocked.status, 404);
      assert.ok(Date.now() - Date.parse(backlog.blocked.since) < 10_000);
      assert.equal(alerts.length, 1, "the first unreachable answer alerts, the following ones do not");
      assert.equal(alerts[0]?.entry.requestId, "R-0000000000");
      assert.match(log, /"level":50,.*audit channel unreachable: audit posts are held in order/);

      const listed = captureOutput();
      assert.equal(await outboxMain([], listed.streams, { DATABASE_URL: file.url }), 0, listed.stderr());
      assert.match(listed.stdout(), /^3 waiting, 0 set aside\nblocked since \d{4}-\d\d-\d\d \d\d:\d\d UTC: the bot cannot reach the audit channel \(Teams answered 404\)/);

      // The next scheduled retry is seconds away (0.5 s, 1 s, 2 s, 4 s …): the bot added back tries now.
      status = undefined;
      const addedBack = Date.now();
      await auditor.retryBlockedNow();
      await waitFor(() => delivered.length === 3, 1000);
      assert.ok(Date.now() - addedBack < 1000);
      assert.deepEqual(delivered, [1, 2, 3]);
      // The last post is marked delivered just after the sink took it.
      await auditor.idle();
      assert.deepEqual(await auditor.backlog(), { waiting: 0, setAside: 0 });
      assert.match(log, /audit channel reachable again/);
    });

    it("retries a blocked queue at most a minute apart", async () => {
      const waits: number[] = [];
      let last = Date.now();
      const sink: AuditSink = {
        deliver: () => {
          waits.push(Date.now() - last);
          last = Date.now();
          return Promise.reject(httpError(403));
        },
      };
      // Scaled down: base 1 ms, the blocked cap 40 ms, the general cap (for other failures) far above it.
      const auditor = new Auditor(store.audit, store.audit, sink, pino({ level: "silent" }), { owner: "a", retryBaseMs: 1, retryMaxMs: 60_000, blockedRetryMaxMs: 40, pollMs: 1_000_000 });
      auditors.push(auditor);
      await auditor.record({ actor: null, action: "request.created", requestId: null, details: {} });
      auditor.start();
      // Uncapped, 13 tries would take 1 + 2 + … + 4096 ms, longer than the wait allows.
      await waitFor(() => waits.length >= 13, 5000);
      assert.ok(Math.max(...waits) < 200, `waits ${JSON.stringify(waits)}`);
    });
  });
});
