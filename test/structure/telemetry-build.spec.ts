/**
 * Telemetry in the production build (scripts/build.ts): OpenTelemetry's SDKs are not in the
 * bundle; a bot started from it without telemetry loads none of them, and with METRICS_PORT it
 * loads them from node_modules and serves /metrics; with a connection string it sends its metrics
 * to (the simulated) Application Insights.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { startSimulator } from "@teams-revoke-bot/graph-simulator";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";
import { bundle, bundleLoader, TELEMETRY_SDKS } from "../../scripts/build.js";

const ROOT = resolve(__dirname, "../..");
const SDK_PATH = /@azure[\\/]monitor-opentelemetry|@opentelemetry[\\/](sdk-|exporter-|resources[\\/])/;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

describe("structure: telemetry in the production build", function () {
  this.timeout(120_000);
  let outdir: string;
  let inputs: string[];
  const children: ChildProcess[] = [];

  before(async () => {
    // Inside the project, so the bundle resolves its external packages from node_modules as dist/ does.
    outdir = mkdtempSync(join(ROOT, ".build-test-"));
    ({ inputs } = await bundle(outdir));
    await bundleLoader(join(outdir, "index.js"));
    // Preloaded into the bot: on SIGUSR2 it prints which telemetry SDK files are loaded.
    writeFileSync(
      join(outdir, "probe.cjs"),
      `process.on("SIGUSR2", () => process.stdout.write("LOADED " + JSON.stringify(Object.keys(require.cache).filter((p) => ${SDK_PATH.toString()}.test(p)).length) + "\\n"));`,
    );
  });
  after(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(outdir, { recursive: true, force: true });
  });

  /** Starts the built bot (as `npm start` does, plus the probe) and waits for /healthz. */
  async function startBuilt(extraEnv: Record<string, string>): Promise<{ port: number; loadedSdkFiles: () => Promise<number> }> {
    const port = await freePort();
    const dir = mkdtempSync(join(outdir, "data-"));
    const child = spawn(process.execPath, ["--require", join(outdir, "probe.cjs"), join(outdir, "index.js")], {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "",
        PORT: String(port),
        ALLOW_UNAUTHENTICATED: "true",
        REVOKER_GROUP_IDS: "20000000-0000-4000-8000-000000000001",
        APPROVER_GROUP_IDS: "20000000-0000-4000-8000-000000000002",
        AZURE_TENANT_ID: "00000000-0000-4000-8000-0000000000aa",
        AZURE_CLIENT_ID: "00000000-0000-4000-8000-0000000000bb",
        AZURE_CLIENT_SECRET: "not-used-before-healthz",
        DATABASE_URL: `sqlite:${join(dir, "bot.db")}`,
        LOG_LEVEL: "warn",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const until = Date.now() + 30_000;
    for (;;) {
      assert.equal(child.exitCode, null, `the built bot exited: ${output}`);
      assert.ok(Date.now() < until, `no answer on /healthz: ${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      port,
      loadedSdkFiles: async () => {
        const before = output.length;
        child.kill("SIGUSR2");
        for (let i = 0; i < 100 && !/LOADED \d+/.test(output.slice(before)); i++) await new Promise((r) => setTimeout(r, 20));
        return Number(/LOADED (\d+)/.exec(output.slice(before))?.[1] ?? "NaN");
      },
    };
  }

  it("keeps the OpenTelemetry SDKs out of the bundle", () => {
    assert.ok(TELEMETRY_SDKS.length >= 4);
    assert.deepEqual(inputs.filter((p) => SDK_PATH.test(p)), []);
  });

  it("without telemetry configured, the built bot loads none of them", async () => {
    const bot = await startBuilt({});
    assert.equal(await bot.loadedSdkFiles(), 0);
  });

  it("with METRICS_PORT, the built bot loads them from node_modules and serves its metrics on loopback", async () => {
    const metricsPort = await freePort();
    const bot = await startBuilt({ METRICS_PORT: String(metricsPort) });
    assert.ok((await bot.loadedSdkFiles()) > 0);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^revoke_bot_jobs_queued\{[^}]*\} 0$/m);
    assert.match(text, /^revoke_bot_outbox_waiting\{[^}]*\} 0$/m);
  });

  it("with APPLICATIONINSIGHTS_CONNECTION_STRING, the built bot sends its metrics to Application Insights", async () => {
    const sim = await startSimulator({ tls: trustedSimulatorTls(), userCount: 0 });
    try {
      // OpenTelemetry's standard setting for the export interval (60 s by default).
      await startBuilt({ APPLICATIONINSIGHTS_CONNECTION_STRING: sim.connectionString, OTEL_METRIC_EXPORT_INTERVAL: "300" });
      const until = Date.now() + 20_000;
      const gauges = () => sim.telemetry.filter((e) => e.data?.baseType === "MetricData" && JSON.stringify(e.data).includes("revoke_bot.jobs.queued"));
      while (Date.now() < until && gauges().length === 0) await new Promise((r) => setTimeout(r, 100));
      assert.ok(gauges().length > 0, `no revoke_bot.jobs.queued among ${sim.telemetry.length} envelopes`);
    } finally {
      await sim.close();
    }
  });
});
