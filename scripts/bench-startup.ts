/**
 * `npm run bench:startup [-- --runs 5]`: how fast the production build answers `GET /healthz` from
 * a cold start, and how much memory it holds once idle. Builds `dist/` first (`npm run build`),
 * then starts `node dist/index.js` (the bundle, scripts/build.ts; with the flags of `npm start`) `--runs` times with a fresh SQLite database each, and
 * prints the median and each run's time from spawn to the first 200 on /healthz, and the resident
 * memory (RSS) after two idle seconds. No Graph or Teams is needed: the bot calls neither before
 * it answers /healthz.
 *
 * Then the same with telemetry on: a Prometheus endpoint (METRICS_PORT), and Azure Monitor
 * (APPLICATIONINSIGHTS_CONNECTION_STRING) against the Graph simulator's Application Insights
 * ingestion on 127.0.0.1 (the local stand-in; nothing leaves the machine).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSimulator } from "@teams-revoke-bot/graph-simulator";
import { startBuiltBot } from "../test/support/built-bot.js";
import { freePort } from "../test/support/free-port.js";
import { startFlags } from "./start-flags.js";

const ROOT = resolve(__dirname, "..");

function parseRuns(argv: readonly string[]): number {
  const i = argv.indexOf("--runs");
  if (i < 0) return 5;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error("--runs takes a whole number from 1 to 50");
  return n;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? "0");
  return kb * 1024;
}

/** A telemetry set-up to measure: its name and the settings (each run gets a fresh metrics port). */
interface Variant {
  name: string;
  env: () => Promise<Record<string, string>>;
}

async function oneRun(extraEnv: Record<string, string>): Promise<{ startMs: number; idleRss: number }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-startup-"));
  try {
    const bot = await startBuiltBot({ entry: join(ROOT, "dist", "index.js"), nodeArgs: startFlags(), dataDir: dir, env: extraEnv, pollMs: 5 });
    try {
      await new Promise((r) => setTimeout(r, 2000));
      return { startMs: bot.startMs, idleRss: rssOf(bot.child.pid ?? 0) };
    } finally {
      await bot.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const build = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const caDir = mkdtempSync(join(tmpdir(), "bench-startup-ca-"));
  const sim = await startSimulator({ userCount: 0 });
  const caFile = join(caDir, "sim-ca.pem");
  await sim.writeCaCert(caFile);
  const variants: Variant[] = [
    { name: "telemetry off", env: () => Promise.resolve({}) },
    { name: "Prometheus (METRICS_PORT)", env: async () => ({ METRICS_PORT: String(await freePort()) }) },
    {
      name: "Azure Monitor (local stand-in)",
      env: () => Promise.resolve({ APPLICATIONINSIGHTS_CONNECTION_STRING: sim.connectionString, NODE_EXTRA_CA_CERTS: caFile }),
    },
  ];
  const lines = [
    `bench:startup: node ${[...startFlags(), "dist/index.js"].join(" ")}, ${runs} cold starts each (SQLite, inbound auth off, log level warn), Node ${process.version}`,
  ];
  try {
    for (const variant of variants) {
      const results: Array<{ startMs: number; idleRss: number }> = [];
      for (let i = 0; i < runs; i++) results.push(await oneRun(await variant.env()));
      lines.push(
        `  ${variant.name}:`,
        `    cold start to /healthz: median ${median(results.map((r) => r.startMs)).toFixed(0)} ms (runs: ${results.map((r) => r.startMs.toFixed(0)).join(", ")} ms)`,
        `    idle RSS after 2 s:     median ${mb(median(results.map((r) => r.idleRss)))} (runs: ${results.map((r) => mb(r.idleRss)).join(", ")})`,
      );
    }
  } finally {
    await sim.close();
    rmSync(caDir, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:startup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
