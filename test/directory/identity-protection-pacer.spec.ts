/**
 * Identity Protection's pace against the simulator: Microsoft documents about 1 request per second
 * per tenant for all apps, with 429s that carry no Retry-After. Here the simulator's window is
 * stretched to 2.5 s (another app of the tenant spending the limit, as the bot cannot see): the
 * pacer's 429s are backed off exponentially, with jitter, and every call ends done.
 */
import assert from "node:assert/strict";
import { startSimulator, WELL_KNOWN, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";
import { IdentityProtectionPacer } from "../../src/directory/identity-protection-pacer.js";
import { graphFor } from "../support/graph.js";

describe("Identity Protection pacer", function () {
  this.timeout(30_000);
  let sim: StartedSimulator;

  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls(), identityProtectionQuota: { limit: 1, windowMs: 2500 } });
  });
  after(async () => {
    await sim.close();
  });

  it("a 429 without Retry-After is waited out with doubling backoffs (and jitter), shared by every caller, until the call goes through", async () => {
    const { directory } = graphFor(sim);
    const draws = [0, 1, 0, 1, 0, 1, 0, 1];
    let d = 0;
    const pacer = new IdentityProtectionPacer({ tenantId: sim.tenantId, backoffMs: 200, random: () => (draws[d++ % draws.length] ?? 0) * 0.999 });
    const users = [WELL_KNOWN.alice.id, WELL_KNOWN.bob.id, WELL_KNOWN.val.id];
    for (const id of users) {
      const answer = await pacer.call(() => directory.confirmCompromisedMany([id]));
      assert.ok(answer.items.every((i) => i.ok), JSON.stringify(answer.items.map((i) => i.error?.userMessage)));
    }
    for (const id of users) assert.equal(sim.tenant.riskStates.get(id), "confirmedCompromised");
    const refused = sim.requests.filter((r) => r.path === "/v1.0/identityProtection/riskyUsers/confirmCompromised" && r.status === 429);
    assert.ok(refused.length >= 2, `the simulator throttled: ${refused.length}`);
    assert.equal(pacer.stats.throttled, refused.length, "the Graph client did not retry behind the pacer's back");
    // Each run of 429s doubles its ceiling (200, 400, 800 ms…): half of it with the draw 0, all of it with ~1.
    const b = pacer.stats.backoffs;
    assert.equal(b[0], 100, `first backoff: half of 200 ms: ${b.join(", ")}`);
    if (b.length > 1) assert.ok((b[1] ?? 0) >= 399 && (b[1] ?? 0) <= 400, `second: all of 400 ms: ${b.join(", ")}`);
    // Nothing went out faster than one a second.
    const times = sim.requests.filter((r) => r.path === "/v1.0/identityProtection/riskyUsers/confirmCompromised").map((r) => Date.parse(r.at));
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 100, times.join(", "));
  });
});
