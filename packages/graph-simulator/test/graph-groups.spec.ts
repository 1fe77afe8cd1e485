import assert from "node:assert/strict";
import { ALL_GRAPH_ROLES, APPROVER_GROUP_ID, GRAPH_ROLES, REVOKER_GROUP_ID, startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { getToken, graph, graphErrorOf } from "./support/sim-client.js";

type Page = { "@odata.context": string; "@odata.nextLink"?: string; value: Array<Record<string, unknown>> };

describe("simulator: GET /groups/{id}/transitiveMembers/microsoft.graph.user", () => {
  let sim: StartedSimulator;
  let token: string;

  before(async () => {
    sim = await startSimulator();
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setRoles([...ALL_GRAPH_ROLES]);
  });

  const path = (group: string, query = "") => `/groups/${group}/transitiveMembers/microsoft.graph.user${query}`;

  it("lists the group's member users with $select, named in @odata.context", async () => {
    const response = await graph(sim, token, path(REVOKER_GROUP_ID, "?$select=id,displayName,userPrincipalName"));
    assert.equal(response.status, 200);
    const body = response.json as Page;
    assert.equal(body["@odata.context"], `${sim.graphBaseUrl}/$metadata#users(id,displayName,userPrincipalName)`);
    assert.deepEqual(body.value.map((u) => u.id).sort(), [WELL_KNOWN.sam.id, WELL_KNOWN.val.id].sort());
    assert.deepEqual(Object.keys(body.value[0] ?? {}), ["id", "displayName", "userPrincipalName"]);
    assert.equal(body["@odata.nextLink"], undefined);
  });

  it("pages with $top and @odata.nextLink, every member once", async () => {
    const first = (await graph(sim, token, path(APPROVER_GROUP_ID, "?$select=id&$top=1"))).json as Page;
    assert.equal(first.value.length, 1);
    assert.ok(first["@odata.nextLink"]?.startsWith(`${sim.graphBaseUrl}/groups/`), first["@odata.nextLink"]);
    const next = (await graph(sim, token, first["@odata.nextLink"]?.slice(sim.graphBaseUrl.length) ?? "")).json as Page;
    assert.equal(next.value.length, 1);
    assert.equal(next["@odata.nextLink"], undefined);
    assert.deepEqual([...first.value, ...next.value].map((u) => u.id).sort(), [WELL_KNOWN.sam.id, WELL_KNOWN.riley.id].sort());
  });

  it("404s a group that does not exist, 400s a key that is not a GUID", async () => {
    const missing = await graph(sim, token, path("6a1b0000-0000-4000-8000-000000000000"));
    assert.equal(missing.status, 404);
    assert.equal(graphErrorOf(missing).code, "Request_ResourceNotFound");
    assert.equal((await graph(sim, token, path("secops"))).status, 400);
  });

  it("403s without GroupMember.Read.All (or a broader read role)", async () => {
    sim.setRoles([GRAPH_ROLES.userReadAll, GRAPH_ROLES.auditLogReadAll]);
    const denied = await graph(sim, await getToken(sim), path(REVOKER_GROUP_ID));
    assert.equal(denied.status, 403);
    assert.equal(graphErrorOf(denied).code, "Authorization_RequestDenied");
  });
});
