/**
 * Telemetry in the production build (scripts/build.ts): OpenTelemetry's SDKs are not in the
 * bundle; a bot started from it without telemetry loads none of them, and with METRICS_PORT it
 * loads them from node_modules and serves /metrics; with a connection string it sends its metrics
 * to (the simulated) Application Insights.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startSimulator } from "@teams-revoke-bot/graph-simulator";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";
import { bundle, bundleLoader, TELEMETRY_SDKS } from "../../scripts/build.js";
import { startBuiltBot, type BuiltBot } from "../support/built-bot.js";
import { freePort } from "../support/free-port.js";

const ROOT = resolve(__dirname, "../..");
const SDK_PATH = /@azure[\\/]monitor-opentelemetry|@opentelemetry[\\/](sdk-|exporter-|resources[\\/])/;

describe("structure: telemetry in the production build", function () {
  this.timeout(120_000);
  let outdir: string;
  let inputs: string[];
  const bots: BuiltBot[] = [];

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
  after(async () => {
    for (const bot of bots) await bot.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  /** Starts the built bot (as `npm start` does, plus the probe) and waits for /healthz. */
  async function startBuilt(extraEnv: Record<string, string>): Promise<{ loadedSdkFiles: () => Promise<number> }> {
    const bot = await startBuiltBot({
      entry: join(outdir, "index.js"),
      nodeArgs: ["--require", join(outdir, "probe.cjs")],
      dataDir: mkdtempSync(join(outdir, "data-")),
      env: { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "", ...extraEnv },
    });
    bots.push(bot);
    return {
      loadedSdkFiles: async () => {
        const before = bot.output().length;
        bot.child.kill("SIGUSR2");
        for (let i = 0; i < 100 && !/LOADED \d+/.test(bot.output().slice(before)); i++) await new Promise((r) => setTimeout(r, 20));
        return Number(/LOADED (\d+)/.exec(bot.output().slice(before))?.[1] ?? "NaN");
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
