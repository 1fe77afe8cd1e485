import assert from "node:assert/strict";
import pino from "pino";
import type { AuditPost, NewAuditEntry } from "../../src/audit/audit-log.js";
import { Auditor, type AuditSink } from "../../src/audit/auditor.js";
import { aggregateText } from "../../src/bot/teams-audit-sink.js";
import { main as exportMain } from "../../src/cli/audit-export.js";
import { main as outboxMain } from "../../src/cli/audit-outbox.js";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { captureOutput } from "../support/captured-output.js";
import { sqliteFile, testDialects, type TestDatabase } from "../support/databases.js";
import { ManualClock } from "../support/store-fixtures.js";
import { openTestStore, type TestStore } from "../support/store.js";

const dana = { aadObjectId: "dddddddd-0000-4000-8000-000000000001", name: "Dana Analyst" };
const eve = { aadObjectId: "eeeeeeee-0000-4000-8000-000000000002", name: "Eve Intern" };

function refusal(actor: NewAuditEntry["actor"], reason = "not a revoker", action: NewAuditEntry["action"] = "request.refused"): NewAuditEntry {
  return { actor, action, requestId: null, details: { reason } };
}

/** Claims and delivers everything due now; returns what was posted. */
async function drainNow(store: SqlAuditStore, owner = "replica-a"): Promise<AuditPost[]> {
  const posts: AuditPost[] = [];
  for (;;) {
    const post = await store.claimNext(owner, 30_000);
    if (post === undefined) return posts;
    posts.push(post);
    await store.delivered(post.seq, owner);
  }
}

