import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.js";
import type { Auditor } from "../audit/auditor.js";
import type { Directory } from "../directory/directory.js";
import { BATCH_LIMIT } from "../directory/graph-batch.js";
import { GraphBatchCalls } from "../directory/graph-writes.js";
import { WritePacer, type SendLedger } from "../directory/pacer.js";
import type { DirectoryUser } from "../directory/types.js";
import type { RoleLookup } from "../policy/roles.js";
import type { AuditKey } from "../audit/chain.js";
import { BatchSteps } from "./batch-steps.js";
import { jobRefusalOf, refuseJob } from "./job-gate.js";
import { DEFAULT_JOB_OPTIONS, type JobRunnerOptions } from "./job-options.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { TITLE_NAMES, titleDetails } from "./title-details.js";
import { completionAudit, finalStateOf, OutcomeRecorder, outcomeAudit } from "./outcomes.js";
import type { JobClaim, JobQueue, RequestStore, RequestSummary } from "./request-store.js";
import { ContainmentSteps } from "./containment.js";
import { IdentityProtectionPacer } from "../directory/identity-protection-pacer.js";
import { enableBatch } from "./enable.js";
import type { TargetOutcome } from "../domain/outcome.js";
import { FINAL_STATES } from "../domain/request-state.js";
import type { RevocationRequest } from "./types.js";
import type { RevocationWords } from "./words.js";
import { Verification } from "./verification.js";
import { inSpan } from "../telemetry/instruments.js";

export type { JobRunnerOptions } from "./job-options.js";

/** Starts the revocation of an approved request in the background. */
export interface JobStarter {
  start(requestId: string): void;
}

/** Told about a running request's progress, to update its card (implemented by the bot layer). */
export interface ProgressListener {
  /**
   * Targets have finished. `load` reads a summary of the request as it now stands (counts and a
   * few rows, in bounded memory); the listener calls it only when it will show the progress.
   */
  onProgress(requestId: string, load: () => Promise<RequestSummary | undefined>): Promise<void>;
  /**
   * The request ended. A finished job passes a summary (counts, and its first failures) and a
   * request without its targets; otherwise the request is whole.
   */
  onFinished(request: RevocationRequest, summary?: RequestSummary): Promise<void>;
}

/** Users the finished card and its replies may list (failures first). */
const FINAL_LISTED = 1000;

/** Batches whose verification may run beside the writes before the writers wait. */
const MAX_VERIFYING_BATCHES = 64;

/** Targets read from the store at a time (a job holds at most this many, plus those in flight). */
const TARGET_PAGE = 1000;

/** Users a progress summary carries (what a card lists). */
const SUMMARY_ROWS = 20;

/**
 * Runs approved requests under a renewed lease: revokes each target by object ID, optionally
 * disables it and runs its containment steps (revocation/containment.ts), reads the sessions-valid-from time back to verify, and records exactly one outcome
 * per target. A job whose runner died is resumed from the first target without an outcome, by
 * this process after a restart or by another replica, without revoking anyone twice.
 */
export class JobRunner implements JobStarter {
  private readonly running = new Map<string, Promise<void>>();
  private poller: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;
  private readonly options: JobRunnerOptions;
  /** Paces every job's writes to the quota (with a shared ledger, together with every replica's). */
  readonly pacer: WritePacer;
  private readonly calls: GraphBatchCalls;
  private readonly batches: BatchSteps;

  constructor(
    private readonly deps: {
      store: RequestStore;
      jobs: JobQueue;
      directory: Directory;
      auditor: Auditor;
      /** Where the job's request and approval entries are looked up before anything is revoked. */
      auditLog: Pick<AuditLog, "findForRequest">;
      /** The audit chain's key: those entries must check out with it (none: plain sha256). */
      auditKey?: AuditKey;
      /** The requester must still be a revoker when the job starts. */
      roles: RoleLookup;
      listener: ProgressListener;
      logger: Logger;
      /** This process's name in job leases (host, pid and a random part). */
      owner: string;
      /** Where Graph writes are counted: shared by replicas (the database) or this process's own. */
      ledger?: SendLedger;
      /** Identity Protection's pace (shared by replicas in the composition root); default this process's own. */
      identityProtection?: IdentityProtectionPacer;
      /** The sentences recorded with outcomes and refusals (src/cards/revocation-words.ts). */
      words: RevocationWords;
      options?: Partial<JobRunnerOptions>;
    },
  ) {
    this.options = { ...DEFAULT_JOB_OPTIONS, ...deps.options };
    this.pacer = new WritePacer({ capacity: this.options.writeQuota, windowMs: this.options.writeWindowMs, ledger: deps.ledger, logger: deps.logger });
    this.calls = new GraphBatchCalls(this.pacer, this.options.retryDelaysMs, deps.logger);
    const containment = new ContainmentSteps({
      store: deps.store,
      directory: deps.directory,
      calls: this.calls,
      identityProtection: deps.identityProtection ?? new IdentityProtectionPacer({ tenantId: "this-tenant", ledger: deps.ledger }),
      owner: deps.owner,
      words: deps.words,
    });
    this.batches = new BatchSteps({ directory: deps.directory, calls: this.calls, verification: new Verification(deps.directory, this.calls, this.options), containment });
  }

