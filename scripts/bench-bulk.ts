/**
 * `npm run bench:bulk [-- --users 10000 --scale 30 --latency-ms 150 --cases a,b]`: revokes N users
 * of one department against the simulator in several cases in the same run, and prints for each
 * throughput as a fraction of the quota-limited maximum, 429s received, wall time, peak RSS and
 * outcomes:
 *
 * - `sliding`: the job runner (resolve the department page by page, freeze the snapshot, then
 *   $batch of 20, paced to the write quota, verified by batched read-back, every outcome recorded
 *   in SQLite) against a quota Graph counts as a sliding window;
 * - `bucket`: the same against a quota counted as a token bucket;
 * - `neighbour`: the same, sliding window, while another app spends half of the quota (the bot is
 *   told the whole quota and must find its share);
 * - `replicas`: two job runners in two processes on one PostgreSQL database, each revoking half of
 *   the department at the same time, pacing together through the database to the one quota
 *   (only when TEST_DATABASE_URL names a PostgreSQL server to make a database on);
 * - `sequential`: the seed's way: one POST revokeSignInSessions after another, as PowerShell's
 *   `foreach ($u in $users) { Revoke-MgUserSignInSession -UserId $u.Id }` does.
 *
 * Cases where a limit the bot is not told binds (Graph enforces several at once; the simulator's
 * throttle limits). The bot is told 3,000 writes per 15 s (its ceiling); windows are real seconds,
 * not scaled, so Retry-After's whole seconds mean what they mean at Graph:
 * - `short-window` (a): 600 writes per 5 s per app and tenant binds, a window shorter than told;
 * - `tenant-window` (b): the tenant's writes over all apps, 18,000 per 60 s (the 5-minute limit
 *   divided by 5), 0.7 of it spent by other apps: a window longer than told, filled by others;
 * - `resource-units` (c): 2,000 resource units per 10 s (below a small tenant's 3,500) counting the job's reads
 *   (department pages, verification) and writes;
 * - `resume` (d): under (a), the job's worker is killed (SIGKILL) half-way and a new process
 *   resumes it; figures are the new process's;
 * - `replicas-short` (e): under (a), two job runners on one PostgreSQL database.
 * Each prints the fraction of the binding limit achieved (the least time "never more than the
 * limit, or the share others leave, in any window" allows for the units sent, over the time from
 * the first to the last unit the limit accepted), the 429 share of the requests that limit
 * counts, the longest gap between two of them while the job ran, and lost and doubled targets.
 *
 * The quota-limited maximum is what "never more than the quota in any window" allows, whatever
 * the counting: the first quota at once, and each further quota a window later (with a
 * neighbour: the share it leaves).
 *
 * Graph's quota (3,000 writes per 150 s per app and tenant) and its latency are both divided by
 * `--scale`, so the run takes seconds instead of many minutes while keeping their ratio. The
 * simulator runs in this process; each way runs in its own child process, so its peak RSS is its
 * own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { startSimulator, type StartedSimulator, type ThrottleLimitOptions } from "@teams-revoke-bot/graph-simulator";
import { freshPostgres } from "../test/support/databases.js";
import type { WorkerResult } from "./bench/bulk-worker.js";

type Case = "sliding" | "bucket" | "neighbour" | "replicas" | "sequential" | LimitCase;
type LimitCase = "short-window" | "tenant-window" | "resource-units" | "resume" | "replicas-short";
const CASES: readonly Case[] = ["sliding", "bucket", "neighbour", "replicas", "sequential", "short-window", "tenant-window", "resource-units", "resume", "replicas-short"];

/** What the bot is told in the limit cases (GRAPH_WRITE_QUOTA, GRAPH_WRITE_WINDOW_SECONDS): a ceiling. */
const TOLD = { quota: 3000, windowMs: 15_000 };
const SHORT: ThrottleLimitOptions = { scope: "Tenant_Application", counts: "writes", capacity: 600, windowMs: 5000 };
/** The binding limit of each limit case; the bot is never told it. */
const BINDING: Record<LimitCase, ThrottleLimitOptions> = {
  "short-window": SHORT,
  "tenant-window": { scope: "Tenant", counts: "writes", capacity: 18_000, windowMs: 60_000, othersShare: 0.7 },
  "resource-units": { scope: "Tenant_Application", counts: "resourceUnits", capacity: 2000, windowMs: 10_000 },
  resume: SHORT,
  "replicas-short": SHORT,
};
const isLimitCase = (c: Case): c is LimitCase => c in BINDING;
/** The neighbour's share of the quota in the `neighbour` case. */
const NEIGHBOUR_SHARE = 0.5;

