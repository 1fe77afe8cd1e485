import assert from "node:assert/strict";
import { JwtSigner } from "../src/jwt.js";
import { startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { call, getToken, graph, graphErrorOf, jwtPayload } from "./support/sim-client.js";

describe("simulator: Graph authentication, faults, latency and request log", () => {
  let sim: StartedSimulator;
  let token: string;

  before(async () => {
    sim = await startSimulator({ userCount: 10 });
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearRequests();
    sim.setLatency(0);
  });

  const userPath = `/users/${WELL_KNOWN.alice.id}?$select=id`;

  describe("authentication", () => {
    it("401s a request without a token: 'Access token is empty.'", async () => {
      const response = await call(sim, `/v1.0${userPath}`);
      assert.equal(response.status, 401);
      const error = graphErrorOf(response);
      assert.equal(error.code, "InvalidAuthenticationToken");
      assert.equal(error.message, "Access token is empty.");
      assert.ok(typeof response.headers["www-authenticate"] === "string");
      assert.ok(typeof response.headers["request-id"] === "string");
    });

    it("401s a token with the right claims signed by another key", async () => {
      const forger = await JwtSigner.generate();
      const forged = forger.sign(jwtPayload(token));
      const response = await graph(sim, forged, userPath);
      assert.equal(response.status, 401);
      const error = graphErrorOf(response);
      assert.equal(error.code, "InvalidAuthenticationToken");
      assert.match(error.message, /validation failed/);
    });

    it("401s garbage in the Authorization header", async () => {
      const response = await graph(sim, "not.a.jwt", userPath);
      assert.equal(response.status, 401);
      assert.match(graphErrorOf(response).message, /validation failed/);
    });

    it("checks the token before anything else, even on unknown routes", async () => {
      assert.equal((await call(sim, "/v1.0/groups")).status, 401);
    });
  });

  describe("routing", () => {
    it("400s an unknown segment the way Graph does", async () => {
      const response = await graph(sim, token, "/me/foo");
      assert.equal(response.status, 400);
      const error = graphErrorOf(response);
      assert.equal(error.code, "BadRequest");
      assert.equal(error.message, "Resource not found for the segment 'me'.");
      const action = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}/frobnicate`, { method: "POST" });
      assert.equal(graphErrorOf(action).message, "Resource not found for the segment 'frobnicate'.");
    });

    it("404s paths outside /v1.0 and Entra", async () => {
      assert.equal((await call(sim, "/beta/users")).status, 404);
    });

    it("400s malformed JSON on an action", async () => {
      const response = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}/checkMemberGroups`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      assert.equal(response.status, 400);
      assert.equal(graphErrorOf(response).code, "BadRequest");
    });
  });

  describe("injected faults", () => {
    it("answers a 429 with Retry-After: 1 and a Graph error, once, then recovers", async () => {
      const before = sim.tenant.userByKey(WELL_KNOWN.bob.id)?.signInSessionsValidFromDateTime;
      sim.injectFault({ method: "POST", path: /\/revokeSignInSessions$/, status: 429 });
      const path = `/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`;
      const throttled = await graph(sim, token, path, { method: "POST" });
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers["retry-after"], "1");
      assert.equal(graphErrorOf(throttled).code, "TooManyRequests");
      assert.equal(sim.tenant.userByKey(WELL_KNOWN.bob.id)?.signInSessionsValidFromDateTime, before, "a faulted write changes nothing");

      const retried = await graph(sim, token, path, { method: "POST" });
      assert.equal(retried.status, 200);
      assert.deepEqual(
        sim.requests.map((request) => [request.method, request.status]),
        [
          ["POST", 429],
          ["POST", 200],
        ],
      );
    });

    it("sends a given body and headers, `times` times, only to matching method and path", async () => {
      sim.injectFault({
        method: "GET",
        path: /^\/v1\.0\/users\//,
        status: 503,
        body: { error: { code: "serviceNotAvailable", message: "try later" } },
        headers: { "Retry-After": "7" },
        times: 2,
      });
      const post = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}/revokeSignInSessions`, { method: "POST" });
      assert.equal(post.status, 200, "a POST does not match a GET fault");
      for (let i = 0; i < 2; i++) {
        const failed = await graph(sim, token, userPath);
        assert.equal(failed.status, 503);
        assert.equal(failed.headers["retry-after"], "7");
        assert.equal(graphErrorOf(failed).code, "serviceNotAvailable");
      }
      assert.equal((await graph(sim, token, userPath)).status, 200);
    });

    it("applies after authentication: an unauthenticated request does not consume the fault", async () => {
      sim.injectFault({ path: /\/users\//, status: 500 });
      assert.equal((await call(sim, `/v1.0${userPath}`)).status, 401);
      assert.equal((await graph(sim, token, userPath)).status, 500);
      assert.equal((await graph(sim, token, userPath)).status, 200);
    });

    it("can fail the token endpoint too, with an Entra-shaped error", async () => {
      sim.injectFault({ method: "POST", path: /\/oauth2\/v2\.0\/token$/, status: 503 });
      await assert.rejects(getToken(sim), /503/);
      assert.ok((await getToken(sim)).length > 0);
    });
  });

  describe("latency", () => {
    it("delays Graph responses by the configured time", async () => {
      sim.setLatency(150);
      const started = Date.now();
      await graph(sim, token, userPath);
      assert.ok(Date.now() - started >= 140);
    });
  });

  describe("lifecycle", () => {
    it("close() can be called twice", async () => {
      const other = await startSimulator({ userCount: 0 });
      await Promise.all([other.close(), other.close()]);
      await other.close();
    });
  });

  describe("request log", () => {
    it("records method, decoded path, query, body, status, time and whether it was authenticated", async () => {
      const first = await call(sim, `/v1.0${userPath}`);
      await graph(sim, token, `/users('${WELL_KNOWN.dollar.userPrincipalName}')/checkMemberGroups`, {
        method: "POST",
        body: { groupIds: [] },
      });
      await getToken(sim);
      const [unauthenticated, action, tokenRequest] = sim.requests;
      assert.ok(unauthenticated && action && tokenRequest);
      assert.deepEqual(
        { ...unauthenticated, at: undefined },
        {
          method: "GET",
          path: `/v1.0/users/${WELL_KNOWN.alice.id}`,
          query: { $select: "id" },
          body: null,
          status: 401,
          at: undefined,
          authenticated: false,
          requestId: first.headers["request-id"],
        },
      );
      assert.ok(!Number.isNaN(Date.parse(unauthenticated.at)));
      assert.equal(action.path, "/v1.0/users('$svc-backup@contoso.com')/checkMemberGroups");
      assert.deepEqual(action.body, { groupIds: [] });
      assert.equal(action.status, 200);
      assert.equal(action.authenticated, true);
      assert.equal(tokenRequest.authenticated, true);
      assert.equal((tokenRequest.body as Record<string, string>).client_secret, "[redacted]");
    });

    it("clearRequests empties the same array in place", async () => {
      const log = sim.requests;
      await graph(sim, token, userPath);
      assert.equal(log.length, 1);
      sim.clearRequests();
      assert.equal(sim.requests, log);
      assert.equal(log.length, 0);
    });
  });
});
