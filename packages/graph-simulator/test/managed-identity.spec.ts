import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GRAPH_RESOURCE,
  IDENTITY_API_VERSION,
  OSSRDBMS_RESOURCE,
  SIM_MANAGED_IDENTITY_CLIENT_ID,
  SIM_MANAGED_IDENTITY_PRINCIPAL_ID,
  startSimulator,
  WELL_KNOWN,
} from "../src/index.js";
import type { IssuedIdentityToken, StartedSimulator } from "../src/index.js";
import { trustedSimulatorTls } from "../src/trusted-run.js";
import { jwtPayload } from "./support/sim-client.js";

describe("simulator: App Service's managed identity endpoint", function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  const hooked: IssuedIdentityToken[] = [];

  before(async () => {
    sim = await startSimulator({
      tls: trustedSimulatorTls(),
      userCount: 20,
      botRegistration: { appId: SIM_MANAGED_IDENTITY_CLIENT_ID },
      managedIdentity: {
        clientId: SIM_MANAGED_IDENTITY_CLIENT_ID,
        principalId: SIM_MANAGED_IDENTITY_PRINCIPAL_ID,
        name: "id-revoke-bot",
        onIssued: (issued) => {
          hooked.push(issued);
          return Promise.resolve();
        },
      },
    });
  });
  after(() => sim.close());

  const endpoint = () => {
    const mi = sim.managedIdentity;
    assert.ok(mi !== undefined);
    return mi;
  };
  const ask = (query: Record<string, string>, header: string | null = endpoint().header) =>
    fetch(`${endpoint().endpoint}?${new URLSearchParams(query).toString()}`, { headers: header === null ? {} : { "X-IDENTITY-HEADER": header } });

  it("is plain HTTP on the loopback interface, as App Service's is", () => {
    assert.match(endpoint().endpoint, /^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    assert.ok(endpoint().header.length >= 32);
  });

  it("answers as App Service does: access_token, expires_on (epoch seconds as a string), resource, token_type, client_id", async () => {
    const res = await ask({ "api-version": IDENTITY_API_VERSION, resource: GRAPH_RESOURCE, client_id: SIM_MANAGED_IDENTITY_CLIENT_ID });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "client_id", "expires_on", "resource", "token_type"]);
    assert.match(body.expires_on ?? "", /^\d{10}$/);
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.client_id, SIM_MANAGED_IDENTITY_CLIENT_ID);
    const claims = jwtPayload(body.access_token ?? "");
    assert.equal(claims.aud, GRAPH_RESOURCE);
    assert.equal(claims.appid, SIM_MANAGED_IDENTITY_CLIENT_ID);
    assert.equal(claims.oid, SIM_MANAGED_IDENTITY_PRINCIPAL_ID);
    // Graph accepts it as it is.
    const user = await fetch(`${sim.graphBaseUrl}/users/${WELL_KNOWN.alice.id}`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(user.status, 200);
  });

  it("refuses a missing or wrong X-IDENTITY-HEADER, another api-version, no resource and an identity the app does not have", async () => {
    const good = { "api-version": IDENTITY_API_VERSION, resource: GRAPH_RESOURCE, client_id: SIM_MANAGED_IDENTITY_CLIENT_ID };
    assert.equal((await ask(good, null)).status, 401);
    assert.equal((await ask(good, "guess")).status, 401);
    assert.equal((await ask({ ...good, "api-version": "2017-09-01" })).status, 400);
    assert.equal((await ask({ "api-version": IDENTITY_API_VERSION, client_id: SIM_MANAGED_IDENTITY_CLIENT_ID })).status, 400);
    const other = await ask({ ...good, client_id: "11111111-2222-4333-8444-555555555555" });
    assert.equal(other.status, 400);
    assert.match(((await other.json()) as { message: string }).message, /No User Assigned or Delegated Managed Identity found/);
    assert.equal((await ask({ "api-version": IDENTITY_API_VERSION, resource: GRAPH_RESOURCE })).status, 400, "no system-assigned identity");
  });

  it("gives the bot registration's identity a token the Bot Connector accepts, and any other resource a token for it", async () => {
    const connector = await ask({ "api-version": IDENTITY_API_VERSION, resource: sim.channel.registration.connectorScope, client_id: SIM_MANAGED_IDENTITY_CLIENT_ID });
    const token = ((await connector.json()) as { access_token: string }).access_token;
    assert.equal(sim.channel.checkConnectorToken(`Bearer ${token}`).valid, true);
    const database = await ask({ "api-version": IDENTITY_API_VERSION, resource: OSSRDBMS_RESOURCE, principal_id: SIM_MANAGED_IDENTITY_PRINCIPAL_ID });
    const dbToken = ((await database.json()) as { access_token: string }).access_token;
    assert.equal(jwtPayload(dbToken).aud, OSSRDBMS_RESOURCE);
    assert.equal(sim.channel.checkConnectorToken(`Bearer ${dbToken}`).valid, false, "a database token is no connector token");
    assert.ok(hooked.some((t) => t.token === dbToken && t.resource === OSSRDBMS_RESOURCE), "the hook saw it before it was handed out");
  });

  it("serves @azure/identity's ManagedIdentityCredential as App Service does (IDENTITY_ENDPOINT / IDENTITY_HEADER)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-mi-"));
    try {
      const script = `const { ManagedIdentityCredential } = require("@azure/identity");
        new ManagedIdentityCredential({ clientId: ${JSON.stringify(SIM_MANAGED_IDENTITY_CLIENT_ID)} })
          .getToken("https://graph.microsoft.com/.default")
          .then((t) => process.stdout.write(JSON.stringify({ token: t.token, expires: t.expiresOnTimestamp })), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          ["-e", script],
          { cwd: join(__dirname, ".."), env: { PATH: process.env.PATH ?? "", IDENTITY_ENDPOINT: endpoint().endpoint, IDENTITY_HEADER: endpoint().header }, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ code: error === null ? 0 : 1, stdout, stderr }),
        ),
      );
      assert.equal(out.code, 0, out.stderr);
      const { token } = JSON.parse(out.stdout) as { token: string };
      assert.equal(jwtPayload(token).appid, SIM_MANAGED_IDENTITY_CLIENT_ID);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
