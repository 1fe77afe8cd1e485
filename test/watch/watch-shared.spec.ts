/**
 * Two watches of one user on a simulated clock, over the real stores (both dialects): a sign-in is
 * judged against the incident addresses of every active watch of the user, stored with the request
 * whose address it was, and its ALARM is audited once, by whichever watch stores it first.
 */
import assert from "node:assert/strict";
import pino from "pino";
import type { SignInLog } from "../../src/directory/sign-in-log.js";
import type { RevocationRequest } from "../../src/revocation/types.js";
import { watchListText } from "../../src/cards/watch-replies.js";
import { SqlWatchStore } from "../../src/store/watch-store.js";
import type { UnreportedSignIn } from "../../src/watch/types.js";
import { WatchRunner, type WatchThread } from "../../src/watch/watch-runner.js";
import { auditEntry, pendingRequest } from "../support/store-fixtures.js";
import { openTestStore, type TestStore } from "../support/store.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { ScriptedSignInLog, T0, VirtualClock } from "./scripted-log.js";

const ADDRESS_A = "203.0.113.50";
const ADDRESS_B = "198.51.100.7";


/** Each request's reported sign-ins: ID, whether an ALARM, and whose incident address. */
class RecordingThread implements WatchThread {
  readonly reported = new Map<string, Array<[string, boolean, string | null]>>();
  started(): Promise<void> {
    return Promise.resolve();
  }
  report(request: RevocationRequest, reports: ReadonlyArray<{ signIns: readonly UnreportedSignIn[] }>): Promise<void> {
    const list = this.reported.get(request.id) ?? [];
    for (const s of reports.flatMap((r) => r.signIns)) list.push([s.signInId, s.incidentIp, s.incidentRequestId]);
    this.reported.set(request.id, list);
    return Promise.resolve();
  }
  unavailable(): Promise<void> {
    return Promise.resolve();
  }
  ended(): Promise<void> {
    return Promise.resolve();
  }
  stopped(): Promise<void> {
    return Promise.resolve();
  }
}

