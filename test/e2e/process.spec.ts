import assert from "node:assert/strict";
import { waitForPort } from "../support/bot-process.js";
import { useSimulator } from "./harness.js";

describe("the bot as a process", function () {
  this.timeout(60_000);
  const world = useSimulator("revoke-bot-proc-");
  const startProcess = world.startProcess;
  const simEnv = (): Record<string, string> => world.botEnv();

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
    assert.ok(!started.output().includes(world.sim.clientSecret), "the secret never reaches the log");
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
