import assert from "node:assert/strict";
import { startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { RandomFaults } from "../src/fault-rates.js";
import { callExpectingNoResponse, getToken, graph, graphBatch, graphErrorOf, revokeItem } from "./support/sim-client.js";

describe("simulator: random fault rates (5xx, connection resets, slow responses)", () => {
  describe("RandomFaults", () => {
    it("draws the same sequence for the same seed, and another for another seed", () => {
      const sequence = (seed: number) => {
        const faults = new RandomFaults({ status5xx: 0.3, reset: 0.1, slowRate: 0.2, slowMs: 50, seed }, 1);
        return Array.from({ length: 200 }, () => faults.draw(10));
      };
      assert.deepEqual(sequence(7), sequence(7));
      assert.notDeepEqual(sequence(7), sequence(8));
      const draws = sequence(7);
      const failures = draws.filter((draw) => draw.status5xx !== undefined);
      assert.ok(failures.length > 30 && failures.length < 90, `about 30% of 200, got ${failures.length}`);
      assert.ok(failures.every((draw) => [500, 502, 503, 504].includes(draw.status5xx ?? 0)));
      assert.ok(draws.some((draw) => draw.reset) && draws.some((draw) => draw.slow));
      for (const draw of draws) {
        const jitter = draw.extraDelayMs - (draw.slow ? 50 : 0);
        assert.ok(jitter >= 0 && jitter < 10, `jitter within [0, 10): ${jitter}`);
      }
    });

    it("keeps the other failures where they were when one rate changes", () => {
      const resets = (rates: { status5xx?: number }) => {
        const faults = new RandomFaults({ reset: 0.2, seed: 3, ...rates }, 1);
        return Array.from({ length: 100 }, () => faults.draw(0).reset);
      };
      assert.deepEqual(resets({}), resets({ status5xx: 0.5 }));
    });

    it("refuses rates outside 0…1", () => {
      assert.throws(() => new RandomFaults({ status5xx: 1.5 }, 1), /status5xx/);
      assert.throws(() => new RandomFaults({ slowMs: -1 }, 1), /slowMs/);
    });
  });

  describe("through HTTP", () => {
    let sim: StartedSimulator;
    let token: string;
    const userPath = `/users/${WELL_KNOWN.alice.id}?$select=id`;

    before(async () => {
      sim = await startSimulator({ userCount: 10, seed: 11 });
      token = await getToken(sim);
    });
    after(async () => {
      await sim.close();
    });
    beforeEach(() => {
      sim.setFaultRates({});
      sim.resetStats();
      sim.clearRequests();
    });

    async function statuses(count: number): Promise<number[]> {
      const result: number[] = [];
      for (let i = 0; i < count; i++) {
        result.push((await graph(sim, token, userPath)).status);
      }
      return result;
    }

    it("fails a reproducible share of requests with 5xx for a given seed", async () => {
      sim.setFaultRates({ status5xx: 0.3, seed: 5 });
      const first = await statuses(40);
      sim.setFaultRates({ status5xx: 0.3, seed: 5 });
      const second = await statuses(40);
      assert.deepEqual(second, first, "same seed, same request order: same failures");
      const failed = first.filter((status) => status >= 500);
      assert.ok(failed.length >= 4 && failed.length <= 24, `about 12 of 40, got ${failed.length}`);
      assert.ok(first.includes(200));
      assert.equal(sim.stats().faults.status5xx, failed.length * 2);

      sim.setFaultRates({ status5xx: 0.3, seed: 6 });
      assert.notDeepEqual(await statuses(40), first);
    });

    it("is reproducible across simulators started with the same faultRates and seed", async () => {
      const run = async () => {
        const other = await startSimulator({ userCount: 0, faultRates: { status5xx: 0.5, seed: 9 } });
        try {
          const otherToken = await getToken(other);
          const result: number[] = [];
          for (let i = 0; i < 20; i++) {
            result.push((await graph(other, otherToken, userPath)).status);
          }
          return result;
        } finally {
          await other.close();
        }
      };
      assert.deepEqual(await run(), await run());
    });

    it("answers a random 5xx in Graph's error shape; a 503 says when to retry", async () => {
      sim.setFaultRates({ status5xx: 1, seed: 1 });
      const seen = new Set<number>();
      for (let i = 0; i < 30 && !seen.has(503); i++) {
        const response = await graph(sim, token, userPath);
        seen.add(response.status);
        assert.ok(response.status >= 500, String(response.status));
        const error = graphErrorOf(response);
        assert.equal(error.innerError["request-id"], response.headers["request-id"]);
        if (response.status === 503) {
          assert.equal(error.code, "ServiceUnavailable");
          assert.equal(response.headers["retry-after"], "1");
        }
      }
      assert.ok(seen.has(503));
    });

    it("closes the connection without a response on a reset, and recovers when the rate is 0", async () => {
      sim.setFaultRates({ reset: 1 });
      const before = sim.tenant.userById(WELL_KNOWN.bob.id)?.signInSessionsValidFromDateTime;
      const error = await callExpectingNoResponse(sim, `/v1.0/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`, {
        method: "POST",
        body: {},
        token,
      });
      assert.equal(error.code, "ECONNRESET");
      assert.equal(sim.tenant.userById(WELL_KNOWN.bob.id)?.signInSessionsValidFromDateTime, before, "nothing ran");
      const batchError = await callExpectingNoResponse(sim, "/v1.0/$batch", {
        method: "POST",
        body: { requests: [revokeItem("1", WELL_KNOWN.bob.id)] },
        token,
      });
      assert.equal(batchError.code, "ECONNRESET", "a whole envelope can be reset");
      assert.deepEqual(
        sim.requests.map((r) => [r.path.split("/").at(-1), r.status, r.connectionReset]),
        [
          ["revokeSignInSessions", 0, true],
          ["$batch", 0, true],
        ],
      );
      assert.equal(sim.stats().faults.resets, 2);

      sim.setFaultRates({});
      assert.equal((await graph(sim, token, userPath)).status, 200);
    });

    it("never resets a $batch item on its own: items can only fail with a status", async () => {
      sim.setFaultRates({ reset: 0.5, seed: 2 });
      let envelopes = 0;
      for (let i = 0; i < 10; i++) {
        try {
          const response = await graphBatch(sim, token, [{ id: "1", method: "GET", url: userPath }, { id: "2", method: "GET", url: userPath }]);
          assert.equal(response.status, 200);
          envelopes += 1;
        } catch (error) {
          assert.equal((error as NodeJS.ErrnoException).code, "ECONNRESET");
        }
      }
      assert.ok(envelopes > 0 && envelopes < 10, `some envelopes got through: ${envelopes}`);
      assert.equal(sim.stats().faults.resets, 10 - envelopes);
    });

    it("slows responses down by slowMs at slowRate", async () => {
      sim.setFaultRates({ slowRate: 1, slowMs: 200 });
      const started = Date.now();
      assert.equal((await graph(sim, token, userPath)).status, 200);
      assert.ok(Date.now() - started >= 190, `${Date.now() - started} ms`);
      assert.equal(sim.stats().faults.slow, 1);
    });

    it("adds latency jitter on top of the base latency", async () => {
      sim.setLatency(50, 100);
      try {
        const started = Date.now();
        await graph(sim, token, userPath);
        assert.ok(Date.now() - started >= 45);
      } finally {
        sim.setLatency(0, 0);
      }
    });
  });
});
