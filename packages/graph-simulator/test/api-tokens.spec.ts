import assert from "node:assert/strict";
import {
  PAYROLL_APP_ID,
  PAYROLL_CLIENT_SECRET,
  REPORTING_APP_ID,
  REPORTING_CLIENT_SECRET,
  SENTINEL_APP_ID,
  SENTINEL_CLIENT_SECRET,
  startSimulator,
  type StartedSimulator,
} from "../src/index.js";
import { call, jwtPayload, requestToken } from "./support/sim-client.js";

describe("simulator: tokens for the bot's API (app roles granted in the tenant)", () => {
  let sim: StartedSimulator;
  before(async () => {
    sim = await startSimulator({ userCount: 5 });
  });
  after(async () => {
    await sim.close();
  });

  const form = (clientId: string, secret: string, scope: string) => ({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope });
  const issued = async (clientId: string, secret: string, scope: string) => {
    const res = await requestToken(sim, form(clientId, secret, scope));
    assert.equal(res.status, 200, res.text);
    return jwtPayload((res.json as { access_token: string }).access_token);
  };

  it("a v1.0 token for api://<client id>: audience as requested, sts.windows.net issuer, the granted roles, the app's name", async () => {
    const claims = await issued(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${sim.clientId}/.default`);
    assert.equal(claims.aud, `api://${sim.clientId}`);
    assert.equal(claims.iss, `https://sts.windows.net/${sim.tenantId}/`);
    assert.equal(claims.appid, SENTINEL_APP_ID);
    assert.equal(claims.tid, sim.tenantId);
    assert.equal(claims.ver, "1.0");
    assert.deepEqual(claims.roles, ["Revocation.Request"]);
    assert.equal(claims.app_displayname, "Contoso Sentinel Playbook");
    assert.equal(claims.scp, undefined);
    assert.deepEqual((await issued(REPORTING_APP_ID, REPORTING_CLIENT_SECRET, `${sim.clientId}/.default`)).roles, ["Revocation.Read"]);
  });

  it("no roles claim without a grant; a grant made later shows in the next token, and a removed one goes", async () => {
    assert.equal((await issued(PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET, `api://${sim.clientId}/.default`)).roles, undefined);
    sim.tenant.assignAppRole(PAYROLL_APP_ID, sim.clientId, "Revocation.Read");
    assert.deepEqual((await issued(PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET, `api://${sim.clientId}/.default`)).roles, ["Revocation.Read"]);
    sim.tenant.unassignAppRole(PAYROLL_APP_ID, sim.clientId, "Revocation.Read");
    assert.equal((await issued(PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET, `api://${sim.clientId}/.default`)).roles, undefined);
    assert.throws(() => sim.tenant.assignAppRole(PAYROLL_APP_ID, sim.clientId, "Revocation.Everything"), /defines no application role/);
  });

  it("a v2.0 token when the API asks for them: audience the client ID, the v2.0 issuer, azp", async () => {
    const app = sim.tenant.applicationByAppId(sim.clientId);
    assert.ok(app !== undefined);
    (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = 2;
    try {
      const claims = await issued(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${sim.clientId}/.default`);
      assert.equal(claims.aud, sim.clientId);
      assert.equal(claims.iss, `${sim.url}/${sim.tenantId}/v2.0`);
      assert.equal(claims.azp, SENTINEL_APP_ID);
      assert.equal(claims.ver, "2.0");
    } finally {
      (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = null;
    }
  });

  it("idtyp only when the API's registration asks for it as an optional access token claim, in v1.0 and v2.0 tokens", async () => {
    const app = sim.tenant.applicationByAppId(sim.clientId);
    assert.ok(app !== undefined);
    const saved = app.optionalClaims;
    try {
      for (const version of [1, 2] as const) {
        (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = version;
        (app as { optionalClaims?: unknown }).optionalClaims = { accessToken: [{ name: "idtyp" }] };
        assert.equal((await issued(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${sim.clientId}/.default`)).idtyp, "app");
        (app as { optionalClaims?: unknown }).optionalClaims = undefined;
        assert.equal((await issued(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${sim.clientId}/.default`)).idtyp, undefined);
      }
    } finally {
      (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = null;
      (app as { optionalClaims?: unknown }).optionalClaims = saved;
    }
  });

  it("refuses a wrong secret (7000215) and an API the tenant does not have (500011)", async () => {
    const wrong = await requestToken(sim, form(SENTINEL_APP_ID, "nope", `api://${sim.clientId}/.default`));
    assert.equal(wrong.status, 401);
    assert.deepEqual((wrong.json as { error_codes: number[] }).error_codes, [7000215]);
    const unknown = await requestToken(sim, form(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, "api://00000000-0000-4000-8000-00000000dead/.default"));
    assert.equal(unknown.status, 400);
    assert.deepEqual((unknown.json as { error_codes: number[] }).error_codes, [500011]);
  });

  it("serves the v1.0 OpenID configuration with the v1.0 issuer and the same keys", async () => {
    const v1 = (await call(sim, `/${sim.tenantId}/.well-known/openid-configuration`)).json as { issuer: string; jwks_uri: string };
    assert.equal(v1.issuer, `https://sts.windows.net/${sim.tenantId}/`);
    const keys = (await call(sim, new URL(v1.jwks_uri).pathname)).json as { keys: Array<{ kid: string }> };
    const v2keys = (await call(sim, `/${sim.tenantId}/discovery/v2.0/keys`)).json as { keys: Array<{ kid: string }> };
    assert.deepEqual(keys.keys.map((k) => k.kid), v2keys.keys.map((k) => k.kid));
  });
});
