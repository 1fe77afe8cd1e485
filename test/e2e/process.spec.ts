import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import { botEnvFor } from "../support/bot-env.js";
import { killAll, startBotProcess, waitForPort, type NodeProcess } from "../support/bot-process.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

describe("the bot as a process", function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let dataDir: string;

  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls() });
    dataDir = mkdtempSync(join(tmpdir(), "revoke-bot-proc-"));
  });
  // A test that fails half-way must not leave its bot running.
  const started: NodeProcess[] = [];
  const startProcess = (env: Record<string, string>): NodeProcess => {
    const p = startBotProcess(env);
    started.push(p);
    return p;
  };
  afterEach(async () => {
    await killAll(started.splice(0));
  });
  after(async () => {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const simEnv = (): Record<string, string> => botEnvFor(sim, dataDir);

  it("refuses to start on bad configuration, one line per problem naming the variable", async () => {
    const started = startProcess({ PORT: "eighty" });
    assert.equal(await started.exited, 1);
    const out = started.output();
    for (const name of ["PORT:", "REVOKER_GROUP_IDS:", "APPROVER_GROUP_IDS:", "AZURE_CLIENT_ID:"]) {
      assert.ok(out.includes(name), `${name} in:\n${out}`);
    }
    assert.ok(!out.includes("listening"));
  });

  it("refuses to start without BOT_ID unless told it may run unauthenticated", async () => {
    const started = startProcess(simEnv());
    assert.equal(await started.exited, 1);
    assert.match(started.output(), /BOT_ID: required/);
  });

  it("serves /healthz and /readyz, warns loudly when unauthenticated, and stops cleanly on SIGTERM", async () => {
    const started = startProcess({ ...simEnv(), ALLOW_UNAUTHENTICATED: "true" });
    const port = await waitForPort(started);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, checks: { store: "ok", graph: "ok" }, auditPosts: { waiting: 0, setAside: 0 }, refusedActivities: 0 });
    assert.match(started.output(), /inbound Bot Framework authentication is OFF/);
    assert.ok(!started.output().includes(sim.clientSecret), "the secret never reaches the log");
    started.child.kill("SIGTERM");
    assert.equal(await started.exited, 0);
  });

  it("is not ready, and says why, when the Graph credentials are wrong", async () => {
    const started = startProcess({ ...simEnv(), ALLOW_UNAUTHENTICATED: "true", AZURE_CLIENT_SECRET: "not-the-secret" });
    const port = await waitForPort(started);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { checks: { graph: string } };
    assert.match(body.checks.graph, /AZURE_CLIENT_ID/);
    assert.ok(!JSON.stringify(body).includes("not-the-secret"));
    started.child.kill("SIGTERM");
    assert.equal(await started.exited, 0);
  });
});
