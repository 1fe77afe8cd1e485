import assert from "node:assert/strict";
import type { GraphDirectory} from "../../src/directory/graph-directory.js";
import { userPath } from "../../src/directory/graph-directory.js";
import { AppError } from "../../src/errors.js";
import {
  ALL_GRAPH_ROLES,
  APPROVER_GROUP_ID,
  PAYROLL_SERVICE_PRINCIPAL_ID,
  REVOKER_GROUP_ID,
  startSimulator,
  WELL_KNOWN,
  type StartedSimulator,
} from "@teams-revoke-bot/graph-simulator";
import { graphFor } from "../support/graph.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

function directoryFor(sim: StartedSimulator, secret = sim.clientSecret): GraphDirectory {
  return graphFor(sim, secret).directory;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a rejection");
}

describe("GraphDirectory against the simulator", function () {
  this.timeout(20_000);
  let sim: StartedSimulator;
  let directory: GraphDirectory;

  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls() });
    directory = directoryFor(sim);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearRequests();
    sim.setRoles([...ALL_GRAPH_ROLES]);
  });

  it("reads a user by UPN with the DESIGN.md $select, authenticated with a real token", async () => {
    const user = await directory.getUser("alice@contoso.com");
    assert.equal(user?.id, WELL_KNOWN.alice.id);
    assert.equal(user?.department, "Sales");
    const req = sim.requests.find((r) => r.path.startsWith("/v1.0/users/"));
    assert.ok(req?.authenticated);
    assert.equal(req.query.$select, "id,displayName,userPrincipalName,accountEnabled,department,userType,signInSessionsValidFromDateTime");
  });

  it("reads users whose UPN starts with $, holds # or an apostrophe", async () => {
    assert.equal((await directory.getUser("$svc-backup@contoso.com"))?.id, WELL_KNOWN.dollar.id);
    assert.equal((await directory.getUser(WELL_KNOWN.guest.userPrincipalName))?.id, WELL_KNOWN.guest.id);
    assert.equal((await directory.getUser("pat.o'neil@contoso.com"))?.id, WELL_KNOWN.oneil.id);
    assert.equal(userPath("$x@contoso.com"), "/users('%24x%40contoso.com')");
  });

  it("returns undefined for an unknown user (404) and names a service principal", async () => {
    assert.equal(await directory.getUser("nobody@contoso.com"), undefined);
    assert.equal(await directory.identifyObject(PAYROLL_SERVICE_PRINCIPAL_ID), "servicePrincipal");
    assert.equal(await directory.identifyObject("0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"), undefined);
  });

  it("revokes by object ID only, and the read-back shows a later sessions-valid-from", async () => {
    const before = (await directory.getUser(WELL_KNOWN.bob.id))?.signInSessionsValidFromDateTime ?? null;
    await directory.revokeSignInSessions(WELL_KNOWN.bob.id);
    const after = (await directory.getUser(WELL_KNOWN.bob.id))?.signInSessionsValidFromDateTime ?? null;
    assert.ok(after !== null && (before === null || Date.parse(after) > Date.parse(before)));
    const err = await rejection(directory.revokeSignInSessions("bob.stone@contoso.com"));
    assert.equal(err.code, "GraphBadRequest");
    assert.equal(sim.requests.filter((r) => r.path.includes("bob.stone") && r.method === "POST").length, 0);
  });

  it("maps a 403 to the permission to grant", async () => {
    sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "User.RevokeSessions.All"));
    const fresh = directoryFor(sim); // a new token carries the new roles
    const err = await rejection(fresh.revokeSignInSessions(WELL_KNOWN.alice.id));
    assert.equal(err.code, "GraphForbidden");
    assert.match(err.userMessage, /User\.RevokeSessions\.All/);
    assert.match(err.userMessage, /admin consent/);
    assert.equal(err.details.status, 403);
  });

  it("maps a 404 on revoke to GraphNotFound", async () => {
    const err = await rejection(directory.revokeSignInSessions("0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"));
    assert.equal(err.code, "GraphNotFound");
  });

  it("waits out a 429's Retry-After and then succeeds", async () => {
    sim.injectFault({ method: "POST", path: /revokeSignInSessions$/, status: 429, headers: { "Retry-After": "1" } });
    const started = Date.now();
    await directory.revokeSignInSessions(WELL_KNOWN.bob.id);
    const calls = sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/revokeSignInSessions"));
    assert.deepEqual(calls.map((c) => c.status), [429, 200]);
    assert.ok(Date.now() - started >= 900, "honoured Retry-After");
  });

  it("gives up on persistent throttling with a coded, actionable error", async () => {
    sim.injectFault({ method: "POST", path: /revokeSignInSessions$/, status: 429, headers: { "Retry-After": "0" }, times: 10 });
    const err = await rejection(directory.revokeSignInSessions(WELL_KNOWN.bob.id));
    assert.equal(err.code, "GraphThrottled");
    assert.match(err.userMessage, /throttling/);
  });

  it("maps a 5xx to GraphUnavailable", async () => {
    sim.injectFault({ method: "GET", path: /\/users\//, status: 500, times: 10 });
    const err = await rejection(directory.getUser("alice@contoso.com"));
    assert.equal(err.code, "GraphUnavailable");
  });

  it("checks group membership for roles", async () => {
    assert.deepEqual((await directory.memberGroups(WELL_KNOWN.sam.id, [REVOKER_GROUP_ID, APPROVER_GROUP_ID])).sort(), [REVOKER_GROUP_ID, APPROVER_GROUP_ID].sort());
    assert.deepEqual(await directory.memberGroups(WELL_KNOWN.nina.id, [REVOKER_GROUP_ID, APPROVER_GROUP_ID]), []);
  });

  it("says the credentials are wrong when the secret is", async () => {
    const err = await rejection(directoryFor(sim, "wrong-secret").checkAccess());
    assert.equal(err.code, "GraphUnauthenticated");
    assert.match(err.userMessage, /AZURE_CLIENT_ID/);
    assert.ok(!err.userMessage.includes("wrong-secret"));
  });
});