  /** Runs the request's job now if nobody else holds it (called right after an approval). */
  start(requestId: string): void {
    if (this.stopping || this.running.has(requestId)) return;
    this.launch(requestId, () => this.deps.jobs.claim(requestId, this.deps.owner, this.options.leaseMs));
  }

  /** Starts looking for unclaimed jobs periodically (and once now). */
  startPolling(): void {
    this.poller ??= setInterval(() => this.poll(), this.options.pollMs);
    this.poller.unref();
    this.poll();
  }

  /** Resolves when every job started so far has finished or stopped (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.polling !== undefined) {
      await Promise.all([...this.running.values(), this.polling]);
    }
  }

  /**
   * Stops taking work: running jobs finish the targets in flight, record them and give their lease
   * up, so another replica (or this one after a restart) resumes them at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
    await this.idle();
  }

  private poll(): void {
    if (this.stopping || this.polling !== undefined) return;
    this.polling = (async () => {
      while (!this.stopping && this.running.size < this.options.maxJobs) {
        const claim = await this.deps.jobs.claimNext(this.deps.owner, this.options.leaseMs);
        if (claim === undefined) return;
        if (this.running.has(claim.requestId)) return;
        this.launch(claim.requestId, () => Promise.resolve(claim));
      }
    })()
      .catch((err: unknown) => this.deps.logger.warn({ err }, "looking for jobs failed; will retry"))
      .finally(() => {
        this.polling = undefined;
      });
  }

  private launch(requestId: string, claim: () => Promise<JobClaim | undefined>): void {
    const job = claim()
      .then((claimed) => (claimed === undefined ? undefined : this.run(claimed)))
      .catch((err: unknown) => this.deps.logger.error({ err, requestId }, "revocation job stopped by an error; it resumes after its lease runs out"))
      .finally(() => this.running.delete(requestId));
    this.running.set(requestId, job);
  }

  /** One job run, traced (the request's ID ties it to the turn or API call that created it). */
  private run(claim: JobClaim): Promise<void> {
    return inSpan("revocation.job", { "revoke_bot.request.id": claim.requestId, "revoke_bot.job.claims": claim.claims }, () => this.runJob(claim));
  }

  private async runJob(claim: JobClaim): Promise<void> {
    const { requestId } = claim;
    const lease = new LeaseKeeper(this.deps.jobs, requestId, this.deps.owner, this.options.leaseMs, this.deps.logger);
    try {
      // The request without its targets (a job of 100,000 never holds them all): they come a page at a time.
      // Its first few users too: the audit post of the start names a small set (titleDetails).
      const head = await this.deps.store.summary(requestId, TITLE_NAMES);
      let request = head?.request;
      if (head === undefined || request === undefined || FINAL_STATES.has(request.state) || request.state === "pending") {
        this.deps.logger.warn({ requestId, state: request?.state }, "job for a request that cannot run; releasing it");
        await this.deps.jobs.release(requestId, this.deps.owner);
        return;
      }
      const { targetCount } = head;
      const gate = { auditLog: this.deps.auditLog, auditKey: this.deps.auditKey, store: this.deps.store, roles: this.deps.roles, logger: this.deps.logger, words: this.deps.words };
      const refusal = await jobRefusalOf(gate, request, targetCount);
      if (refusal !== undefined) {
        const refused = await refuseJob(gate, request, targetCount, refusal.refusal, refusal.integrity);
        await this.notify(() => this.deps.listener.onFinished(refused));
        return;
      }
      if (request.state === "approved") {
        const started = await this.deps.store.transition(requestId, request.version, { state: "running" }, {
          light: true,
          audit: { actor: null, action: "revocation.started", requestId, details: { runner: this.deps.owner, targetCount, ...titleDetails(request, targetCount, head.rows.map((r) => r.target)) } },
        });
        if (started === undefined) throw new Error(`request ${requestId} changed while its job started`);
        request = started;
      } else {
        await this.deps.auditor.record({
          actor: null,
          action: "revocation.resumed",
          requestId,
          details: {
            runner: this.deps.owner,
            previousRunner: claim.previousOwner ?? "unknown (lease ran out or was released)",
            remaining: targetCount - Object.values(head.counts).reduce((a, b) => a + b, 0),
          },
        });
      }
      await this.notify(() => this.deps.listener.onProgress(requestId, () => this.deps.store.summary(requestId, SUMMARY_ROWS)));

      const finished = await this.processTargets(request, lease);
      if (!finished) {
        if (lease.lost) {
          this.deps.logger.warn({ requestId }, "job lease lost; another runner continues the job");
        } else {
          await this.deps.jobs.release(requestId, this.deps.owner);
          this.deps.logger.info({ requestId }, "job paused for shutdown; it resumes on the next runner");
        }
        return;
      }
      await this.finish(requestId);
    } finally {
      lease.stop();
    }
  }

