import assert from "node:assert/strict";
import {
  ALL_GRAPH_ROLES,
  DEFAULT_WRITE_CAPACITY,
  DEFAULT_WRITE_WINDOW_MS,
  GRAPH_ROLES,
  SIM_TENANT_ID,
  startSimulator,
  WELL_KNOWN,
} from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { WriteQuota } from "../src/write-quota.js";
import { getToken, graph, graphErrorOf } from "./support/sim-client.js";

const TENANT = SIM_TENANT_ID;
const APP = "b0770b07-4e40-4c1d-8b07-5e55104b0d1e";

describe("simulator: write quota (token bucket per app+tenant)", () => {
  describe("WriteQuota", () => {
    let now: number;
    const quota = (capacity: number, windowMs: number) => new WriteQuota({ capacity, windowMs, clock: () => now });
    beforeEach(() => {
      now = 1_000_000;
    });

    it("defaults to Graph's 3,000 writes per 150 s", () => {
      const stats = new WriteQuota().stats(TENANT, APP);
      assert.equal(stats.capacity, DEFAULT_WRITE_CAPACITY);
      assert.equal(stats.windowMs, DEFAULT_WRITE_WINDOW_MS);
      assert.equal(DEFAULT_WRITE_CAPACITY, 3000);
      assert.equal(DEFAULT_WRITE_WINDOW_MS, 150_000);
      assert.equal(stats.tokensAvailable, 3000);
      assert.equal(stats.usage, 0);
    });

    it("accepts exactly `capacity` writes in a burst, then refuses with whole-second Retry-After", () => {
      const bucket = new WriteQuota({ clock: () => now });
      for (let i = 0; i < 3000; i++) {
        assert.equal(bucket.take(TENANT, APP, false).accepted, true, `write ${i + 1}`);
      }
      const refused = bucket.take(TENANT, APP, false);
      assert.equal(refused.accepted, false);
      // 150 s / 3,000 = 50 ms per token: rounded up to whole seconds, and never below 1.
      assert.equal(refused.headers["Retry-After"], "1");
      assert.deepEqual(
        { ...bucket.stats(TENANT, APP), usage: undefined },
        {
          capacity: 3000,
          windowMs: 150_000,
          writesAccepted: 3000,
          throttled: 1,
          throttledInBatch: 0,
          tokensAvailable: 0,
          usage: undefined,
          counting: "bucket",
          neighbourShare: 0,
          neighbourWrites: 0,
          neighbourRefused: 0,
        },
      );
    });

    it("refills continuously and says how long until the next token", () => {
      const bucket = quota(4, 20_000); // one token per 5 s
      for (let i = 0; i < 4; i++) bucket.take(TENANT, APP, false);
      const refused = bucket.take(TENANT, APP, true);
      assert.equal(refused.accepted, false);
      assert.equal(refused.accepted ? 0 : refused.retryAfterSeconds, 5);
      now += 2_500;
      assert.equal(bucket.stats(TENANT, APP).tokensAvailable, 0.5);
      const half = bucket.take(TENANT, APP, false);
      assert.equal(half.accepted ? 0 : half.retryAfterSeconds, 3, "2.5 s left, rounded up");
      now += 2_500;
      assert.equal(bucket.take(TENANT, APP, false).accepted, true);
      now += 60_000;
      assert.equal(bucket.stats(TENANT, APP).tokensAvailable, 4, "never above capacity");
      assert.equal(bucket.stats(TENANT, APP).throttledInBatch, 1);
      assert.equal(bucket.stats(TENANT, APP).throttled, 1);
    });

    it("reports x-ms-throttle-limit-percentage only above 0.8, rising past 1 while refusing, capped at 1.8", () => {
      const bucket = quota(10, 60_000);
      const percentages = Array.from({ length: 25 }, () => bucket.take(TENANT, APP, false).headers["x-ms-throttle-limit-percentage"]);
      assert.deepEqual(percentages.slice(0, 8), Array<undefined>(8).fill(undefined));
      assert.deepEqual(percentages.slice(8, 12), ["0.9", "1", "1.1", "1.2"]);
      assert.equal(percentages.at(-1), "1.8");
      assert.equal(bucket.stats(TENANT, APP).usage, 1.8);
    });

    it("keeps a separate bucket per app+tenant pair and names it in x-ms-throttle-scope", () => {
      const bucket = quota(1, 1_000);
      assert.equal(bucket.take(TENANT, APP, false).accepted, true);
      const refused = bucket.take(TENANT, APP, false);
      assert.equal(refused.headers["x-ms-throttle-scope"], `Tenant_Application/Write/${APP}/${TENANT}`);
      assert.equal(refused.headers["x-ms-throttle-information"], "WriteLimitExceeded");
      assert.equal(bucket.take(TENANT, "00000000-0000-4000-8000-00000000a990", false).accepted, true);
    });

    it("configure() changes the limits and refills; refill() refills; bad limits are refused", () => {
      const bucket = quota(2, 1_000);
      bucket.take(TENANT, APP, false);
      bucket.take(TENANT, APP, false);
      bucket.refill();
      assert.equal(bucket.stats(TENANT, APP).tokensAvailable, 2);
      bucket.configure({ capacity: 5 });
      assert.deepEqual([bucket.stats(TENANT, APP).capacity, bucket.stats(TENANT, APP).windowMs], [5, 1_000]);
      assert.equal(bucket.stats(TENANT, APP).writesAccepted, 2, "counters survive");
      assert.throws(() => bucket.configure({ capacity: 0 }), /capacity/);
      assert.throws(() => new WriteQuota({ windowMs: -1 }), /windowMs/);
    });
  });

  describe("WriteQuota as a sliding window, with a neighbour", () => {
    let now: number;
    beforeEach(() => {
      now = 1_000_000;
    });

    it("accepts `capacity` writes in any window and no more, however they are spread", () => {
      const q = new WriteQuota({ capacity: 100, windowMs: 10_000, counting: "sliding", clock: () => now });
      for (let i = 0; i < 100; i++) assert.equal(q.take(TENANT, APP, true).accepted, true);
      now += 5000;
      const refused = q.take(TENANT, APP, true);
      assert.equal(refused.accepted, false);
      // The oldest write leaves the window 5 s from now.
      assert.equal(refused.accepted ? "" : refused.headers["Retry-After"], "5");
      now += 5000; // exactly a window after the burst: the burst has left it
      for (let i = 0; i < 100; i++) assert.equal(q.take(TENANT, APP, true).accepted, true, `write ${i + 1} of the second window`);
      assert.equal(q.take(TENANT, APP, true).accepted, false);
    });

    it("refuses what a token bucket would let through: a second bucketful inside the first window", () => {
      const sliding = new WriteQuota({ capacity: 100, windowMs: 10_000, counting: "sliding", clock: () => now });
      const bucket = new WriteQuota({ capacity: 100, windowMs: 10_000, clock: () => now });
      let slidingOk = 0;
      let bucketOk = 0;
      for (let step = 0; step < 100; step++) {
        // 100 at once, then 10 every second for 9.9 s
        const n = step === 0 ? 100 : 1;
        for (let i = 0; i < n; i++) {
          if (sliding.take(TENANT, APP, true).accepted) slidingOk++;
          if (bucket.take(TENANT, APP, true).accepted) bucketOk++;
        }
        now += 99;
      }
      assert.equal(slidingOk, 100);
      assert.ok(bucketOk > 190, `the bucket accepted ${bucketOk}`);
    });

    it("reports the window's use as x-ms-throttle-limit-percentage above 0.8", () => {
      const q = new WriteQuota({ capacity: 10, windowMs: 1000, counting: "sliding", clock: () => now });
      const verdicts = Array.from({ length: 10 }, () => q.take(TENANT, APP, true));
      assert.equal(verdicts[7].headers["x-ms-throttle-limit-percentage"], undefined);
      assert.equal(verdicts[8].headers["x-ms-throttle-limit-percentage"], "0.9");
      assert.equal(verdicts[9].headers["x-ms-throttle-limit-percentage"], "1");
    });

    for (const counting of ["bucket", "sliding"] as const) {
      it(`a neighbour spends its share of the quota evenly (${counting})`, () => {
        const q = new WriteQuota({ capacity: 100, windowMs: 10_000, counting, neighbourShare: 0.5, clock: () => now });
        // The app tries a write every 20 ms for three windows.
        let ok = 0;
        for (let i = 0; i < 1500; i++) {
          if (q.take(TENANT, APP, true).accepted) ok++;
          now += 20;
        }
        const stats = q.stats(TENANT, APP);
        // It has been writing for a window before the app's first write.
        assert.ok(Math.abs(stats.neighbourWrites + stats.neighbourRefused - 200) <= 2, `the neighbour tried ${stats.neighbourWrites + stats.neighbourRefused} writes, half the quota for 40 s`);
        // Together never more than the quota allows: 100 per 10 s (a bucket: a full one at first).
        const most = counting === "bucket" ? 100 + 400 : 400;
        assert.ok(ok + stats.neighbourWrites <= most + 2, `the app got ${ok}, the neighbour ${stats.neighbourWrites}`);
        assert.equal(stats.neighbourShare, 0.5);
        assert.equal(stats.counting, counting);
      });
    }

    it("refuses a neighbour share outside 0 to 0.9", () => {
      assert.throws(() => new WriteQuota({ neighbourShare: 1 }), RangeError);
      assert.throws(() => new WriteQuota({ neighbourShare: -0.1 }), RangeError);
    });
  });

  describe("through HTTP", () => {
    let sim: StartedSimulator;
    let token: string;
    let now = Date.parse("2026-03-01T12:00:00Z");
    const revoke = (userId: string, bearer = token) =>
      graph(sim, bearer, `/users/${userId}/revokeSignInSessions`, { method: "POST", body: {} });

    before(async () => {
      sim = await startSimulator({ userCount: 20, writeQuota: { capacity: 10, windowMs: 60_000, clock: () => now } });
      token = await getToken(sim);
    });
    after(async () => {
      await sim.close();
    });
    beforeEach(() => {
      sim.setWriteQuota({ capacity: 10, windowMs: 60_000 });
      sim.resetStats();
    });

    it("accepts exactly capacity writes in a burst, then answers 429 with Retry-After and the throttle headers", async () => {
      const ids = sim.tenant.listUsers().slice(-12).map((user) => user.id);
      const responses = [];
      for (const id of ids.slice(0, 10)) {
        responses.push(await revoke(id));
      }
      assert.deepEqual(responses.map((r) => r.status), Array(10).fill(200));
      assert.deepEqual(
        responses.map((r) => r.headers["x-ms-throttle-limit-percentage"]),
        [...Array<undefined>(8).fill(undefined), "0.9", "1"],
      );

      const before = sim.tenant.userById(ids[10] ?? "")?.signInSessionsValidFromDateTime;
      const throttled = await revoke(ids[10] ?? "");
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers["retry-after"], "6", "60 s / 10 writes = one token every 6 s");
      assert.equal(throttled.headers["x-ms-throttle-scope"], `Tenant_Application/Write/${sim.clientId}/${sim.tenantId}`);
      assert.equal(throttled.headers["x-ms-throttle-limit-percentage"], "1.1");
      const error = graphErrorOf(throttled);
      assert.equal(error.code, "TooManyRequests");
      assert.equal(error.innerError["request-id"], throttled.headers["request-id"]);
      assert.equal(sim.tenant.userById(ids[10] ?? "")?.signInSessionsValidFromDateTime, before, "a throttled write changes nothing");

      const disable = await graph(sim, token, `/users/${ids[11]}`, { method: "PATCH", body: { accountEnabled: false } });
      assert.equal(disable.status, 429, "PATCH /users/{id} is a write too");
      const read = await graph(sim, token, `/users/${ids[11]}?$select=id`);
      assert.equal(read.status, 200, "reads are not limited by the write quota");

      const { writeQuota } = sim.stats();
      assert.equal(writeQuota.writesAccepted, 10);
      assert.equal(writeQuota.throttled, 2);
      assert.equal(writeQuota.throttledInBatch, 0);
      assert.equal(writeQuota.tokensAvailable, 0);
      assert.ok(writeQuota.usage > 1);

      now += 6_000;
      assert.equal((await revoke(ids[10] ?? "")).status, 200, "one token back after Retry-After");
      assert.equal((await revoke(ids[10] ?? "")).status, 429);
      now += 60_000;
      assert.equal(sim.stats().writeQuota.tokensAvailable, 10);
    });

    it("admits exactly capacity writes of a concurrent burst", async () => {
      const ids = sim.tenant.listUsers().slice(0, 15).map((user) => user.id);
      const statuses = (await Promise.all(ids.map((id) => revoke(id)))).map((response) => response.status);
      assert.equal(statuses.filter((status) => status === 200).length, 10);
      assert.equal(statuses.filter((status) => status === 429).length, 5);
    });

    it("takes no token for a write refused with 403", async () => {
      sim.setRoles([GRAPH_ROLES.userReadAll]);
      try {
        const readOnly = await getToken(sim);
        assert.equal((await revoke(WELL_KNOWN.alice.id, readOnly)).status, 403);
        assert.equal(sim.stats().writeQuota.tokensAvailable, 10);
      } finally {
        sim.setRoles([...ALL_GRAPH_ROLES]);
      }
    });

    it("counts a write to an unknown user: Graph spends the quota before it looks the target up", async () => {
      const response = await revoke("99999999-9999-4999-8999-999999999999");
      assert.equal(response.status, 404);
      assert.equal(sim.stats().writeQuota.writesAccepted, 1);
    });
  });

  it("refills in real time with a short window, and counts with the request log turned off", async () => {
    const sim = await startSimulator({ userCount: 0, writeQuota: { capacity: 2, windowMs: 200 }, recordRequests: false });
    try {
      const token = await getToken(sim);
      const revoke = () => graph(sim, token, `/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`, { method: "POST", body: {} });
      assert.equal((await revoke()).status, 200);
      assert.equal((await revoke()).status, 200);
      const throttled = await revoke();
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers["retry-after"], "1", "rounded up to a whole second");
      // Generous: the window is 200 ms; anything from one token up is enough.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal((await revoke()).status, 200);
      assert.deepEqual(sim.requests, [], "nothing recorded");
      assert.deepEqual([sim.stats().writeQuota.writesAccepted, sim.stats().writeQuota.throttled], [3, 1]);
    } finally {
      await sim.close();
    }
  });
});
