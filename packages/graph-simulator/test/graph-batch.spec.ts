import assert from "node:assert/strict";
import { ALL_GRAPH_ROLES, BATCH_REQUEST_LIMIT, GRAPH_ROLES, SIM_TENANT_ID, startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { JwtSigner } from "../src/jwt.js";
import { batchItemsById, call, getToken, graph, graphBatch, graphErrorOf, jwtPayload, revokeItem } from "./support/sim-client.js";

const JSON_HEADERS = { "Content-Type": "application/json" };

describe("simulator: POST /v1.0/$batch", () => {
  let sim: StartedSimulator;
  let token: string;
  let generated: string[];

  before(async () => {
    sim = await startSimulator({ userCount: 40 });
    token = await getToken(sim);
    generated = sim.tenant
      .listUsers()
      .filter((user) => user.userType === "Member")
      .slice(-30)
      .map((user) => user.id);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearRequests();
    sim.resetStats();
    sim.refillWriteQuota();
  });
  afterEach(() => {
    sim.setRoles([...ALL_GRAPH_ROLES]);
    sim.setBatchResponseOrder("request");
    sim.setFaultRates({});
    sim.setLatency(0, 0);
  });

  it("answers 200 with each item's own status, headers and body, in request order by default", async () => {
    const before = sim.tenant.userById(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime;
    const response = await graphBatch(sim, token, [
      revokeItem("1", WELL_KNOWN.alice.id),
      { id: "2", method: "GET", url: "/users/99999999-9999-4999-8999-999999999999" },
      { id: "3", method: "GET", url: "/users/alice" },
      { id: "4", method: "PATCH", url: `/users/${WELL_KNOWN.breakglass.id}`, headers: JSON_HEADERS, body: { accountEnabled: false } },
      { id: "5", method: "GET", url: `users/${WELL_KNOWN.bob.id}?$select=id,displayName` },
      { id: "6", method: "GET", url: `/users/${WELL_KNOWN.alice.id}/revokeSignInSessions` },
      { id: "7", method: "GET", url: "/me" },
    ]);
    assert.equal(response.status, 200, response.text);
    assert.match(String(response.headers["content-type"]), /^application\/json/);
    const body = response.json as { responses: { id: string }[] };
    assert.deepEqual(
      body.responses.map((item) => item.id),
      ["1", "2", "3", "4", "5", "6", "7"],
    );
    const items = batchItemsById(response);

    const revoked = items.get("1");
    assert.equal(revoked?.status, 200);
    assert.deepEqual(revoked.body, { "@odata.context": `${sim.graphBaseUrl}/$metadata#Edm.Boolean`, value: true });
    assert.match(revoked.headers["Content-Type"] ?? "", /^application\/json/);
    assert.equal(revoked.headers["Cache-Control"], "no-cache");
    assert.ok(Date.parse(sim.tenant.userById(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime ?? "") > Date.parse(before ?? ""));

    assert.equal(items.get("2")?.status, 404);
    assert.equal((items.get("2")?.body as { error: { code: string } }).error.code, "Request_ResourceNotFound");
    assert.equal(items.get("3")?.status, 400);
    const disabled = items.get("4");
    assert.equal(disabled?.status, 204);
    assert.equal(disabled.body, undefined, "a 204 item carries no body");
    assert.equal(sim.tenant.userById(WELL_KNOWN.breakglass.id)?.accountEnabled, false);
    sim.tenant.setAccountEnabled(WELL_KNOWN.breakglass.id, true);
    assert.deepEqual(items.get("5")?.body, {
      "@odata.context": `${sim.graphBaseUrl}/$metadata#users(id,displayName)/$entity`,
      id: WELL_KNOWN.bob.id,
      displayName: "Bob Stone",
    });
    assert.equal(items.get("6")?.status, 405);
    assert.equal(items.get("7")?.status, 400);
    const error = (items.get("7")?.body as { error: { message: string; innerError: Record<string, string> } }).error;
    assert.equal(error.message, "Resource not found for the segment 'me'.");
    assert.equal(error.innerError["client-request-id"], response.headers["client-request-id"], "items correlate with the envelope");
  });

  it("records the envelope and then each item, marked with its id and the envelope's request id", async () => {
    const response = await graphBatch(sim, token, [
      revokeItem("a", WELL_KNOWN.bob.id),
      { id: "b", method: "GET", url: `/users?$filter=${encodeURIComponent("department eq 'Sales'")}&$select=id` },
    ]);
    assert.equal(response.status, 200);
    const [envelope, revoke, list, ...rest] = sim.requests;
    assert.equal(rest.length, 0);
    assert.ok(envelope && revoke && list);
    assert.equal(envelope.path, "/v1.0/$batch");
    assert.equal(envelope.batch, undefined);
    assert.equal(envelope.status, 200);
    assert.equal(envelope.requestId, response.headers["request-id"]);
    assert.deepEqual(revoke.batch, { itemId: "a", envelopeRequestId: envelope.requestId });
    assert.equal(revoke.method, "POST");
    assert.equal(revoke.path, `/v1.0/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`);
    assert.deepEqual(revoke.body, {});
    assert.equal(revoke.status, 200);
    assert.equal(revoke.authenticated, true);
    assert.notEqual(revoke.requestId, envelope.requestId);
    assert.equal(list.path, "/v1.0/users");
    assert.deepEqual(list.query, { $filter: "department eq 'Sales'", $select: "id" });
    // Filtering on the path still finds batched revocations.
    assert.equal(sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 1);
    assert.deepEqual(sim.stats().batches, { envelopes: 1, items: 2 });
  });

  it(`takes ${BATCH_REQUEST_LIMIT} requests and refuses ${BATCH_REQUEST_LIMIT + 1} with Graph's 400, running none`, async () => {
    const full = await graphBatch(
      sim,
      token,
      generated.slice(0, BATCH_REQUEST_LIMIT).map((id, i) => revokeItem(String(i + 1), id)),
    );
    assert.equal(batchItemsById(full).size, BATCH_REQUEST_LIMIT);
    assert.ok([...batchItemsById(full).values()].every((item) => item.status === 200));

    sim.clearRequests();
    const writesBefore = sim.stats().writeQuota.writesAccepted;
    const tooMany = await graphBatch(
      sim,
      token,
      generated.slice(0, BATCH_REQUEST_LIMIT + 1).map((id, i) => revokeItem(String(i + 1), id)),
    );
    assert.equal(tooMany.status, 400);
    const error = graphErrorOf(tooMany);
    assert.equal(error.code, "BadRequest");
    assert.match(error.message, /Number of requests inside batch exceeds the limit/);
    assert.equal(error.innerError["request-id"], tooMany.headers["request-id"]);
    assert.equal(sim.requests.length, 1, "only the envelope is recorded");
    assert.equal(sim.stats().writeQuota.writesAccepted, writesBefore);
  });

  it("refuses malformed envelopes as a whole", async () => {
    const cases: [unknown, RegExp][] = [
      [[{ id: "1", method: "POST", url: `/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`, body: {} }], /^Write request id : 1 does not contain Content-Type header or body\.$/],
      [[{ id: "1", method: "POST", url: `/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`, headers: JSON_HEADERS }], /Write request id : 1/],
      [[revokeItem("x", WELL_KNOWN.bob.id), revokeItem("X", WELL_KNOWN.val.id)], /request id 'X' is used more than once/],
      [[{ ...revokeItem("1", WELL_KNOWN.bob.id), dependsOn: ["0"] }], /dependsOn/],
      [[{ id: "1", method: "GET", url: `${sim.graphBaseUrl}/users` }], /relative/],
      [[{ id: "1", method: "TRACE", url: "/users" }], /method/],
      [[{ method: "GET", url: "/users" }], /'id'/],
      [[], /empty/],
    ];
    for (const [requests, message] of cases) {
      const response = await graphBatch(sim, token, requests as unknown[]);
      assert.equal(response.status, 400, JSON.stringify(requests));
      assert.match(graphErrorOf(response).message, message);
    }
    const notJson = await graph(sim, token, "/$batch", { method: "POST", headers: { "content-type": "application/json" }, body: "{requests:" });
    assert.equal(notJson.status, 400);
    const noRequests = await graph(sim, token, "/$batch", { method: "POST", body: { value: [] } });
    assert.equal(noRequests.status, 400);
    assert.equal((await graph(sim, token, "/$batch")).status, 405);
    assert.equal(sim.tenant.userById(WELL_KNOWN.bob.id)?.accountEnabled, true);
    assert.equal(sim.stats().batches.envelopes, 0);
  });

  it("authenticates the envelope once: no token or a forged one is a 401 and no item runs", async () => {
    const requests = [revokeItem("1", WELL_KNOWN.val.id)];
    const before = sim.tenant.userById(WELL_KNOWN.val.id)?.signInSessionsValidFromDateTime;
    const anonymous = await call(sim, "/v1.0/$batch", { method: "POST", body: { requests } });
    assert.equal(anonymous.status, 401);
    assert.equal(graphErrorOf(anonymous).code, "InvalidAuthenticationToken");
    const forger = await JwtSigner.generate();
    const forged = await graphBatch(sim, forger.sign(jwtPayload(token)), requests);
    assert.equal(forged.status, 401);
    assert.equal(sim.tenant.userById(WELL_KNOWN.val.id)?.signInSessionsValidFromDateTime, before);
    assert.deepEqual(
      sim.requests.map((r) => [r.path, r.status, r.authenticated]),
      [
        ["/v1.0/$batch", 401, false],
        ["/v1.0/$batch", 401, false],
      ],
    );
  });

  it("checks permissions per item: a read-only token reads but gets 403 on each write", async () => {
    sim.setRoles([GRAPH_ROLES.userReadAll]);
    const readOnly = await getToken(sim);
    const before = sim.tenant.userById(WELL_KNOWN.nina.id)?.signInSessionsValidFromDateTime;
    const items = batchItemsById(
      await graphBatch(sim, readOnly, [
        { id: "read", method: "GET", url: `/users/${WELL_KNOWN.nina.id}?$select=id` },
        revokeItem("revoke", WELL_KNOWN.nina.id),
        { id: "disable", method: "PATCH", url: `/users/${WELL_KNOWN.nina.id}`, headers: JSON_HEADERS, body: { accountEnabled: false } },
      ]),
    );
    assert.equal(items.get("read")?.status, 200);
    for (const id of ["revoke", "disable"]) {
      assert.equal(items.get(id)?.status, 403, id);
      assert.equal((items.get(id)?.body as { error: { code: string } }).error.code, "Authorization_RequestDenied");
    }
    assert.equal(sim.tenant.userById(WELL_KNOWN.nina.id)?.signInSessionsValidFromDateTime, before);
    assert.equal(sim.stats().writeQuota.writesAccepted, 0, "a refused write takes no quota");
  });

  it("applies injected faults and random 5xx to items, leaving the envelope 200", async () => {
    sim.injectFault({ method: "POST", path: new RegExp(`${WELL_KNOWN.val.id}/revokeSignInSessions$`), status: 429 });
    const items = batchItemsById(
      await graphBatch(sim, token, [revokeItem("1", WELL_KNOWN.bob.id), revokeItem("2", WELL_KNOWN.val.id)]),
    );
    assert.equal(items.get("1")?.status, 200);
    assert.equal(items.get("2")?.status, 429);
    assert.equal(items.get("2")?.headers["Retry-After"], "1");

    sim.setFaultRates({ status5xx: 1 });
    const failing = await graphBatch(sim, token, [revokeItem("1", WELL_KNOWN.bob.id), { id: "2", method: "GET", url: "/users?$top=1" }]);
    assert.equal(failing.status, 200);
    for (const item of batchItemsById(failing).values()) {
      assert.ok(item.status >= 500 && item.status <= 504, String(item.status));
    }
    assert.equal(sim.stats().faults.status5xx, 2);
  });

  it("can return items reversed or shuffled, so clients must match responses by id", async () => {
    const requests = generated.slice(0, 12).map((id, i) => ({ id: `r${i}`, method: "GET", url: `/users/${id}?$select=id` }));
    const idsOf = async () => ((await graphBatch(sim, token, requests)).json as { responses: { id: string }[] }).responses.map((r) => r.id);
    const inOrder = requests.map((r) => r.id);

    assert.deepEqual(await idsOf(), inOrder);
    sim.setBatchResponseOrder("reverse");
    assert.deepEqual(await idsOf(), [...inOrder].reverse());
    sim.setBatchResponseOrder("shuffle");
    const shuffled = await idsOf();
    assert.notDeepEqual(shuffled, inOrder);
    assert.deepEqual([...shuffled].sort(), [...inOrder].sort());
    assert.throws(() => sim.setBatchResponseOrder("random" as "shuffle"), /batchResponseOrder/);

    // Whatever the order, every body still belongs to its id.
    const items = batchItemsById(await graphBatch(sim, token, requests));
    requests.forEach((request, i) => assert.equal((items.get(request.id)?.body as { id: string }).id, generated[i]));
  });

  it("runs items in parallel: a slow 20-item batch costs about one slow item, not twenty", async () => {
    sim.setFaultRates({ slowRate: 1, slowMs: 150 });
    const started = Date.now();
    const response = await graphBatch(
      sim,
      token,
      generated.slice(0, 20).map((id, i) => ({ id: String(i), method: "GET", url: `/users/${id}?$select=id` })),
    );
    const elapsed = Date.now() - started;
    assert.equal(batchItemsById(response).size, 20);
    assert.ok(elapsed >= 140, `at least one slow item: ${elapsed} ms`);
    assert.ok(elapsed < 20 * 150 * 0.5, `items must not run one after another: ${elapsed} ms`);
    assert.equal(sim.stats().faults.slow, 20);
  });

  it("pays the base latency once per envelope", async () => {
    sim.setLatency(120);
    const started = Date.now();
    await graphBatch(sim, token, generated.slice(0, 20).map((id, i) => ({ id: String(i), method: "GET", url: `/users/${id}?$select=id` })));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 110 && elapsed < 20 * 120 * 0.5, `${elapsed} ms`);
  });

  describe("with a small write quota", () => {
    let small: StartedSimulator;
    let smallToken: string;
    let now = Date.parse("2026-03-01T12:00:00Z");

    before(async () => {
      small = await startSimulator({ userCount: 10, writeQuota: { capacity: 3, windowMs: 30_000, clock: () => now } });
      smallToken = await getToken(small);
    });
    after(async () => {
      await small.close();
    });

    it("throttles the items beyond the quota with their own Retry-After, inside a 200 envelope", async () => {
      const ids = small.tenant.listUsers().slice(0, 5).map((user) => user.id);
      const response = await graphBatch(small, smallToken, [
        ...ids.map((id, i) => revokeItem(String(i + 1), id)),
        { id: "read", method: "GET", url: `/users/${ids[0]}?$select=id` },
      ]);
      assert.equal(response.status, 200);
      assert.equal(response.headers["retry-after"], undefined, "the envelope itself is not throttled");
      const items = batchItemsById(response);
      const statuses = ids.map((_, i) => items.get(String(i + 1))?.status);
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      assert.equal(items.get("read")?.status, 200, "reads do not take write quota");
      const throttled = items.get("4");
      assert.equal(throttled?.headers["Retry-After"], "10");
      assert.equal(throttled.headers["x-ms-throttle-scope"], `Tenant_Application/Write/${small.clientId}/${SIM_TENANT_ID}`);
      assert.equal(throttled.headers["x-ms-throttle-limit-percentage"], "1.33");
      assert.equal((throttled.body as { error: { code: string } }).error.code, "TooManyRequests");
      assert.equal(items.get("3")?.headers["x-ms-throttle-limit-percentage"], "1", "successful writes above 80% carry the header");
      assert.deepEqual(
        small.requests.filter((r) => r.batch).map((r) => r.status),
        [200, 200, 200, 429, 429, 200],
      );
      const { writeQuota } = small.stats();
      assert.equal(writeQuota.writesAccepted, 3);
      assert.equal(writeQuota.throttledInBatch, 2);
      assert.equal(writeQuota.throttled, 0);

      now += 10_000;
      const retried = batchItemsById(await graphBatch(small, smallToken, [revokeItem("4", ids[3] ?? "")]));
      assert.equal(retried.get("4")?.status, 200, "one token is back after Retry-After");
    });
  });
});