  /**
   * Works through targets without an outcome, a page at a time from the store, 20 to a Graph
   * batch, several batches in flight, writes paced to the quota; false when it stopped before all
   * had one.
   */
  private async processTargets(request: RevocationRequest, lease: LeaseKeeper): Promise<boolean> {
    // A batch never holds more writes than the whole quota allows at once.
    const size = Math.max(1, Math.min(BATCH_LIMIT, this.options.writeQuota));
    const chunks: DirectoryUser[][] = [];
    let after = -1;
    let exhausted = false;
    let loading: Promise<void> | undefined;
    const refill = async (): Promise<void> => {
      const page = await this.deps.store.pendingTargets(request.id, after, TARGET_PAGE);
      for (let i = 0; i < page.length; i += size) chunks.push(page.slice(i, i + size).map((p) => p.target));
      after = page.at(-1)?.position ?? after;
      if (page.length < TARGET_PAGE) exhausted = true;
    };
    const nextChunk = async (): Promise<DirectoryUser[] | undefined> => {
      while (chunks.length === 0 && !exhausted) {
        loading ??= refill().finally(() => {
          loading = undefined;
        });
        await loading;
      }
      return chunks.shift();
    };
    const recorder = new OutcomeRecorder(this.deps.store, request.id);
    let halted = false;
    const worker = async (): Promise<void> => {
      while (!halted) {
        if (this.stopping || lease.lost) {
          halted = true;
          return;
        }
        const chunk = await nextChunk();
        if (chunk === undefined) return;
        // The quota is waited for before the targets are marked, so a mark means "sent now".
        await this.pacer.take(chunk.length);
        const marks = await this.deps.store.markAttempts(
          request.id,
          chunk.map((t) => t.id),
          this.deps.owner,
        );
        if (marks.kind === "leaseLost") {
          lease.lost = true;
          halted = true;
          return;
        }
        if (request.action === "enable") {
          // `enable`: accountEnabled set and read back; one outcome per target (revocation/enable.ts).
          const enabled = await enableBatch({ directory: this.deps.directory, calls: this.calls, verifyDelaysMs: this.options.verifyDelaysMs, words: this.deps.words }, chunk, true);
          await this.record(recorder, request.id, chunk, enabled);
          continue;
        }
        const written = await this.batches.write(chunk, request, marks.previous);
        // Verification waits for Entra to converge; it must not hold up the next writes, so it
        // runs beside them (bounded), and records the batch's outcomes when it is done.
        const verifying = this.batches.verify(written).then((outcomes) => this.record(recorder, request.id, chunk, outcomes));
        inFlight.add(verifying);
        void verifying.finally(() => inFlight.delete(verifying)).catch(() => undefined);
        if (inFlight.size >= MAX_VERIFYING_BATCHES) await Promise.race(inFlight);
      }
    };
    const inFlight = new Set<Promise<void>>();
    const workers = Promise.all(Array.from({ length: this.options.concurrency }, () => worker()));
    await workers.finally(() => Promise.all(inFlight));
    await Promise.all(inFlight);
    return !halted && exhausted && chunks.length === 0;
  }

  /** Records a batch's outcomes (one per target, with its audit entry) and tells the card. */
  private async record(recorder: OutcomeRecorder, requestId: string, chunk: readonly DirectoryUser[], outcomes: readonly TargetOutcome[]): Promise<void> {
    const byId = new Map(chunk.map((t) => [t.id, t]));
    await recorder.record(
      outcomes.flatMap((outcome) => {
        const target = byId.get(outcome.userId);
        return target === undefined ? [] : [{ outcome, audit: outcomeAudit(requestId, target, outcome) }];
      }),
    );
    await this.notify(() => this.deps.listener.onProgress(requestId, () => this.deps.store.summary(requestId, SUMMARY_ROWS)));
  }

  /** Every target has an outcome: the request ends completed or failed, with its summary entry. */
  private async finish(requestId: string): Promise<void> {
    // Counts and the users a card and the entry list, not the whole request: a job of 100,000
    // must not load every target and outcome again to say it is done.
    const done = await this.deps.store.summary(requestId, FINAL_LISTED);
    if (done === undefined || done.request.state !== "running") return;
    const recorded = Object.values(done.counts).reduce((a, b) => a + b, 0);
    if (recorded < done.targetCount) throw new Error(`request ${requestId} finished with targets lacking an outcome`);
    const finished = await this.deps.store.transition(
      requestId,
      done.request.version,
      { state: finalStateOf(done.counts) },
      { job: "finish", light: true, audit: completionAudit(requestId, done) },
    );
    if (finished === undefined) return; // another runner finished it first
    await this.notify(() => this.deps.listener.onFinished(finished, { ...done, request: finished }));
  }

  private async notify(update: () => Promise<void>): Promise<void> {
    try {
      await update();
    } catch (err) {
      // A card that cannot be updated must not stop the revocation; the audit still records it.
      this.deps.logger.warn({ err }, "progress update failed");
    }
  }
}
