/**
 * `npm run bench:bulk [-- --users 10000 --scale 30 --latency-ms 150]`: revokes N users of one
 * department against the simulator twice in the same run, and prints for each way throughput as a
 * fraction of the quota-limited maximum, 429s received, wall time, peak RSS and outcomes:
 *
 * - the job runner (resolve the department page by page, freeze the snapshot, then $batch of 20,
 *   paced to the write quota, verified by batched read-back, every outcome recorded in SQLite);
 * - the seed's way: one POST revokeSignInSessions after another, as PowerShell's
 *   `foreach ($u in $users) { Revoke-MgUserSignInSession -UserId $u.Id }` does.
 *
 * Graph's quota (3,000 writes per 150 s per app and tenant) and its latency are both divided by
 * `--scale`, so the run takes seconds instead of many minutes while keeping their ratio. The
 * simulator runs in this process; each way runs in its own child process, so its peak RSS is its
 * own.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../src/simulator/index.js";
import type { WorkerResult } from "./bench/bulk-worker.js";

interface Args {
  /** Which ways to run: both by default; `--ways runner` for a large N (the sequential way takes N × latency). */
  ways: Array<"runner" | "sequential">;
  users: number;
  scale: number;
  /** Graph's latency per request before scaling, ms. */
  latencyMs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { ways: ["runner", "sequential"], users: 10_000, scale: 30, latencyMs: 150 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--ways") {
      const ways = (argv[i + 1] ?? "").split(",");
      if (!ways.every((w) => w === "runner" || w === "sequential")) throw new Error("--ways takes runner, sequential or runner,sequential");
      args.ways = ways;
      continue;
    }
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
    if (flag === "--users") args.users = Math.floor(value);
    else if (flag === "--scale") args.scale = value;
    else if (flag === "--latency-ms") args.latencyMs = value;
    else throw new Error(`unknown option ${flag}; use --users N, --scale S, --latency-ms MS, --ways runner,sequential`);
  }
  return args;
}

const DEPARTMENT = "Load Test";
/**
 * Each way runs with its JavaScript heap capped, so a way whose memory grows with N beyond the
 * snapshot runs out instead of just showing a high RSS (V8 otherwise collects lazily and RSS
 * says little). 100,000 users fit.
 */
const WORKER_HEAP_MB = 256;
const QUOTA = 3000;
const WINDOW_MS = 150_000;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const windowMs = Math.round(WINDOW_MS / args.scale);
  const latencyMs = Math.max(1, Math.round(args.latencyMs / args.scale));
  const dir = mkdtempSync(join(tmpdir(), "bench-bulk-"));
  const sim = await startSimulator({
    bulkDepartment: { name: DEPARTMENT, count: args.users },
    userCount: 50,
    latencyMs,
    writeQuota: { capacity: QUOTA, windowMs },
    recordRequests: false,
  });
  const caFile = join(dir, "sim-ca.pem");
  writeFileSync(caFile, sim.caCertPem);
  process.stdout.write(
    `bench:bulk: ${args.users} users in department "${DEPARTMENT}"; write quota ${QUOTA} per ${windowMs} ms ` +
      `(Graph's 3,000 per 150 s divided by ${args.scale}); latency ${latencyMs} ms per request (${args.latencyMs} ms / ${args.scale}); ` +
      `each way in its own process with a ${WORKER_HEAP_MB} MB heap\n\n`,
  );

  for (const way of args.ways) {
    sim.refillWriteQuota();
    sim.resetStats();
    const result = await runWorker(way, {
      BENCH_GRAPH_BASE_URL: sim.graphBaseUrl,
      BENCH_AUTHORITY_HOST: sim.authorityHost,
      BENCH_TENANT_ID: sim.tenantId,
      BENCH_CLIENT_ID: sim.clientId,
      BENCH_CLIENT_SECRET: sim.clientSecret,
      BENCH_DEPARTMENT: DEPARTMENT,
      BENCH_QUOTA: String(QUOTA),
      BENCH_WINDOW_MS: String(windowMs),
      BENCH_DB: join(dir, `${way}.db`),
      NODE_EXTRA_CA_CERTS: caFile,
    });
    const stats = sim.stats().writeQuota;
    report(way, result, stats.throttled + stats.throttledInBatch, windowMs);
    if (way === "runner" && result.lost !== 0) process.exitCode = 1;
  }
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

function report(way: "runner" | "sequential", result: WorkerResult, throttled: number, windowMs: number): void {
    // The quota-limited minimum: Graph's bucket starts full, so the first QUOTA writes may go at
    // once and the rest at its refill rate. Measured from the first write sent to the last one.
    const writes = result.writes;
    const minimumMs = Math.max(0, writes - QUOTA) * (windowMs / QUOTA);
    const fraction = minimumMs > 0 && result.writePhaseMs > 0 ? (minimumMs / result.writePhaseMs).toFixed(3) : "n/a (all within the first bucket)";
    const label = way === "runner" ? "job runner ($batch of 20, paced, verified)" : "sequential (one request after another)";
    process.stdout.write(
      [
        `${label}`,
        `  throughput:      ${fraction} of the quota-limited maximum: ${writes} writes sent in ${(result.writePhaseMs / 1000).toFixed(1)} s,` +
          ` at least ${(minimumMs / 1000).toFixed(1)} s at ${QUOTA} per ${windowMs} ms`,
        `  429s received:   ${throttled}`,
        `  wall time:       ${(result.wallMs / 1000).toFixed(1)} s (resolving the department ${(result.resolveMs / 1000).toFixed(1)} s, revoking and verifying ${(result.writeMs / 1000).toFixed(1)} s)`,
        `  peak RSS:        ${(result.peakRss / 1024 / 1024).toFixed(0)} MB (after start-up ${(result.baseRss / 1024 / 1024).toFixed(0)} MB)`,
        `  outcomes:        ${Object.entries(result.outcomes)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}; lost ${result.lost}`,
        "",
      ].join("\n"),
    );
}

function runWorker(way: "runner" | "sequential", env: Record<string, string>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--no-deprecation", `--max-old-space-size=${WORKER_HEAP_MB}`, "--import", "tsx", join(__dirname, "bench", "bulk-worker.ts"), way], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`the ${way} worker exited with ${code}: ${out}`));
      try {
        resolve(JSON.parse(line) as WorkerResult);
      } catch {
        reject(new Error(`the ${way} worker printed no result: ${out}`));
      }
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:bulk failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
