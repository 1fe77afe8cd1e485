import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type StartedSimulator } from "../../src/simulator/index.js";
import { botEnvFor } from "../support/bot-env.js";
import { trustedSimulatorTls } from "../support/sim-tls.js";

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts src/index.ts as its own process, as `npm start` does (minus the build). */
function startProcess(env: Record<string, string>): Started {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
    // Only what a real deployment would have: PATH, the CA trust for the simulator, and the config.
    env: { PATH: process.env.PATH ?? "", NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForPort(started: Started): Promise<number> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const match = /"port":(\d+)/.exec(started.output());
    if (match?.[1] !== undefined) return Number(match[1]);
    if (started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the bot did not start:\n${started.output()}`);
}

describe("the bot as a process", function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let dataDir: string;

  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls() });
    dataDir = mkdtempSync(join(tmpdir(), "revoke-bot-proc-"));
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
    assert.deepEqual(await ready.json(), { ready: true, checks: { store: "ok", graph: "ok" } });
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
