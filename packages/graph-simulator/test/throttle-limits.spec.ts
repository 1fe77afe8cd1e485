import assert from "node:assert/strict";
import { parseThrottleLimits, resourceUnitCost, SIM_TENANT_ID, startSimulator } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { ThrottleLimits } from "../src/throttle-limits.js";
import { batchItemsById, getToken, graph, graphBatch } from "./support/sim-client.js";

const TENANT = SIM_TENANT_ID;
const APP = "b0770b07-4e40-4c1d-8b07-5e55104b0d1e";
const OTHER_APP = "0ade0ade-4e40-4c1d-8b07-5e55104b0d1e";

describe("simulator: Graph's other identity limits, at once (throttle-limits)", () => {
  let now: number;
  beforeEach(() => {
    now = 1_000_000;
  });

  it("costs resource units as Microsoft's table says: list users 2, others 1, $select -1, $expand +1, $top < 20 -1, at least 1", () => {
    assert.equal(resourceUnitCost("GET", ["v1.0", "users"], {}), 2);
    assert.equal(resourceUnitCost("GET", ["v1.0", "users"], { $select: "id" }), 1);
    assert.equal(resourceUnitCost("GET", ["v1.0", "users", "x"], { $select: "id" }), 1);
    assert.equal(resourceUnitCost("GET", ["v1.0", "users", "x"], { $expand: "manager" }), 2);
    assert.equal(resourceUnitCost("GET", ["v1.0", "users"], { $top: "5", $select: "id" }), 1);
    assert.equal(resourceUnitCost("POST", ["v1.0", "users", "x", "revokeSignInSessions"], {}), 1);
  });

  it("a write limit counts writes only; a resource-unit limit counts reads and writes; Retry-After is whole seconds until room", () => {
    const limits = new ThrottleLimits(
      [
        { scope: "Tenant_Application", counts: "resourceUnits", capacity: 10, windowMs: 10_000 },
        { scope: "Tenant", counts: "writes", capacity: 4, windowMs: 60_000 },
      ],
      () => now,
    );
    for (let i = 0; i < 4; i++) assert.equal(limits.take(TENANT, APP, true, 1).accepted, true);
    const write = limits.take(TENANT, APP, true, 1);
    assert.equal(write.accepted, false);
    assert.equal(write.headers["Retry-After"], "60");
    assert.equal(write.headers["x-ms-throttle-scope"], `Tenant/Write//${TENANT}`);
    assert.equal(write.headers["x-ms-throttle-information"], "WriteLimitExceeded");
    now += 2500;
    for (let i = 0; i < 6; i++) assert.equal(limits.take(TENANT, APP, false, 1).accepted, true, `read ${i + 1}`);
    const read = limits.take(TENANT, APP, false, 1);
    assert.equal(read.accepted, false, "the 4 writes and 6 reads fill 10 units");
    assert.equal(read.headers["Retry-After"], "8", "the first writes leave the 10-s window 7.5 s later: 8 whole seconds");
    assert.equal(read.headers["x-ms-throttle-scope"], `Tenant_Application/ReadWrite/${APP}/${TENANT}`);
    assert.equal(read.headers["x-ms-throttle-information"], "ResourceUnitLimitExceeded");
    const [units, tenantWrites] = limits.stats();
    assert.equal(units?.accepted, 10);
    assert.equal(units?.refused, 1);
    assert.equal(tenantWrites?.refused, 1);
  });

  it("a tenant limit is shared by every app; others spend their share evenly", () => {
    const limits = new ThrottleLimits([{ scope: "Tenant", counts: "writes", capacity: 100, windowMs: 10_000, othersShare: 0.5 }], () => now);
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (limits.take(TENANT, APP, true, 1).accepted) accepted++;
    assert.equal(accepted, 50, "others hold half of the window");
    assert.equal(limits.take(TENANT, OTHER_APP, true, 1).accepted, false, "another app of the tenant meets the same full window");
    assert.ok((limits.stats()[0]?.othersSpent ?? 0) >= 50);
  });

  it("parses limits from the CLI's text and refuses nonsense", () => {
    assert.deepEqual(parseThrottleLimits("Tenant:writes:18000/300000:0.5; Tenant_Application:resourceUnits:3500/10000"), [
      { scope: "Tenant", counts: "writes", capacity: 18_000, windowMs: 300_000, othersShare: 0.5 },
      { scope: "Tenant_Application", counts: "resourceUnits", capacity: 3500, windowMs: 10_000, othersShare: 0 },
    ]);
    assert.throws(() => parseThrottleLimits("Tenant:writes:0/1000"), RangeError);
    assert.throws(() => parseThrottleLimits("Everyone:writes:10/1000"), RangeError);
    assert.throws(() => parseThrottleLimits("Tenant:writes:10/1000:0.95"), RangeError);
  });

  describe("through HTTP", () => {
    let sim: StartedSimulator;
    let token: string;
    before(async () => {
      sim = await startSimulator({ userCount: 30, throttleLimits: [{ scope: "Tenant_Application", counts: "resourceUnits", capacity: 5, windowMs: 60_000 }] });
      token = await getToken(sim);
    });
    after(async () => {
      await sim.close();
    });

    it("refuses reads and writes past the resource units, each $batch item on its own inside a 200 envelope", async () => {
      const ids = sim.tenant.listUsers().slice(0, 8).map((u) => u.id);
      for (const id of ids.slice(0, 3)) assert.equal((await graph(sim, token, `/users/${id}?$select=id`)).status, 200);
      const batch = await graphBatch(
        sim,
        token,
        ids.slice(3, 7).map((id, i) => ({ id: String(i + 1), method: "POST", url: `/users/${id}/revokeSignInSessions`, body: {}, headers: { "Content-Type": "application/json" } })),
      );
      assert.equal(batch.status, 200);
      const items = [...batchItemsById(batch).values()];
      assert.deepEqual(items.map((i) => i.status).sort(), [200, 200, 429, 429]);
      const refused = items.find((i) => i.status === 429);
      assert.ok(Number(refused?.headers["Retry-After"]) >= 59, "whole seconds until the first read leaves the window");
      assert.equal(refused?.headers["x-ms-throttle-information"], "ResourceUnitLimitExceeded");
      assert.equal((await graph(sim, token, `/users/${ids[7]}?$select=id`)).status, 429, "a read is refused too");
      assert.equal(sim.stats().throttleLimits[0]?.refused, 3);
    });
  });
});
