import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { parseCliArguments } from "../src/cli.js";
import { SIM_CLIENT_ID, SIM_TENANT_ID } from "../src/index.js";

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("simulator: CLI", function () {
  this.timeout(60_000);

  it("parses --port, --host, --seed and --users, in both spellings", () => {
    assert.deepEqual(parseCliArguments(["--port", "8443", "--host=localhost", "--seed", "7", "--users=12"]), {
      port: 8443,
      host: "localhost",
      seed: 7,
      userCount: 12,
    });
    assert.deepEqual(parseCliArguments([]), {});
    assert.throws(() => parseCliArguments(["--port", "http"]), /--port must be an integer/);
    assert.throws(() => parseCliArguments(["--port"]), /--port needs a value/);
    assert.throws(() => parseCliArguments(["--verbose", "1"]), /Unknown argument/);
  });

  it("parses a bulk department (both flags together) and a latency", () => {
    assert.deepEqual(parseCliArguments(["--bulk-department", "Load Test", "--bulk-users=100000", "--latency", "40"]), {
      bulkDepartment: { name: "Load Test", count: 100_000 },
      latencyMs: 40,
    });
    assert.throws(() => parseCliArguments(["--bulk-users", "10"]), /go together/);
    assert.throws(() => parseCliArguments(["--bulk-department", "X", "--bulk-users", "2000000"]), /--bulk-users must be an integer/);
  });

  it("starts, prints what a bot needs including a CA file that makes it trusted, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "src", "cli.ts"), "--users", "3"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes("Ctrl+C") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /listening on (https:\/\/\S+)/.exec(output)?.[1];
      const caPath = /NODE_EXTRA_CA_CERTS=(\S+)/.exec(output)?.[1];
      assert.ok(url && caPath, output);
      assert.match(output, new RegExp(`AZURE_TENANT_ID=${SIM_TENANT_ID}`));
      assert.match(output, new RegExp(`AZURE_CLIENT_ID=${SIM_CLIENT_ID}`));
      assert.match(output, /AZURE_CLIENT_SECRET=\S+/);
      assert.match(output, new RegExp(`GRAPH_BASE_URL=${url.replace(/\./g, "\\.")}/v1\\.0`));
      const status = await getStatus(`${url}/${SIM_TENANT_ID}/v2.0/.well-known/openid-configuration`, readFileSync(caPath, "utf8"));
      assert.equal(status, 200);

      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      assert.equal(existsSync(caPath), false, "the CA file is removed on exit");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
