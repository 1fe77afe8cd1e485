import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSecretCredential } from "@azure/identity";
import { generate } from "selfsigned";
import { GRAPH_ROLES, startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import type { ProbeConfig, ProbeResult } from "./support/identity-probe.js";
import { jwtPayload } from "./support/sim-client.js";

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

function runProbe(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const probe = join(__dirname, "support", "identity-probe.ts");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", probe],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("simulator: real @azure/identity and Graph client against it", function () {
  this.timeout(90_000);
  let sim: StartedSimulator;
  let directory: string;

  before(async () => {
    sim = await startSimulator({ userCount: 200 });
    directory = await mkdtemp(join(tmpdir(), "simulator-identity-"));
  });
  after(async () => {
    await sim.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("in-process: ClientSecretCredential gets a token when the simulator's CA is passed as tlsOptions", async () => {
    // core-rest-pipeline makes its own https.Agent (never https.globalAgent), so only NODE_EXTRA_CA_CERTS
    // at process start or the pipeline's tlsOptions make Node trust the simulator.
    const credential = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: sim.caCertPem },
    });
    const token = await credential.getToken(GRAPH_SCOPE);
    assert.ok(token.expiresOnTimestamp > Date.now() + 50 * 60_000);
    const claims = jwtPayload(token.token);
    assert.equal(claims.appid, sim.clientId);
    assert.equal(claims.tid, sim.tenantId);
  });

  it("child process trusting the simulator via NODE_EXTRA_CA_CERTS: secret and certificate credentials, Graph client calls and paging", async () => {
    const caPath = join(directory, "simulator-ca.pem");
    await sim.writeCaCert(caPath);
    // ClientCertificateCredential wants one PEM with the private key and the certificate; RSA, for RS256/PS256.
    const clientCertificate = await generate([{ name: "commonName", value: "teams-revoke-bot test client" }], {
      keyType: "rsa",
      keySize: 2048,
      algorithm: "sha256",
    });
    const certificatePath = join(directory, "client-cert.pem");
    await writeFile(certificatePath, `${clientCertificate.private}\n${clientCertificate.cert}`);

    const department = "O'Brien Logistics";
    const config: ProbeConfig = {
      authorityHost: sim.authorityHost,
      graphBaseUrl: sim.graphBaseUrl,
      tenantId: sim.tenantId,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      certificatePath,
      userId: WELL_KNOWN.alice.id,
      dollarUpn: WELL_KNOWN.dollar.userPrincipalName,
      department,
    };
    const before = sim.tenant.userByKey(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime;
    const run = await runProbe({ ...process.env, NODE_EXTRA_CA_CERTS: caPath, PROBE_CONFIG: JSON.stringify(config) });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ProbeResult;

    assert.equal(result.secretClaims.appid, sim.clientId);
    assert.equal(result.secretClaims.appidacr, "1");
    assert.ok((result.secretClaims.roles as string[]).includes(GRAPH_ROLES.userRevokeSessionsAll));
    assert.equal(result.certificateClaims.appidacr, "2", "the certificate credential's client assertion was accepted");
    assert.match(result.wrongSecretError, /AADSTS7000215/);

    assert.equal(result.dollarUser.id, WELL_KNOWN.dollar.id);
    assert.equal(result.dollarUser.userPrincipalName, WELL_KNOWN.dollar.userPrincipalName);
    assert.equal((result.revoke as { value: unknown }).value, true);
    const after = sim.tenant.userByKey(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime;
    assert.ok(Date.parse(after ?? "") > Date.parse(before ?? ""));

    const expected = sim.tenant.listUsers().filter((user) => user.department === department).map((user) => user.id);
    assert.ok(expected.length > 7, "enough users for several pages");
    assert.deepEqual(result.departmentIds, expected, "the Graph client followed every @odata.nextLink");

    const fromProbe = sim.requests.filter((request) => request.path.startsWith("/v1.0/"));
    assert.ok(fromProbe.every((request) => request.authenticated), "the Graph client attached the token to every call");
    assert.ok(fromProbe.some((request) => request.path === "/v1.0/users('$svc-backup@contoso.com')"));
  });

  it("child process without NODE_EXTRA_CA_CERTS fails on the certificate (so the test above proves the trust path)", async () => {
    const config = { authorityHost: sim.authorityHost, tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret };
    const env: NodeJS.ProcessEnv = { ...process.env, PROBE_CONFIG: JSON.stringify(config) };
    delete env.NODE_EXTRA_CA_CERTS;
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    const run = await runProbe(env);
    assert.notEqual(run.code, 0);
    // MSAL reports the failed TLS handshake on the metadata request as endpoints_resolution_error.
    assert.match(run.stderr, /endpoints_resolution_error|self[- ]signed certificate|unable to verify/i);
  });
});
