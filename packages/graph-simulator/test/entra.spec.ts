import assert from "node:assert/strict";
import { JwtSigner } from "../src/jwt.js";
import { GRAPH_ROLES, startSimulator } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { call, jwtPayload, requestToken } from "./support/sim-client.js";

interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
}

function entraError(json: unknown): EntraErrorBody {
  return json as EntraErrorBody;
}

describe("simulator: Entra ID endpoints", () => {
  let sim: StartedSimulator;

  before(async () => {
    sim = await startSimulator({ userCount: 5 });
  });
  after(async () => {
    await sim.close();
  });

  const goodForm = () => ({
    grant_type: "client_credentials",
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    scope: "https://graph.microsoft.com/.default",
  });

  it("serves the v2.0 OpenID configuration MSAL reads, naming the simulator's host", async () => {
    const response = await call(sim, `/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const doc = response.json as Record<string, unknown>;
    assert.equal(doc.issuer, `${sim.url}/${sim.tenantId}/v2.0`);
    assert.equal(doc.token_endpoint, `${sim.url}/${sim.tenantId}/oauth2/v2.0/token`);
    assert.equal(doc.authorization_endpoint, `${sim.url}/${sim.tenantId}/oauth2/v2.0/authorize`);
    assert.equal(doc.jwks_uri, `${sim.url}/${sim.tenantId}/discovery/v2.0/keys`);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ["RS256"]);
    assert.ok(Array.isArray(doc.response_types_supported));
    assert.ok(Array.isArray(doc.subject_types_supported));
    assert.equal(doc.tenant_region_scope, "NA");
    assert.ok(typeof response.headers["request-id"] === "string");
  });

  it("names the host the client used, so MSAL's issuer check passes for localhost as well as 127.0.0.1", async () => {
    const port = new URL(sim.url).port;
    const response = await call(sim, `/${sim.tenantId}/v2.0/.well-known/openid-configuration`, {
      headers: { host: `localhost:${port}` },
    });
    assert.equal((response.json as { issuer: string }).issuer, `https://localhost:${port}/${sim.tenantId}/v2.0`);
  });

  it("answers the OpenID configuration for a tenant domain with the tenant's GUID endpoints", async () => {
    const response = await call(sim, "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration");
    assert.equal(response.status, 200);
    assert.equal((response.json as { issuer: string }).issuer, `${sim.url}/${sim.tenantId}/v2.0`);
  });

  it("refuses the OpenID configuration of an unknown tenant with AADSTS90002", async () => {
    const response = await call(sim, "/11111111-2222-4333-8444-555555555555/v2.0/.well-known/openid-configuration");
    assert.equal(response.status, 400);
    const body = entraError(response.json);
    assert.deepEqual(body.error_codes, [90002]);
    assert.match(body.error_description, /^AADSTS90002: Tenant '11111111-2222-4333-8444-555555555555' not found/);
  });

  it("publishes the signing key whose kid the issued tokens carry", async () => {
    const keys = await call(sim, `/${sim.tenantId}/discovery/v2.0/keys`);
    assert.equal(keys.status, 200);
    const [key] = (keys.json as { keys: { kid: string; kty: string; n: string; e: string }[] }).keys;
    assert.ok(key);
    assert.equal(key.kty, "RSA");
    const token = await requestToken(sim, goodForm());
    const accessToken = (token.json as { access_token: string }).access_token;
    const header = JSON.parse(Buffer.from(accessToken.split(".")[0] ?? "", "base64url").toString()) as { kid: string; alg: string };
    assert.equal(header.alg, "RS256");
    assert.equal(header.kid, key.kid);
  });

  it("answers instance discovery with the simulator's host as the only alias", async () => {
    const authorize = encodeURIComponent(`${sim.url}/${sim.tenantId}/oauth2/v2.0/authorize`);
    const response = await call(sim, `/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`);
    assert.equal(response.status, 200);
    const body = response.json as { tenant_discovery_endpoint: string; metadata: { aliases: string[] }[] };
    assert.equal(body.tenant_discovery_endpoint, `${sim.url}/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
    assert.deepEqual(body.metadata[0]?.aliases, [new URL(sim.url).host]);
  });

  it("issues a Graph access token for the right client secret, with the current roles", async () => {
    const response = await requestToken(sim, goodForm());
    assert.equal(response.status, 200);
    const body = response.json as Record<string, unknown>;
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 3599);
    assert.equal(body.ext_expires_in, 3599);
    const claims = jwtPayload(String(body.access_token));
    assert.equal(claims.aud, "https://graph.microsoft.com");
    assert.equal(claims.iss, `https://sts.windows.net/${sim.tenantId}/`);
    assert.equal(claims.tid, sim.tenantId);
    assert.equal(claims.appid, sim.clientId);
    assert.equal(claims.azp, sim.clientId);
    assert.equal(claims.appidacr, "1");
    assert.ok(typeof claims.oid === "string");
    assert.ok(Array.isArray(claims.roles) && claims.roles.includes(GRAPH_ROLES.userRevokeSessionsAll));
    const { iat, exp, nbf } = claims as { iat: number; exp: number; nbf: number };
    assert.equal(exp - iat, 3599);
    assert.ok(nbf <= iat);
  });

  it("accepts the tenant's domain name in place of its id, and the simulator's own Graph URL as the scope", async () => {
    const byDomain = await requestToken(sim, goodForm(), "contoso.com");
    assert.equal(byDomain.status, 200);
    assert.equal(jwtPayload((byDomain.json as { access_token: string }).access_token).tid, sim.tenantId);
    const ownScope = await requestToken(sim, { ...goodForm(), scope: `${sim.graphBaseUrl}/.default` });
    assert.equal(ownScope.status, 200);
    const originScope = await requestToken(sim, { ...goodForm(), scope: `${sim.url}/.default` });
    assert.equal(originScope.status, 200);
  });

  it("accepts client_secret_basic as well as client_secret_post", async () => {
    const form: Record<string, string> = { grant_type: "client_credentials", scope: "https://graph.microsoft.com/.default" };
    const basic = Buffer.from(`${sim.clientId}:${encodeURIComponent(sim.clientSecret)}`).toString("base64");
    const response = await call(sim, `/${sim.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
      body: new URLSearchParams(form).toString(),
    });
    assert.equal(response.status, 200, response.text);
  });

  it("refuses a wrong client secret with 401 invalid_client AADSTS7000215, shaped like Entra", async () => {
    const response = await requestToken(sim, { ...goodForm(), client_secret: "not-the-secret" }, sim.tenantId);
    assert.equal(response.status, 401);
    const body = entraError(response.json);
    assert.equal(body.error, "invalid_client");
    assert.deepEqual(body.error_codes, [7000215]);
    assert.match(body.error_description, /^AADSTS7000215: Invalid client secret provided\./);
    assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    assert.ok(body.trace_id.length > 0);
    assert.ok(body.correlation_id.length > 0);
    assert.ok(!response.text.includes(sim.clientSecret), "the error must not echo a secret");
  });

  it("echoes the client-request-id as the correlation id", async () => {
    const response = await call(sim, `/${sim.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "client-request-id": "corr-123" },
      body: new URLSearchParams({ ...goodForm(), client_secret: "wrong" }).toString(),
    });
    assert.equal(entraError(response.json).correlation_id, "corr-123");
    assert.equal(response.headers["client-request-id"], "corr-123");
  });

  it("refuses an unknown tenant with 400 AADSTS90002", async () => {
    const response = await requestToken(sim, goodForm(), "fabrikam.com");
    assert.equal(response.status, 400);
    const body = entraError(response.json);
    assert.deepEqual(body.error_codes, [90002]);
    assert.match(body.error_description, /^AADSTS90002: Tenant 'fabrikam.com' not found/);
  });

  it("refuses an unknown client id, a missing credential, a bad grant and bad scopes", async () => {
    const unknownClient = await requestToken(sim, { ...goodForm(), client_id: "99999999-9999-4999-8999-999999999999" });
    assert.equal(unknownClient.status, 400);
    assert.deepEqual(entraError(unknownClient.json).error_codes, [700016]);

    const noCredential: Record<string, string> = goodForm();
    delete noCredential.client_secret;
    const missing = await requestToken(sim, noCredential);
    assert.equal(missing.status, 401);
    assert.deepEqual(entraError(missing.json).error_codes, [7000216]);

    const badGrant = await requestToken(sim, { ...goodForm(), grant_type: "password" });
    assert.equal(badGrant.status, 400);
    assert.equal(entraError(badGrant.json).error, "unsupported_grant_type");

    const notDefault = await requestToken(sim, { ...goodForm(), scope: "User.Read.All" });
    assert.equal(notDefault.status, 400);
    assert.deepEqual(entraError(notDefault.json).error_codes, [1002012]);

    const otherResource = await requestToken(sim, { ...goodForm(), scope: "https://management.azure.com/.default" });
    assert.equal(otherResource.status, 400);
    assert.deepEqual(entraError(otherResource.json).error_codes, [500011]);

    const notForm = await call(sim, `/${sim.tenantId}/oauth2/v2.0/token`, { method: "POST", body: goodForm() });
    assert.equal(notForm.status, 400);
    assert.deepEqual(entraError(notForm.json).error_codes, [900144]);
  });

  describe("client assertions (certificate credentials)", () => {
    let signer: JwtSigner;
    before(async () => {
      signer = await JwtSigner.generate();
    });

    const assertionForm = (claims: Record<string, unknown>) => ({
      grant_type: "client_credentials",
      client_id: sim.clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: signer.sign(claims),
      scope: "https://graph.microsoft.com/.default",
    });
    const now = () => Math.floor(Date.now() / 1000);

    it("accepts a well-formed assertion for this client and token endpoint", async () => {
      const response = await requestToken(
        sim,
        assertionForm({
          iss: sim.clientId,
          sub: sim.clientId,
          aud: `${sim.url}/${sim.tenantId}/oauth2/v2.0/token`,
          exp: now() + 600,
          nbf: now(),
          jti: "1",
        }),
      );
      assert.equal(response.status, 200, response.text);
      assert.equal(jwtPayload((response.json as { access_token: string }).access_token).appidacr, "2");
    });

    it("refuses an assertion for another client, another audience, or an expired one", async () => {
      const base = { iss: sim.clientId, sub: sim.clientId, aud: `${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, exp: now() + 600 };
      const otherClient = await requestToken(sim, assertionForm({ ...base, iss: "someone-else" }));
      assert.equal(otherClient.status, 401);
      assert.deepEqual(entraError(otherClient.json).error_codes, [700021]);

      const otherAudience = await requestToken(sim, assertionForm({ ...base, aud: "https://login.microsoftonline.com/x/oauth2/v2.0/token" }));
      assert.equal(otherAudience.status, 401);

      const expired = await requestToken(sim, assertionForm({ ...base, exp: now() - 3600 }));
      assert.equal(expired.status, 401);
      assert.deepEqual(entraError(expired.json).error_codes, [700024]);

      const malformed = await requestToken(sim, { ...assertionForm(base), client_assertion: "not-a-jwt" });
      assert.equal(malformed.status, 400);
      assert.deepEqual(entraError(malformed.json).error_codes, [50027]);
    });
  });
});