for (const dialect of testDialects()) {
  describe(`audit flood control: refusals aggregated per actor (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let a: OpenDatabase;
    let b: OpenDatabase;
    let clock: ManualClock;
    let replicaA: SqlAuditStore;
    let replicaB: SqlAuditStore;

    beforeEach(async () => {
      database = await dialect.create();
      // Two replicas: two connections (pools) to the same database, one clock.
      a = await openDatabase(database.url);
      b = await openDatabase(database.url);
      clock = new ManualClock("2026-11-03T10:00:00.000Z");
      replicaA = new SqlAuditStore(a.db, a.kind, clock.now);
      replicaB = new SqlAuditStore(b.db, b.kind, clock.now);
    });
    afterEach(async () => {
      await a.close();
      await b.close();
      await database.drop();
    });

    it("posts an actor's first refusal at once and the rest of the minute as one post with the count; every refusal stays its own entry", async () => {
      await replicaA.append(refusal(dana, "first"));
      const first = await drainNow(replicaA);
      assert.deepEqual(first.map((p) => [p.seq, p.aggregate]), [[1, undefined]]);

      // 36 more by Dana within the minute, written by both replicas, one by Eve and an ordinary entry between.
      for (let i = 0; i < 36; i++) {
        clock.advance(1000);
        await (i % 2 === 0 ? replicaA : replicaB).append(refusal(dana, `attempt ${i + 2}`));
        if (i === 9) await replicaB.append(refusal(eve));
        if (i === 19) await replicaA.append({ actor: dana, action: "request.created", requestId: "R-1", details: {} });
      }
      const meanwhile = await drainNow(replicaB, "replica-b");
      assert.deepEqual(
        meanwhile.map((p) => [p.entry.action, p.entry.actor?.name, p.aggregate]),
        [
          ["request.refused", "Eve Intern", undefined],
          ["request.created", "Dana Analyst", undefined],
        ],
        "Eve's refusal and the ordinary entry go out at once; Dana's gathering post does not hold them back",
      );

      clock.advance(60_000 - 36_000); // Dana's minute is up
      const gathered = await drainNow(replicaA);
      assert.equal(gathered.length, 1);
      const post = gathered[0];
      assert.ok(post?.aggregate);
      assert.equal(post.aggregate.count, 36);
      assert.equal(post.entry.details.reason, "attempt 37");
      assert.equal(post.entry.seq, post.aggregate.lastSeq);

      const all = [];
      for await (const e of replicaA.entries()) all.push(e);
      assert.equal(all.filter((e) => e.action === "request.refused").length, 38, "every refusal is its own entry");
      assert.equal(all.length, 39);
      const out = captureOutput();
      assert.equal(await exportMain([], out.streams, { DATABASE_URL: database.url }), 0, out.stderr());
      const exported = JSON.parse(out.stdout()) as Array<{ action: string }>;
      assert.equal(exported.filter((e) => e.action === "request.refused").length, 38, "npm run audit:export has every refusal");
    });

    it("holds across a restart: the next minute's post waits for the minute after the last post", async () => {
      await replicaA.append(refusal(dana));
      await drainNow(replicaA);
      clock.advance(10_000);
      await replicaA.append(refusal(dana));
      // "Restart": a new store on a new connection, nothing in memory.
      await a.close();
      a = await openDatabase(database.url);
      replicaA = new SqlAuditStore(a.db, a.kind, clock.now);
      clock.advance(10_000);
      await replicaA.append(refusal(dana));
      assert.deepEqual(await drainNow(replicaA), [], "still gathering");
      clock.advance(40_000);
      const posts = await drainNow(replicaA);
      assert.deepEqual(posts.map((p) => p.aggregate?.count), [2]);
      // Right after that post, a new refusal gathers again (due a minute after it), in a new row.
      clock.advance(1000);
      await replicaB.append(refusal(dana, "later"));
      assert.deepEqual(await drainNow(replicaA), []);
      clock.advance(59_000);
      const later = await drainNow(replicaA);
      assert.equal(later.length, 1);
      assert.equal(later[0]?.entry.details.reason, "later");
      assert.equal(later[0]?.aggregate, undefined, "a run of one is shown as the entry itself");
    });

    it("aggregates refusals of unauthenticated senders (activity.refused, any actor or tenant they claim) under one key", async () => {
      for (let i = 0; i < 20; i++) {
        await replicaA.append({
          actor: { aadObjectId: `ffffffff-0000-4000-8000-${String(i).padStart(12, "0")}`, name: `Mallory ${i}` },
          action: "activity.refused",
          requestId: null,
          details: { reason: "tenant not allowed", tenantId: `tenant-${i}` },
        });
        clock.advance(500);
      }
      await replicaA.append(refusal(null, "no actor"));
      const now = await drainNow(replicaA);
      assert.deepEqual(
        now.map((p) => p.entry.action),
        ["activity.refused", "request.refused"],
        "one post for the first foreign activity, and the actorless refusal (its own key) at once",
      );
      clock.advance(60_000);
      const later = await drainNow(replicaA);
      assert.deepEqual(later.map((p) => p.aggregate?.count), [19]);
    });
  });
}

describe("the aggregated audit post's wording", () => {
  it("names the actor, the count and the last refusal in words", () => {
    const text = aggregateText(
      { seq: 48, at: "2026-11-03T10:00:59.000Z", actor: dana, action: "request.refused", requestId: null, details: { reason: "not a revoker" }, prevHash: "", hash: "", hashAlg: "sha256" },
      { count: 37, firstSeq: 12, lastSeq: 48 },
    );
    assert.match(
      text,
      /^Dana Analyst: 37 refused actions in the last minute; the last, at 3 Nov(?: 2026)?, 10:00 UTC: not a revoker\. Audit entries #12 to #48 record each one\.$/,
    );
    const foreign = aggregateText(
      { seq: 9, at: "2026-11-03T10:00:59.000Z", actor: eve, action: "activity.refused", requestId: null, details: {}, prevHash: "", hash: "", hashAlg: "sha256" },
      { count: 5, firstSeq: 2, lastSeq: 9 },
    );
    const jobs = aggregateText(
      { seq: 9, at: "2026-11-03T10:00:59.000Z", actor: null, action: "revocation.refused", requestId: "R-1", details: { reason: "Not run: its approval is not in the audit log." }, prevHash: "", hash: "", hashAlg: "sha256" },
      { count: 2, firstSeq: 3, lastSeq: 9 },
    );
    assert.match(jobs, /^Revocation jobs the bot would not run: 2 refused actions in the last minute; the last, at 3 Nov(?: 2026)?, 10:00 UTC: Not run: its approval is not in the audit log\./);
    assert.match(foreign, /^Messages from outside the allowed tenants: 5 refused actions in the last minute; the last, at 3 Nov(?: 2026)?, 10:00 UTC\. /);
  });
});

describe("audit posts Teams refuses for good are set aside", () => {
  let store: TestStore;
  const auditors: Auditor[] = [];
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    for (const x of auditors.splice(0)) x.stop();
    await store.close();
  });

  async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  function httpError(statusCode: number): Error {
    return Object.assign(new Error(`Teams said ${statusCode}`), { statusCode });
  }

  it("a post Teams refuses for its content (400) is set aside after the attempts allowed, a note takes its place, and later posts go ahead", async () => {
    let log = "";
    const logger = pino({ level: "warn" }, { write: (line: string) => void (log += line) });
    const attempts = new Map<number, number>();
    const posted: string[] = [];
    const sink: AuditSink = {
      deliver: (post) => {
        if (post.placeholder !== undefined) {
          posted.push(`note for #${post.seq} (${post.placeholder.status ?? "?"})`);
          return Promise.resolve(true);
        }
        attempts.set(post.seq, (attempts.get(post.seq) ?? 0) + 1);
        if (post.seq === 1) return Promise.reject(httpError(400));
        posted.push(`#${post.seq}`);
        return Promise.resolve(true);
      },
    };
    const auditor = new Auditor(store.audit, store.audit, sink, logger, { owner: "a", retryBaseMs: 2, pollMs: 10, maxPermanentFailures: 5 });
    auditors.push(auditor);
    for (let i = 0; i < 3; i++) await auditor.record({ actor: null, action: "request.created", requestId: null, details: { i } });
    auditor.start();
    await waitFor(() => posted.length === 3);
    assert.deepEqual(posted, ["note for #1 (400)", "#2", "#3"], "the note stands where the entry would have been");
    assert.equal(attempts.get(1), 5);
    assert.deepEqual(await auditor.backlog(), { waiting: 0, setAside: 1 });
    const row = await store.database.db.selectFrom("outbox").selectAll().where("audit_seq", "=", 1).executeTakeFirstOrThrow();
    assert.ok(row.set_aside_at !== null);
    assert.ok(row.placeholder_at !== null);
    assert.equal(row.last_error, "HTTP 400: Teams said 400");
    assert.match(log, /audit post set aside: Teams refused its content/);
    assert.match(log, /"backlog":\{"waiting":2,"setAside":1\}/, "the warning counts the posts still waiting and set aside");
    // Never claimed again, and no second note.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(attempts.get(1), 5);
    assert.equal(posted.length, 3);
  });

  it("npm run audit:outbox lists set-aside posts with Teams' answer and puts them back in the queue", async () => {
    const file = sqliteFile();
    const onDisk = await openTestStore(file.url);
    try {
      let refuse = true;
      const delivered: number[] = [];
      const sink: AuditSink = {
        deliver: (post) => {
          if (post.placeholder !== undefined) return Promise.resolve(true);
          if (refuse && post.seq === 1) return Promise.reject(httpError(413));
          delivered.push(post.seq);
          return Promise.resolve(true);
        },
      };
      const auditor = new Auditor(onDisk.audit, onDisk.audit, sink, pino({ level: "silent" }), { owner: "a", retryBaseMs: 1, pollMs: 10, maxPermanentFailures: 3 });
      auditors.push(auditor);
      await auditor.record({ actor: null, action: "request.created", requestId: null, details: {} });
      await auditor.record({ actor: null, action: "request.approved", requestId: null, details: {} });
      auditor.start();
      await waitFor(() => delivered.length === 1);
      const listed = captureOutput();
      assert.equal(await outboxMain([], listed.streams, { DATABASE_URL: file.url }), 0, listed.stderr());
      assert.match(listed.stdout(), /^0 waiting, 1 set aside\n#1 request\.created of \d{4}-\d\d-\d\d \d\d:\d\d UTC: set aside .* after 3 attempts; Teams answered: HTTP 413: Teams said 413\n$/);
      refuse = false;
      const requeued = captureOutput();
      assert.equal(await outboxMain(["--requeue", "1"], requeued.streams, { DATABASE_URL: file.url }), 0, requeued.stderr());
      assert.match(requeued.stdout(), /^1 set-aside post put back in the queue/);
      auditor.kick();
      await waitFor(() => delivered.length === 2);
      assert.deepEqual(delivered, [2, 1]);
      assert.deepEqual(await auditor.backlog(), { waiting: 0, setAside: 0 });
    } finally {
      await onDisk.close();
      await file.drop();
    }
  });

  it("a throttled post (429) or a server error is retried in order, never set aside", async () => {
    const failures = new Map<number, number>([
      [1, 7],
      [2, 6],
    ]);
    const delivered: number[] = [];
    const sink: AuditSink = {
      deliver: (post) => {
        const left = failures.get(post.seq) ?? 0;
        if (left > 0) {
          failures.set(post.seq, left - 1);
          return Promise.reject(httpError(post.seq === 1 ? 429 : 503));
        }
        delivered.push(post.seq);
        return Promise.resolve(true);
      },
    };
    const auditor = new Auditor(store.audit, store.audit, sink, pino({ level: "silent" }), { owner: "a", retryBaseMs: 1, retryMaxMs: 4, pollMs: 10 });
    auditors.push(auditor);
    for (let i = 0; i < 2; i++) await auditor.record({ actor: null, action: "request.created", requestId: null, details: { i } });
    auditor.start();
    await waitFor(() => delivered.length === 2);
    assert.deepEqual(delivered, [1, 2]);
    assert.deepEqual(await auditor.backlog(), { waiting: 0, setAside: 0 });
  });
});
