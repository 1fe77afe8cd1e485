/**
 * One way of revoking a department for `npm run bench:bulk` (scripts/bench-bulk.ts), in its own
 * process so its peak RSS is its own. Prints one JSON line (WorkerResult) on stdout.
 *
 *   runner      the bot's path: resolve page by page, freeze the snapshot in SQLite, JobRunner
 *               ($batch of 20, paced to the quota, batched verification, one outcome per user)
 *   sequential  one POST revokeSignInSessions after another (PowerShell's foreach)
 *
 * BENCH_RESUME_ID resumes that request's job (left by a killed worker on the same BENCH_DB)
 * instead of making a new one; BENCH_LEASE_MS shortens the job lease so it is taken over quickly.
 * A new job's id is printed first, as `request <id>`, so the bench can resume it.
 */
import { ClientSecretCredential } from "@azure/identity";
import pino from "pino";
import { Auditor } from "../../src/audit/auditor.js";
import { GraphDirectory } from "../../src/directory/graph-directory.js";
import { isGuest } from "../../src/directory/resolvers.js";
import type { DirectoryUser } from "../../src/directory/types.js";
import { createGraphClient } from "../../src/index.js";
import { JobRunner } from "../../src/revocation/job-runner.js";
import { REVOCATION_WORDS } from "../../src/cards/revocation-words.js";
import { pendingRequestOf } from "../../src/requests/new-request.js";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase } from "../../src/store/database.js";
import { SqlJobQueue } from "../../src/store/job-queue.js";
import { SqlRequestStore } from "../../src/store/request-store.js";
import { SqlSendLedger } from "../../src/store/write-ledger.js";
import { targetSetHash } from "../../src/revocation/target-set.js";

