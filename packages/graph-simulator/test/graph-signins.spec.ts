import assert from "node:assert/strict";
import { recordSignIn, startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { getToken, graph } from "./support/sim-client.js";

/** Microsoft's "List signIns" (v1.0) returns interactive user sign-ins only; non-interactive ones are in beta. */
describe("simulator: the v1.0 sign-in log", () => {
  let sim: StartedSimulator;
  let token: string;

  before(async () => {
    sim = await startSimulator({ userCount: 10 });
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });

  it("lists interactive sign-ins only: a refresh-token replay (non-interactive) is not in it", async () => {
    const { sam } = WELL_KNOWN;
    const now = Date.now();
    const interactive = recordSignIn(sim.tenant, sam.id, now, { ip: "192.0.2.201" });
    const replay = recordSignIn(sim.tenant, sam.id, now, { ip: "192.0.2.202", interactive: false });
    const response = await graph(sim, token, `/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${sam.id}'`)}`);
    assert.equal(response.status, 200);
    const ids = ((response.json as { value: Array<{ id: string; isInteractive: boolean }> }).value).map((s) => s.id);
    assert.ok(ids.includes(interactive.id));
    assert.ok(!ids.includes(replay.id), "the non-interactive sign-in is not listed in v1.0");
    assert.ok(((response.json as { value: Array<{ isInteractive: boolean }> }).value).every((s) => s.isInteractive));
  });
});
