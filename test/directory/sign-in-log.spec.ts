/**
 * The watch's reads of the sign-in log (src/directory/sign-in-log.ts) against the simulator: many
 * users per request, successful sign-ins only, paging, seen-before look-ups, and the reports API's
 * throttling as the simulator models it (5 requests per 10 s per app and tenant, 429 Retry-After),
 * with every reader drawing on one budget of those 5.
 */

/** A budget on a clock of its own whose waits move the clock: no test here sleeps for real. */
function virtualBudget(start = 1_000_000): { budget: ReportsBudget; clock: { at: number } } {
  const clock = { at: start };
  const budget = new ReportsBudget({
    tenantId: "t",
    now: () => clock.at,
    sleep: (ms) => {
      clock.at += ms;
      return Promise.resolve();
    },
  });
  return { budget, clock };
}
import assert from "node:assert/strict";
import { RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { GraphSignInLog, SIGN_IN_GROUP_SIZE, successfulSignInsFilter, type SignInEvent } from "../../src/directory/sign-in-log.js";
import { ReportsQuota } from "@teams-revoke-bot/graph-simulator/reports-quota";
import { HOSTILE_IPV4, recordSignIn, startSimulator, WELL_KNOWN, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import { graphFor } from "../support/graph.js";
import { ReportsBudget } from "../../src/directory/reports-budget.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

async function collect(pages: AsyncIterable<SignInEvent[]>): Promise<{ events: SignInEvent[]; pages: number }> {
  const events: SignInEvent[] = [];
  let count = 0;
  for await (const page of pages) {
    events.push(...page);
    count += 1;
  }
  return { events, pages: count };
}

describe("sign-in log reads for the watch", function () {
  this.timeout(30_000);
  let sim: StartedSimulator;
  let log: GraphSignInLog;
  const { alice, bob, breakglass, disabled } = WELL_KNOWN;
  const reads = () => sim.requests.filter((r) => r.path === "/v1.0/auditLogs/signIns");

  before(async () => {
    // Pacing is the watch runner's job; here each read is checked on its own.
    sim = await startSimulator({ tls: trustedSimulatorTls(), reportsQuota: false });
    log = new GraphSignInLog(graphFor(sim).client, virtualBudget().budget);
  });
  after(async () => {
    await sim.close();
  });

  it("asks about several users in one request and returns only their successful sign-ins, with place, app, client and kind", async () => {
    sim.clearRequests();
    const since = new Date(Date.now() - 24 * 3_600_000);
    const { events } = await collect(log.successfulSignIns([alice.id, bob.id, breakglass.id, disabled.id], since));
    assert.equal(reads().length, 1, "one request for four users");
    const ids = new Set(events.map((e) => e.userId));
    assert.ok(ids.has(alice.id) && ids.has(bob.id));
    assert.ok(!ids.has(breakglass.id), "a failed password (50126) is not a sign-in");
    assert.ok(!ids.has(disabled.id), "a sign-in refused for a disabled account is not one");
    const hostile = events.find((e) => e.userId === alice.id && e.ipAddress === HOSTILE_IPV4);
    assert.equal(hostile?.location, "Tallinn, Harjumaa, EE");
    assert.ok(hostile !== undefined && hostile.appDisplayName !== "" && hostile.clientAppUsed !== "" && typeof hostile.isInteractive === "boolean");
    assert.ok(events.every((e) => Date.parse(e.createdDateTime) >= since.getTime() - 1000));
  });

  it("pages through @odata.nextLink, calling the pacing hook before every request", async () => {
    const now = Date.now();
    for (let i = 0; i < 5; i++) recordSignIn(sim.tenant, alice.id, now - i * 1000, { ip: `192.0.2.${10 + i}` });
    let paced = 0;
    sim.clearRequests();
    const { events, pages } = await collect(
      log.successfulSignIns([alice.id], new Date(now - 60_000), {
        pageSize: 2,
        beforeRequest: () => {
          paced += 1;
          return Promise.resolve();
        },
      }),
    );
    assert.equal(events.length, 5);
    assert.equal(pages, 3);
    assert.equal(paced, reads().length, "one pacing call per request");
  });

  it("tells whether a user signed in from an address before a time", async () => {
    const now = new Date();
    assert.equal(await log.seenBefore(alice.id, HOSTILE_IPV4, now), true);
    assert.equal(await log.seenBefore(alice.id, "192.0.2.250", now), false);
    assert.equal(await log.seenBefore(breakglass.id, HOSTILE_IPV4, now), false, "only a successful sign-in counts");
  });

  it("refuses more users than a request names, and anything but object IDs, before Graph hears of it", () => {
    const many = Array.from({ length: SIGN_IN_GROUP_SIZE + 1 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    assert.throws(() => successfulSignInsFilter(many, new Date()), RangeError);
    assert.throws(() => successfulSignInsFilter(["alice@contoso.com' or 1 eq 1"], new Date()), /not an object ID/);
    assert.equal(
      successfulSignInsFilter([alice.id, bob.id], new Date("2026-12-01T10:00:00.750Z")),
      `(userId eq '${alice.id}' or userId eq '${bob.id}') and createdDateTime ge 2026-12-01T10:00:00Z and status/errorCode eq 0`,
    );
  });

  it("the simulator's reports limit: 5 requests per 10 s per app and tenant, then 429 with the seconds to wait", async () => {
    let now = 1_000_000;
    const quota = new ReportsQuota({}, () => now);
    for (let i = 0; i < 5; i++) assert.deepEqual(quota.take("t", "a"), { accepted: true });
    now += 4_000;
    assert.deepEqual(quota.take("t", "a"), { accepted: false, retryAfterSeconds: 6 });
    assert.deepEqual(quota.take("t", "other-app"), { accepted: true }, "per app");
    now += 6_000;
    assert.deepEqual(quota.take("t", "a"), { accepted: true }, "the oldest left the window");

    const throttled = await startSimulator({ tls: trustedSimulatorTls(), reportsQuota: { limit: 2, windowMs: 60_000 } });
    try {
      const raw = graphFor(throttled).client;
      await raw.api("/auditLogs/signIns").top(1).get();
      await raw.api("/auditLogs/signIns").top(1).get();
      // The Graph client would retry after Retry-After itself; without retries the 429 shows.
      const third = raw.api("/auditLogs/signIns").top(1).middlewareOptions([new RetryHandlerOptions(0, 0)]).get();
      await assert.rejects(third, (err: { statusCode?: number }) => err.statusCode === 429);
      assert.ok(throttled.stats().reports.throttled >= 1);
      assert.ok(throttled.requests.some((r) => r.status === 429), "a 429 was answered");
    } finally {
      await throttled.close();
    }
  });

  it("status's reads: at most 4 of the budget's 5 in 10 s, fewer when the watch holds its 3; the rest refused at once with when to ask again", async () => {
    const { budget, clock } = virtualBudget(5_000_000);
    const paced = new GraphSignInLog(graphFor(sim).client, budget);
    const before = reads().length;
    const since = new Date(Date.now() - 86_400_000);
    for (let i = 0; i < 4; i++) await paced.successfulSince(alice.id, since);
    await assert.rejects(paced.successfulSince(alice.id, since), (err: Error) => /ask again in \d+ s/.test(err.message));
    assert.equal(reads().length - before, 4, "the fifth never reached Graph: one place stays for revoke ip");
    assert.equal(await budget.tryTake("card"), undefined, "revoke ip still has its place");
    assert.equal(await budget.tryTake("card"), 11, "and then the window is full for everyone (10 s and the arrival margin)");

    // The watch took its 3 of the next window: status has 1, then says when to ask again.
    clock.at += 10_501;
    for (let i = 0; i < 3; i++) await budget.take("watch");
    await paced.successfulSince(bob.id, since);
    await assert.rejects(paced.successfulSince(bob.id, since), (err: Error) => /ask again in \d+ s/.test(err.message));
  });

  it("a 429 is said at once, not waited for, and pauses every reader of the budget for its Retry-After", async () => {
    const throttled = await startSimulator({ tls: trustedSimulatorTls(), reportsQuota: { limit: 1, windowMs: 60_000 } });
    try {
      const budget = new ReportsBudget({ tenantId: "t" });
      const log = new GraphSignInLog(graphFor(throttled).client, budget);
      const since = new Date(Date.now() - 86_400_000);
      await log.successfulSince(WELL_KNOWN.alice.id, since);
      const started = Date.now();
      await assert.rejects(log.successfulSince(WELL_KNOWN.bob.id, since), (err: Error) => /try again in (59|60) s/.test(err.message));
      assert.ok(Date.now() - started < 5_000, `answered in ${Date.now() - started} ms, not after Retry-After`);
      const sent = throttled.requests.filter((r) => r.path === "/v1.0/auditLogs/signIns").length;
      assert.equal(sent, 2, "the Graph client did not retry the 429 behind the budget's back");
      // Every reader now waits: revoke ip's place and the watch's are refused until the pause ends.
      const wait = await budget.tryTake("card");
      assert.ok(wait !== undefined && wait >= 55, `revoke ip waits out the pause: ${wait}`);
      await assert.rejects(log.successfulSince(WELL_KNOWN.alice.id, since), (err: Error) => /ask again in \d+ s/.test(err.message));
      assert.equal(throttled.requests.filter((r) => r.path === "/v1.0/auditLogs/signIns").length, sent, "nothing more was sent");
    } finally {
      await throttled.close();
    }
  });
});