export interface WorkerResult {
  writes: number;
  /** From the first write sent to the last (the runner's pacer; the whole loop for sequential). */
  writePhaseMs: number;
  wallMs: number;
  resolveMs: number;
  writeMs: number;
  baseRss: number;
  peakRss: number;
  outcomes: Record<string, number>;
  /** Targets without an outcome at the end (must be 0). */
  lost: number;
  /** When the runner's first and last writes were taken (ms since the epoch), for combining replicas. */
  firstTakeAt: number | null;
  lastTakeAt: number | null;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (run through npm run bench:bulk)`);
  return value;
}


async function main(): Promise<void> {
  const way = process.argv[2];
  const authorityHost = env("BENCH_AUTHORITY_HOST");
  const credential = new ClientSecretCredential(env("BENCH_TENANT_ID"), env("BENCH_CLIENT_ID"), env("BENCH_CLIENT_SECRET"), {
    authorityHost,
    disableInstanceDiscovery: true,
  });
  const directory = new GraphDirectory(createGraphClient({ graph: { baseUrl: env("BENCH_GRAPH_BASE_URL") } } as never, credential), credential);
  await directory.checkAccess();

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  const baseRss = process.memoryUsage.rss();
  const started = Date.now();

  // Both ways list the department the same way: page by page, guests left out.
  const targets: DirectoryUser[] = [];
  for await (const page of directory.usersInDepartment(env("BENCH_DEPARTMENT"))) {
    for (const user of page) if (!isGuest(user)) targets.push(user);
  }
  // A replica of several (BENCH_PART=i/n) revokes its slice of the department.
  const part = /^(\d+)\/(\d+)$/.exec(process.env.BENCH_PART ?? "");
  if (part !== null) {
    const [i, n] = [Number(part[1]), Number(part[2])];
    const slice = targets.filter((_, k) => k % n === i);
    targets.length = 0;
    targets.push(...slice);
  }
  const resolveMs = Date.now() - started;
  let firstTakeAt: number | null = null;
  let lastTakeAt: number | null = null;
  const writeStart = Date.now();
  let outcomes: Record<string, number>;
  let lost = 0;
  let writePhaseMs = 0;

  if (way === "sequential") {
    outcomes = { revoked: 0, failed: 0 };
    for (const user of targets) {
      try {
        await directory.revokeSignInSessions(user.id);
        outcomes.revoked++;
      } catch {
        outcomes.failed++;
      }
    }
    writePhaseMs = Date.now() - writeStart;
  } else if (way === "runner") {
    // Replicas share a PostgreSQL database (BENCH_DATABASE_URL) and pace through its send ledger.
    const shared = process.env.BENCH_DATABASE_URL;
    const database = await openDatabase(shared ?? `sqlite:${env("BENCH_DB")}`);
    const owner = `bench-${process.pid}`;
    const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? "warn" }, pino.destination(2));
    const audit = new SqlAuditStore(database.db, database.kind);
    const auditor = new Auditor(audit, audit, { deliver: () => Promise.resolve(true) }, logger, { owner: `bench-${process.pid}` });
    const store = new SqlRequestStore(database.db, database.kind, undefined, auditor.observe);
    const request = pendingRequestOf(
      { requester: { aadObjectId: "00000000-0000-4000-8000-00000000be01", name: "Bench" }, reason: "bench:bulk", disable: false, containment: { resetPassword: false, confirmCompromised: false }, targets, excluded: [], origin: {} },
      new Date(),
      30,
    );
    const resumeId = process.env.BENCH_RESUME_ID;
    if (resumeId === undefined) {
      // The fingerprint the job runner checks what it runs against (src/revocation/integrity.ts).
      await store.create(request, { actor: request.requester, action: "request.created", requestId: request.id, details: { targetCount: targets.length, targetsSha256: targetSetHash(targets) } });
      await store.transition(request.id, 1, { state: "approved", decidedBy: request.requester }, {
        job: "enqueue",
        audit: { actor: request.requester, action: "request.approved", requestId: request.id, details: {} },
      });
      process.stdout.write(`request ${request.id}\n`);
    }
    const requestId = resumeId ?? request.id;
    const leaseMs = process.env.BENCH_LEASE_MS === undefined ? undefined : Number(process.env.BENCH_LEASE_MS);
    const runner = new JobRunner({
      store,
      jobs: new SqlJobQueue(database.db),
      directory,
      auditor,
      auditLog: audit,
      roles: { rolesOf: () => Promise.resolve({ revoker: true, approver: true }), responderIds: () => Promise.resolve(new Set<string>()) },
      listener: { onProgress: () => Promise.resolve(), onFinished: () => Promise.resolve() },
      logger,
      owner,
      words: REVOCATION_WORDS,
      ledger: shared === undefined ? undefined : new SqlSendLedger(database.db, database.kind, owner),
      options: {
        writeQuota: Number(env("BENCH_QUOTA")),
        writeWindowMs: Number(env("BENCH_WINDOW_MS")),
        verifyDelaysMs: [50, 200, 500],
        concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
        ...(leaseMs === undefined ? {} : { leaseMs }),
      },
    });
    // A resumed job is claimed once the killed worker's lease has run out.
    for (;;) {
      runner.start(requestId);
      await runner.idle();
      const done = await store.summary(requestId, 0);
      const recordedSoFar = Object.values(done?.counts ?? {}).reduce((a, b) => a + b, 0);
      if (recordedSoFar >= targets.length || resumeId === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    writePhaseMs = (runner.pacer.stats.lastTakeAt ?? 0) - (runner.pacer.stats.firstTakeAt ?? 0);
    ({ firstTakeAt, lastTakeAt } = runner.pacer.stats);
    const summary = await store.summary(requestId, 0);
    outcomes = summary?.counts ?? {};
    const recorded = Object.values(outcomes).reduce((a, b) => a + b, 0);
    lost = targets.length - recorded;
    await auditor.idle();
    auditor.stop();
    await database.close();
  } else {
    throw new Error(`unknown way "${way}": runner or sequential`);
  }
  const writeMs = Date.now() - writeStart;
  clearInterval(sampler);
  const result: WorkerResult = { writes: targets.length, writePhaseMs, wallMs: Date.now() - started, resolveMs, writeMs, baseRss, peakRss, outcomes, lost, firstTakeAt, lastTakeAt };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
