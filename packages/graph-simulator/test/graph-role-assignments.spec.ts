import assert from "node:assert/strict";
import { ALL_GRAPH_ROLES, BOT_SERVICE_PRINCIPAL_ID, ENTRA_ROLE_TEMPLATE_IDS, GRAPH_ROLES, startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { getToken, graph, graphErrorOf, jwtPayload } from "./support/sim-client.js";

type Assignment = { principalId: string; roleDefinitionId: string; directoryScopeId: string; roleDefinition?: { displayName: string; templateId: string }; principal?: Record<string, unknown> };

describe("simulator: GET /roleManagement/directory/roleAssignments (List unifiedRoleAssignments)", () => {
  let sim: StartedSimulator;
  let token: string;
  const path = "/roleManagement/directory/roleAssignments";

  before(async () => {
    sim = await startSimulator({});
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setRoles([...ALL_GRAPH_ROLES]);
    sim.tenant.appDirectoryRoles.clear();
  });

  const values = (json: unknown) => (json as { value: Assignment[] }).value;

  it("lists the users' admin roles and the calling app's own, with roleDefinition or principal expanded", async () => {
    const answer = await graph(sim, token, `${path}?$expand=roleDefinition`);
    assert.equal(answer.status, 200);
    const list = values(answer.json);
    const of = (id: string) => list.filter((a) => a.principalId === id).map((a) => a.roleDefinition?.displayName);
    assert.deepEqual(of(WELL_KNOWN.dollar.id), ["Exchange Administrator"]);
    assert.deepEqual(of(WELL_KNOWN.breakglass.id), ["Global Administrator"]);
    assert.deepEqual(of(WELL_KNOWN.alice.id), []);
    // The bot's own service principal (the oid of its token) holds User Administrator by default.
    assert.equal(jwtPayload(token).oid, BOT_SERVICE_PRINCIPAL_ID);
    assert.deepEqual(of(BOT_SERVICE_PRINCIPAL_ID), ["User Administrator"]);
    assert.ok(list.every((a) => a.directoryScopeId === "/" && a.roleDefinition?.templateId === a.roleDefinitionId));
    const expanded = values((await graph(sim, token, `${path}?$expand=principal`)).json);
    assert.equal(expanded.find((a) => a.principalId === WELL_KNOWN.dollar.id)?.principal?.userPrincipalName, WELL_KNOWN.dollar.userPrincipalName);
  });

  it("filters by principalId (the app's roles follow tenant.appDirectoryRoles) and by roleDefinitionId", async () => {
    sim.tenant.appDirectoryRoles.set(sim.clientId, ["User Administrator", "Privileged Authentication Administrator"]);
    const mine = values((await graph(sim, token, `${path}?$filter=${encodeURIComponent(`principalId eq '${BOT_SERVICE_PRINCIPAL_ID}'`)}`)).json);
    assert.deepEqual(mine.map((a) => a.roleDefinitionId).sort(), [ENTRA_ROLE_TEMPLATE_IDS["Privileged Authentication Administrator"], ENTRA_ROLE_TEMPLATE_IDS["User Administrator"]].sort());
    sim.tenant.appDirectoryRoles.set(sim.clientId, []);
    assert.deepEqual(values((await graph(sim, token, `${path}?$filter=${encodeURIComponent(`principalId eq '${BOT_SERVICE_PRINCIPAL_ID}'`)}`)).json), []);
    const globals = values((await graph(sim, token, `${path}?$filter=${encodeURIComponent(`roleDefinitionId eq '${ENTRA_ROLE_TEMPLATE_IDS["Global Administrator"] ?? ""}'`)}`)).json);
    assert.deepEqual(globals.map((a) => a.principalId), [WELL_KNOWN.breakglass.id]);
    const bad = await graph(sim, token, `${path}?$filter=${encodeURIComponent("displayName eq 'x'")}`);
    assert.equal(bad.status, 400);
  });

  it("pages with @odata.nextLink", async () => {
    const first = await graph(sim, token, `${path}?$top=1`);
    const link = (first.json as Record<string, unknown>)["@odata.nextLink"];
    assert.equal(values(first.json).length, 1);
    assert.equal(typeof link, "string");
    const next = await graph(sim, token, String(link).replace(/^.*\/v1\.0/, ""));
    assert.equal(next.status, 200);
    assert.equal(values(next.json).length, 1);
    assert.notEqual(values(next.json)[0]?.principalId + (values(next.json)[0]?.roleDefinitionId ?? ""), (values(first.json)[0]?.principalId ?? "") + (values(first.json)[0]?.roleDefinitionId ?? ""));
  });

  it("403s Authorization_RequestDenied without RoleManagement.Read.Directory or a permission that includes it", async () => {
    sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== GRAPH_ROLES.roleManagementReadDirectory && r !== GRAPH_ROLES.directoryReadAll));
    const refused = await graph(sim, await getToken(sim), path);
    assert.equal(refused.status, 403);
    assert.equal(graphErrorOf(refused).code, "Authorization_RequestDenied");
    sim.setRoles([GRAPH_ROLES.directoryReadAll]);
    assert.equal((await graph(sim, await getToken(sim), path)).status, 200, "Directory.Read.All includes it");
  });
});
