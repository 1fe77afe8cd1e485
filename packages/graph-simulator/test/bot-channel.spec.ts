import assert from "node:assert/strict";
import { startSimulator, type StartedSimulator } from "../src/index.js";
import { trustedSimulatorTls } from "../src/trusted-run.js";

describe("simulator: the Bot Framework channel", () => {
  let sim: StartedSimulator;
  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls(), userCount: 0 });
  });
  after(() => sim.close());

  const tokenRequest = (form: Record<string, string>) =>
    fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", ...form }),
    });

  it("serves the channel's OpenID metadata and keys, each key with its endorsements", async () => {
    const metadata = (await (await fetch(sim.channel.openIdMetadataUrl)).json()) as { issuer: string; jwks_uri: string };
    assert.equal(metadata.issuer, sim.channel.issuer);
    const { keys } = (await (await fetch(metadata.jwks_uri)).json()) as { keys: Array<{ kid: string; n: string; e: string; endorsements: string[] }> };
    assert.equal(keys.length, 2);
    assert.deepEqual(keys.find((k) => k.kid === sim.channel.keyId)?.endorsements, ["msteams"]);
    assert.ok(keys.every((k) => typeof k.n === "string" && typeof k.e === "string"));
    assert.ok(!keys.some((k) => k.kid !== sim.channel.keyId && k.endorsements.includes("msteams")));
  });

  it("issues the bot registration a connector token that the connector check accepts", async () => {
    const { registration } = sim.channel;
    const res = await tokenRequest({ client_id: registration.appId, client_secret: registration.password, scope: `${registration.connectorScope}/.default` });
    assert.equal(res.status, 200);
    const { access_token } = (await res.json()) as { access_token: string };
    const check = sim.channel.checkConnectorToken(`Bearer ${access_token}`);
    assert.ok(check.valid, JSON.stringify(check));
  });

  it("refuses the bot registration a wrong secret or another scope, and the connector refuses a Graph token", async () => {
    const { registration } = sim.channel;
    assert.equal((await tokenRequest({ client_id: registration.appId, client_secret: "wrong", scope: `${registration.connectorScope}/.default` })).status, 401);
    assert.equal((await tokenRequest({ client_id: registration.appId, client_secret: registration.password, scope: "https://graph.microsoft.com/.default" })).status, 400);
    const graph = await tokenRequest({ client_id: sim.clientId, client_secret: sim.clientSecret, scope: "https://graph.microsoft.com/.default" });
    const { access_token } = (await graph.json()) as { access_token: string };
    assert.equal(sim.channel.checkConnectorToken(`Bearer ${access_token}`).valid, false);
    assert.equal(sim.channel.checkConnectorToken(undefined).valid, false);
  });
});