for (const dialect of testDialects()) describe(`one user under two watches (${dialect.name})`, function () {
  this.timeout(120_000);
  let store: TestStore;
  let database: TestDatabase;

  beforeEach(async () => {
    database = await dialect.create();
    store = await openTestStore(database.url);
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  /** A finished `revoke ip <address>` of users 1..n, revoked at T0. */
  async function revoked(id: string, users: number, address: string): Promise<RevocationRequest> {
    const request = pendingRequest(id, users, new Date(T0 - 10 * 60_000).toISOString());
    await store.requests.create(request, auditEntry("request.created", id, { command: `revoke ip ${address} --since 24h` }));
    const at = new Date(T0).toISOString();
    await store.requests.recordOutcomes(
      id,
      request.targets.map((t) => ({ outcome: { userId: t.id, status: "revoked_verified" as const, detail: "verified", sessionsValidFrom: at, disabled: false, at }, audit: auditEntry("target.outcome", id) })),
    );
    return request;
  }

  function runner(clock: VirtualClock, log: SignInLog, thread: WatchThread): { runner: WatchRunner; watches: SqlWatchStore } {
    const watches = new SqlWatchStore(store.database.db);
    const r = new WatchRunner({
      store: watches,
      log,
      requests: store.requests,
      auditLog: store.audit,
      auditor: { record: (entry) => store.audit.append(entry) },
      thread,
      logger: pino({ level: "silent" }),
      owner: "test-runner",
      options: { hours: 1, leaseMs: 3_600_000 },
      now: clock.now,
      sleep: clock.sleep,
    });
    return { runner: r, watches };
  }

  async function untilEnded(r: WatchRunner, watches: SqlWatchStore, ids: readonly string[]): Promise<void> {
    for (let spins = 0; ; spins++) {
      const states = await Promise.all(ids.map(async (id) => (await watches.get(id))?.state));
      if (states.every((s) => s !== "active")) break;
      assert.ok(spins < 2_000_000, "the watches did not end");
      await new Promise((resolve) => setImmediate(resolve));
    }
    await r.close();
  }

  it("judges each sign-in the same way under both watches, naming whose address it was, and audits each ALARM once", async () => {
    const clock = new VirtualClock();
    const log = new ScriptedSignInLog(clock);
    const thread = new RecordingThread();
    // R-A watches users 1 and 2 (its address 203.0.113.50), R-B user 1 (198.51.100.7).
    const a = await revoked("R-SHAREDAAA", 2, ADDRESS_A);
    const b = await revoked("R-SHAREDBBB", 1, ADDRESS_B);
    log.signIn(1, 5, ADDRESS_A, "from-a");
    log.signIn(1, 6, ADDRESS_B, "from-b");
    log.signIn(2, 7, ADDRESS_B, "user-2-from-b"); // user 2 is not watched under R-B: a new address, no alarm
    const { runner: r, watches } = runner(clock, log, thread);
    await r.startFor(a);
    await r.startFor(b);
    await untilEnded(r, watches, [a.id, b.id]);

    const sorted = (id: string) => [...(thread.reported.get(id) ?? [])].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    assert.deepEqual(sorted(a.id), [
      ["from-a", true, a.id],
      ["from-b", true, b.id],
      ["user-2-from-b", false, null],
    ]);
    assert.deepEqual(sorted(b.id), [
      ["from-a", true, a.id],
      ["from-b", true, b.id],
    ]);
    const entries = await store.entries();
    const alarms = entries.filter((e) => e.action === "watch.alarm");
    assert.deepEqual(alarms.map((e) => e.details.signInId).sort(), ["from-a", "from-b"], "one ALARM per sign-in, not one per watch");
    // Each request records the sign-ins after its own revocation, naming the other request's address.
    const signIns = entries.filter((e) => e.action === "watch.signin");
    assert.equal(signIns.filter((e) => e.requestId === a.id).length, 3);
    assert.equal(signIns.filter((e) => e.requestId === b.id).length, 2);
    const fromAUnderB = signIns.find((e) => e.requestId === b.id && e.details.signInId === "from-a");
    assert.ok(String(fromAUnderB?.details.address).includes(`the incident address of ${a.id}, another request watching this user`), JSON.stringify(fromAUnderB?.details));
    assert.equal(fromAUnderB?.details.incidentAddressOf, a.id);
    // Both watches count the ALARMs they reported, and `watch` says whose address each was.
    for (const [id, other] of [[a.id, 1], [b.id, 1]] as const) {
      const listing = await watches.listing(id);
      assert.equal(listing?.alarms, 2);
      assert.equal(listing?.alarmsFromOthers, other);
      const text = watchListText(listing === undefined ? [] : [listing], 1);
      assert.ok(text.includes("🚨 1 from the incident's address, 🚨 1 from another watching request's incident address"), text);
    }
  });

  it("a stopped watch's address no longer counts: only active watches are judged against", async () => {
    const clock = new VirtualClock();
    const log = new ScriptedSignInLog(clock);
    const thread = new RecordingThread();
    const a = await revoked("R-STOPPEDAAA", 1, ADDRESS_A);
    const b = await revoked("R-STILLONBBB", 1, ADDRESS_B);
    log.signIn(1, 5, ADDRESS_A, "from-a");
    const { runner: r, watches } = runner(clock, log, thread);
    await r.startFor(a);
    assert.equal(await r.stop(a.id, { aadObjectId: "aaaaaaaa-0000-4000-8000-000000000001", name: "Riley Requester" }, ""), "stopped");
    await r.startFor(b);
    await untilEnded(r, watches, [a.id, b.id]);
    assert.deepEqual(thread.reported.get(b.id), [["from-a", false, null]]);
    assert.equal((await store.entries()).filter((e) => e.action === "watch.alarm").length, 0);
  });

  it("claims a sign-in's ALARM for the first watch only; the claimant asking again still has it", async () => {
    const clock = new VirtualClock();
    const a = await revoked("R-CLAIMAAAAA", 1, ADDRESS_A);
    const b = await revoked("R-CLAIMBBBBB", 1, ADDRESS_B);
    const { runner: r, watches } = runner(clock, new ScriptedSignInLog(clock), new RecordingThread());
    await r.close();
    const at = new Date(T0).toISOString();
    assert.deepEqual([...(await watches.claimAlarms(a.id, ["s1", "s2"], at))].sort(), ["s1", "s2"]);
    assert.deepEqual([...(await watches.claimAlarms(b.id, ["s2", "s3"], at))], ["s3"]);
    assert.deepEqual([...(await watches.claimAlarms(a.id, ["s2"], at))], ["s2"], "a crash before the audit leaves the claim with its watch");
  });
});