describe("GraphDirectory: JSON batching ($batch) against the simulator", function () {
  this.timeout(20_000);
  let sim: StartedSimulator;
  let directory: GraphDirectory;
  const [alice, bob, oneil] = [WELL_KNOWN.alice, WELL_KNOWN.bob, WELL_KNOWN.oneil];
  const nobody = "10000000-0000-4000-8000-0000000fffff";

  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls() });
    directory = directoryFor(sim);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearRequests();
    sim.setRoles([...ALL_GRAPH_ROLES]);
    sim.setWriteQuota({ capacity: 3000, windowMs: 150_000 });
    sim.setBatchResponseOrder("request");
  });

  it("revokes several users in one request, answering each on its own, in the order asked whatever order Graph answers in", async () => {
    sim.setBatchResponseOrder("reverse");
    const answer = await directory.revokeMany([alice.id, nobody, bob.id]);
    assert.deepEqual(
      answer.items.map((i) => [i.userId, i.ok, i.error?.code]),
      [
        [alice.id, true, undefined],
        [nobody, false, "GraphNotFound"],
        [bob.id, true, undefined],
      ],
    );
    const envelopes = sim.requests.filter((r) => r.path === "/v1.0/$batch");
    assert.equal(envelopes.length, 1, "one round trip");
  });

  it("a throttled item carries its own Retry-After; the others succeed", async () => {
    sim.setWriteQuota({ capacity: 2, windowMs: 60_000 });
    const answer = await directory.revokeMany([alice.id, bob.id, oneil.id]);
    assert.deepEqual(answer.items.map((i) => i.ok), [true, true, false]);
    const throttled = answer.items[2];
    assert.equal(throttled?.error?.code, "GraphThrottled");
    assert.ok((throttled?.retryAfterMs ?? 0) >= 1000, `retry after ${throttled?.retryAfterMs} ms`);
    assert.equal(answer.throttled, 1);
    assert.ok((answer.throttlePercentage ?? 0) > 0.8, "the limit percentage is reported");
  });

  it("a 403 item names the permission to grant", async () => {
    sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "User.RevokeSessions.All"));
    // Roles travel in the token: a new credential gets one without the permission.
    const answer = await directoryFor(sim).revokeMany([alice.id]);
    assert.equal(answer.items[0]?.error?.code, "GraphForbidden");
    assert.match(answer.items[0]?.error?.userMessage ?? "", /User\.RevokeSessions\.All/);
  });

  it("reads users back in a batch, with the DESIGN.md fields", async () => {
    const answer = await directory.readMany([alice.id, bob.id]);
    assert.deepEqual(answer.items.map((i) => i.user?.userPrincipalName), [alice.userPrincipalName, bob.userPrincipalName]);
    assert.ok(answer.items.every((i) => i.user !== undefined && "signInSessionsValidFromDateTime" in i.user));
  });

  it("acts on object IDs only, and 20 at most", async () => {
    await assert.rejects(directory.revokeMany([alice.userPrincipalName]), /not an object ID/);
    await assert.rejects(directory.revokeMany(Array.from({ length: 21 }, () => alice.id)), RangeError);
    assert.equal(sim.requests.length, 0, "nothing was sent");
  });
});