interface Args {
  /** Which cases to run: all by default; `--cases sliding` for a large N (the sequential way takes N × latency). */
  cases: Case[];
  users: number;
  scale: number;
  /** Graph's latency per request before scaling, ms. */
  latencyMs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { cases: [...CASES], users: 10_000, scale: 30, latencyMs: 150 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--cases") {
      const cases = (argv[i + 1] ?? "").split(",");
      if (!cases.every((c): c is Case => (CASES as readonly string[]).includes(c))) throw new Error(`--cases takes some of ${CASES.join(",")}`);
      args.cases = cases;
      continue;
    }
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
    if (flag === "--users") args.users = Math.floor(value);
    else if (flag === "--scale") args.scale = value;
    else if (flag === "--latency-ms") args.latencyMs = value;
    else throw new Error(`unknown option ${flag}; use --users N, --scale S, --latency-ms MS, --cases ${CASES.join(",")}`);
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

  for (const c of args.cases) {
    if (isLimitCase(c)) {
      await limitCase(c, sim, args.users, caFile, dir);
      continue;
    }
    sim.setThrottleLimits([]);
    const way = c === "sequential" ? "sequential" : "runner";
    sim.setWriteQuota({ capacity: QUOTA, windowMs, counting: c === "bucket" ? "bucket" : "sliding", neighbourShare: c === "neighbour" ? NEIGHBOUR_SHARE : 0 });
    sim.resetStats();
    const common = {
      BENCH_GRAPH_BASE_URL: sim.graphBaseUrl,
      BENCH_AUTHORITY_HOST: sim.authorityHost,
      BENCH_TENANT_ID: sim.tenantId,
      BENCH_CLIENT_ID: sim.clientId,
      BENCH_CLIENT_SECRET: sim.clientSecret,
      BENCH_DEPARTMENT: DEPARTMENT,
      BENCH_QUOTA: String(QUOTA),
      BENCH_WINDOW_MS: String(windowMs),
      BENCH_DB: join(dir, `${c}.db`),
      NODE_EXTRA_CA_CERTS: caFile,
    };
    let result: WorkerResult;
    if (c === "replicas") {
      const server = process.env.TEST_DATABASE_URL;
      if (server === undefined || server === "") {
        process.stdout.write("two replicas on PostgreSQL: skipped (set TEST_DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test)\n\n");
        continue;
      }
      const database = await freshPostgres(server);
      try {
        const parts = await Promise.all([0, 1].map((i) => runWorker(way, { ...common, BENCH_DATABASE_URL: database.url, BENCH_PART: `${i}/2` })));
        result = combined(parts);
      } finally {
        await database.drop();
      }
    } else {
      result = await runWorker(way, common);
    }
    const stats = sim.stats().writeQuota;
    report(c, result, stats.throttled + stats.throttledInBatch, windowMs, c === "neighbour" ? { share: NEIGHBOUR_SHARE, refused: stats.neighbourRefused, writes: stats.neighbourWrites } : undefined);
    if (way === "runner" && result.lost !== 0) process.exitCode = 1;
  }
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

function report(c: Exclude<Case, LimitCase>, result: WorkerResult, throttled: number, windowMs: number, neighbour?: { share: number; refused: number; writes: number }): void {
  // Never more than the quota (or the share a neighbour leaves) in any window: the first `left`
  // writes at once, each further `left` a window later. Measured from the first write sent to the last.
  const writes = result.writes;
  const left = Math.floor(QUOTA * (1 - (neighbour?.share ?? 0)));
  const minimumMs = Math.max(0, Math.ceil(writes / left) - 1) * windowMs;
  const fraction = minimumMs > 0 && result.writePhaseMs > 0 ? (minimumMs / result.writePhaseMs).toFixed(3) : "n/a (all within the first window)";
  const label = {
    sliding: "job runner, quota counted as a sliding window",
    bucket: "job runner, quota counted as a token bucket",
    neighbour: `job runner, sliding window, another app spending ${neighbour?.share ?? 0} of the quota (the bot told the whole quota)`,
    replicas: "two job runners (two processes) on one PostgreSQL database, one quota between them",
    sequential: "sequential (one request after another, as PowerShell's foreach)",
  }[c];
  const attempts = writes + throttled;
  process.stdout.write(
    [
      `${label}`,
      `  throughput:      ${fraction} of the quota-limited maximum${neighbour === undefined ? "" : " (of the share left)"}: ${writes} writes sent in ${(result.writePhaseMs / 1000).toFixed(1)} s,` +
        ` at least ${(minimumMs / 1000).toFixed(1)} s at ${left} per ${windowMs} ms`,
      `  429s received:   ${throttled} (${((throttled / Math.max(1, attempts)) * 100).toFixed(1)}% of writes sent)`,
      ...(neighbour === undefined ? [] : [`  neighbour:       ${neighbour.writes} writes accepted, ${neighbour.refused} refused`]),
      `  wall time:       ${(result.wallMs / 1000).toFixed(1)} s (resolving the department ${(result.resolveMs / 1000).toFixed(1)} s, revoking and verifying ${(result.writeMs / 1000).toFixed(1)} s)`,
      `  peak RSS:        ${(result.peakRss / 1024 / 1024).toFixed(0)} MB (after start-up ${(result.baseRss / 1024 / 1024).toFixed(0)} MB)`,
      `  outcomes:        ${Object.entries(result.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}; lost ${result.lost}`,
      "",
    ].join("\n"),
  );
}

/** Two replicas' results as one: writes and outcomes added, the write phase from the first write of either to the last. */
function combined(parts: WorkerResult[]): WorkerResult {
  const first = Math.min(...parts.map((p) => p.firstTakeAt ?? Infinity));
  const last = Math.max(...parts.map((p) => p.lastTakeAt ?? -Infinity));
  const outcomes: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  return {
    writes: parts.reduce((a, p) => a + p.writes, 0),
    writePhaseMs: Number.isFinite(first) && Number.isFinite(last) ? last - first : 0,
    wallMs: Math.max(...parts.map((p) => p.wallMs)),
    resolveMs: Math.max(...parts.map((p) => p.resolveMs)),
    writeMs: Math.max(...parts.map((p) => p.writeMs)),
    baseRss: Math.max(...parts.map((p) => p.baseRss)),
    peakRss: Math.max(...parts.map((p) => p.peakRss)),
    outcomes,
    lost: parts.reduce((a, p) => a + p.lost, 0),
    firstTakeAt: first,
    lastTakeAt: last,
  };
}

/** One limit case (a)–(e): the binding limit set in the simulator, the bot told only TOLD. */
async function limitCase(c: LimitCase, sim: StartedSimulator, users: number, caFile: string, dir: string): Promise<void> {
  const binding = BINDING[c];
  sim.setWriteQuota({ capacity: TOLD.quota, windowMs: TOLD.windowMs, counting: "sliding", neighbourShare: 0 });
  sim.setThrottleLimits([binding]);
  sim.resetStats();
  const common = {
    BENCH_GRAPH_BASE_URL: sim.graphBaseUrl,
    BENCH_AUTHORITY_HOST: sim.authorityHost,
    BENCH_TENANT_ID: sim.tenantId,
    BENCH_CLIENT_ID: sim.clientId,
    BENCH_CLIENT_SECRET: sim.clientSecret,
    BENCH_DEPARTMENT: DEPARTMENT,
    BENCH_QUOTA: String(TOLD.quota),
    BENCH_WINDOW_MS: String(TOLD.windowMs),
    BENCH_DB: join(dir, `${c}.db`),
    BENCH_LEASE_MS: "2000",
    NODE_EXTRA_CA_CERTS: caFile,
  };
  let result: WorkerResult;
  let writesBefore = 0;
  if (c === "replicas-short") {
    const server = process.env.TEST_DATABASE_URL;
    if (server === undefined || server === "") {
      process.stdout.write(`${c}: skipped (set TEST_DATABASE_URL to a PostgreSQL server)\n\n`);
      return;
    }
    const database = await freshPostgres(server);
    try {
      const parts = await Promise.all([0, 1].map((i) => spawnWorker("runner", { ...common, BENCH_DATABASE_URL: database.url, BENCH_PART: `${i}/2` }).result));
      result = combined(parts);
    } finally {
      await database.drop();
    }
  } else if (c === "resume") {
    // Killed once half of the users are revoked; a new process resumes the job from the database.
    const first = spawnWorker("runner", common);
    const requestId = await first.requestId;
    while (sim.stats().writeQuota.writesAccepted < users / 2) await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill("SIGKILL");
    await first.result.catch(() => undefined);
    writesBefore = sim.stats().writeQuota.writesAccepted;
    sim.resetStats();
    result = await spawnWorker("runner", { ...common, BENCH_RESUME_ID: requestId }).result;
  } else {
    result = await spawnWorker("runner", common).result;
  }
  const stats = sim.stats();
  const limit = stats.throttleLimits[0];
  const throttled = stats.writeQuota.throttled + stats.writeQuota.throttledInBatch + stats.throttleLimits.reduce((a, l) => a + l.refused, 0);
  const left = Math.floor(binding.capacity * (1 - (binding.othersShare ?? 0)));
  const spanMs = limit.firstAcceptedAt === null || limit.lastAcceptedAt === null ? 0 : limit.lastAcceptedAt - limit.firstAcceptedAt;
  const minimumMs = Math.max(0, Math.ceil(limit.accepted / left) - 1) * binding.windowMs;
  const fraction = spanMs > 0 && minimumMs > 0 ? (minimumMs / spanMs).toFixed(3) : "n/a (all within one window)";
  const recorded = Object.values(result.outcomes).reduce((a, b) => a + b, 0);
  const doubled = Math.max(0, writesBefore + stats.writeQuota.writesAccepted - result.writes);
  const label = {
    "short-window": `(a) ${binding.capacity} writes per ${binding.windowMs / 1000} s per app and tenant binds (shorter than the ${TOLD.windowMs / 1000} s told)`,
    "tenant-window": `(b) the tenant's ${binding.capacity} writes per ${binding.windowMs / 1000} s binds, ${binding.othersShare ?? 0} of it spent by other apps`,
    "resource-units": `(c) ${binding.capacity} resource units per ${binding.windowMs / 1000} s binds, reads and writes counted`,
    resume: `(d) under (a), killed half-way (${writesBefore} writes) and resumed by a new process: the new process's figures`,
    "replicas-short": "(e) under (a), two job runners on one PostgreSQL database",
  }[c];
  process.stdout.write(
    [
      label,
      `  binding limit:   ${fraction} of what it allows: ${limit.accepted} ${binding.counts === "writes" ? "writes" : "units"} in ${(spanMs / 1000).toFixed(1)} s, at least ${(minimumMs / 1000).toFixed(1)} s at ${left} per ${binding.windowMs / 1000} s`,
      `  429s:            ${throttled} (${((throttled / Math.max(1, throttled + limit.accepted)) * 100).toFixed(1)}% of the requests the limit counts)`,
      `  longest gap:     ${(limit.longestGapMs / 1000).toFixed(1)} s between two requests while the job ran`,
      `  targets:         ${recorded} with an outcome (${Object.entries(result.outcomes).map(([k, v]) => `${k} ${v}`).join(", ")}); lost ${result.writes - recorded}, doubled ${doubled}`,
      `  wall time:       ${(result.wallMs / 1000).toFixed(1)} s`,
      "",
    ].join("\n"),
  );
  if (result.lost !== 0) process.exitCode = 1;
}

/** A worker process: its result, and the id of the job it made (the first line it prints). */
function spawnWorker(way: "runner" | "sequential", env: Record<string, string>): { child: ChildProcess; result: Promise<WorkerResult>; requestId: Promise<string> } {
  const child = spawn(process.execPath, ["--no-deprecation", `--max-old-space-size=${WORKER_HEAP_MB}`, "--import", "tsx", join(__dirname, "bench", "bulk-worker.ts"), way], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  let announce: (id: string) => void = () => undefined;
  const requestId = new Promise<string>((resolve) => (announce = resolve));
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const m = /^request (\S+)$/m.exec(out);
    if (m !== null) announce(m[1] ?? "");
  });
  const result = new Promise<WorkerResult>((resolve, reject) => {
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
  return { child, result, requestId };
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
