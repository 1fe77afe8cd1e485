import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { automationLines, DEMO_TOOLS_DIR, demoToolFiles } from "../../scripts/demo/banner.js";
import { lastConfirmCard } from "./cards.js";
import { useWorld } from "./harness.js";

const run = promisify(execFile);

describe("the demo's automation curl line works as printed", function () {
  this.timeout(30_000);
  const APPROVAL = "19:soc-approvals@thread.tacv2";
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL }, installedIn: ["soc-approvals"] });

  it("gets a token from the simulator and raises a request as the Sentinel app; its card is in the approval channel; the read line reads it back", async () => {
    const caCertPath = process.env.TEST_SIM_CERT;
    assert.ok(caCertPath !== undefined, "run through npm run test:unit (it makes the simulator's certificate)");
    // The demo writes its tools into .playground/ and the banner's lines run from the repository.
    const cwd = mkdtempSync(join(tmpdir(), "revoke-bot-demo-tools-"));
    try {
      mkdirSync(join(cwd, DEMO_TOOLS_DIR));
      const files = demoToolFiles({ simulatorUrl: h.sim.url, caCertPath, clientId: h.sim.clientId, playgroundUrl: "http://127.0.0.1:9", serviceUrl: "http://127.0.0.1:9/_connector" });
      for (const file of files) {
        writeFileSync(join(cwd, DEMO_TOOLS_DIR, file.name), file.content);
        chmodSync(join(cwd, DEMO_TOOLS_DIR, file.name), file.executable ? 0o755 : 0o644);
      }
      const lines = automationLines(h.bot.url);
      for (const line of Object.values(lines)) assert.ok(line.length <= 200, `a banner line a person can read: ${line.length} characters`);

      const created = await run("bash", ["-c", lines.create], { cwd, timeout: 20_000 });
      const answer = JSON.parse(created.stdout) as { requestId?: string; statusUrl?: string; state?: string };
      assert.equal(answer.state, "pending", created.stdout);
      assert.equal(answer.statusUrl, `/api/requests/${answer.requestId ?? ""}`);
      assert.equal(lastConfirmCard(h, APPROVAL).requestId, answer.requestId);
      const entry = (await h.auditEntries()).find((e) => e.action === "request.created" && e.requestId === answer.requestId);
      assert.match(entry?.actor?.aadObjectId ?? "", /^app:/);

      const read = await run("bash", ["-c", lines.read], { cwd, timeout: 20_000 });
      const state = JSON.parse(read.stdout) as { requestId?: string; state?: string };
      assert.equal(state.requestId, answer.requestId, read.stdout);
      assert.equal(state.state, "pending");

      // The same POST again is the same request (the idempotency key in request.json).
      const again = JSON.parse((await run("bash", ["-c", lines.create], { cwd, timeout: 20_000 })).stdout) as { requestId?: string };
      assert.equal(again.requestId, answer.requestId);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe("the demo's say-as line sends a message as another demo user", function () {
  this.timeout(20_000);

  it("posts the Playground's mock-an-activity body with the text, from the named user", async () => {
    const bodies: { url: string; body: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      req.on("end", () => {
        bodies.push({ url: req.url ?? "", body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(200);
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const playgroundUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cwd = mkdtempSync(join(tmpdir(), "revoke-bot-say-as-"));
    try {
      const sayAs = demoToolFiles({ simulatorUrl: "https://127.0.0.1:9", caCertPath: "/dev/null", clientId: "x", playgroundUrl, serviceUrl: `${playgroundUrl}/_connector` }).find((f) => f.name === "say-as");
      assert.ok(sayAs !== undefined);
      writeFileSync(join(cwd, "say-as"), sayAs.content);
      chmodSync(join(cwd, "say-as"), 0o755);
      const { stdout } = await run(join(cwd, "say-as"), ["val", 'revoke user alice@contoso.com --reason "it\'s phished"'], { timeout: 15_000 });
      assert.match(stdout, /sent as val/);
      assert.equal(bodies.length, 1);
      assert.equal(bodies[0]?.url, "/_internal/v1/customActivities");
      const activity = bodies[0]?.body as { text?: string; from?: { name?: string }; type?: string };
      assert.equal(activity.type, "message");
      assert.equal(activity.text, 'revoke user alice@contoso.com --reason "it\'s phished"');
      assert.equal(activity.from?.name, WELL_KNOWN.val.displayName);
      await assert.rejects(run(join(cwd, "say-as"), ["mallory", "help"], { timeout: 15_000 }), /the demo users are nina and val/);
    } finally {
      server.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
