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
import { integrityProblem } from "./integrity.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { staleEnableOf } from "./stale-enable.js";
import { TITLE_NAMES, titleDetails } from "./title-details.js";
import {
  completionAudit,
  composeOutcomes,
  disableFailedNote,
  finalStateOf,
  OutcomeRecorder,
  outcomeAudit,
  refusedOutcomes,
  type WrittenBatch,
} from "./outcomes.js";
import type { JobClaim, JobQueue, RequestStore, RequestSummary } from "./request-store.js";
import { ContainmentSteps } from "./containment.js";
import { IdentityProtectionPacer } from "../directory/identity-protection-pacer.js";
import { enableBatch } from "./enable.js";
import { isAppActor } from "../domain/actor.js";
import { hasContainment } from "../domain/containment.js";
import type { TargetOutcome } from "../domain/outcome.js";
import { FINAL_STATES } from "../domain/request-state.js";
import type { RevocationRequest } from "./types.js";
import type { JobRefusal, RevocationWords } from "./words.js";
import { Verification } from "./verification.js";
import { inSpan } from "../telemetry/instruments.js";

// The card layer counts outcomes through this module; the counting lives with the outcomes.
export { countOutcomes } from "./outcomes.js";

/** Told about a running request's progress, to update its card (implemented by the bot layer). */
/** Starts the revocation of an approved request in the background. */
export interface JobStarter {
  start(requestId: string): void;
}

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

export interface JobRunnerOptions {
  /** Waits before each read-back of signInSessionsValidFromDateTime (Entra is eventually consistent). */
  verifyDelaysMs: readonly number[];
  /** Waits before retrying a throttled or failed Graph call, beyond the Graph client's own retries. */
  retryDelaysMs: readonly number[];
  /** How far the directory's clock may be behind ours when judging a read-back. */
  clockSkewMs: number;
  /** A job's lease; renewed every third of it. A dead runner's job is resumed once it runs out. */
  leaseMs: number;
  /** How often this process looks for jobs nobody holds (left by a crash or another replica). */
  pollMs: number;
  /** Batches (of up to 20 targets) of one job in flight at once. */
  concurrency: number;
  /** Graph's write quota for this app in this tenant: writes per window. */
  writeQuota: number;
  /** The quota's window, ms. */
  writeWindowMs: number;
  /** Jobs this process runs at once. */
  maxJobs: number;
}

export const DEFAULT_JOB_OPTIONS: JobRunnerOptions = {
  verifyDelaysMs: [500, 1500, 3000, 6000],
  retryDelaysMs: [2000, 5000, 15000],
  clockSkewMs: 5 * 60_000,
  leaseMs: 30_000,
  pollMs: 5000,
  concurrency: 4,
  maxJobs: 4,
  writeQuota: 3000,
  writeWindowMs: 150_000,
};

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
  private readonly verification: Verification;
  private readonly containment: ContainmentSteps;

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
    this.verification = new Verification(deps.directory, this.calls, this.options);
    this.containment = new ContainmentSteps({
      store: deps.store,
      directory: deps.directory,
      calls: this.calls,
      identityProtection: deps.identityProtection ?? new IdentityProtectionPacer({ tenantId: "this-tenant", ledger: deps.ledger }),
      owner: deps.owner,
      words: deps.words,
    });
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
      const refusal = await this.refusalOf(request, targetCount);
      if (refusal !== undefined) {
        await this.refuse(request, targetCount, refusal.refusal, refusal.integrity);
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
   * Why the job must not run, or undefined; checked at every start and resume. What runs must be
   * what was asked for and approved (revocation/integrity.ts: the request's row against its
   * `request.created` and `request.approved` entries, each checked against its own HMAC, and no
   * entry that ended it); the approval must be by the person the request names as its approver;
   * an `enable` must not be stale (revocation/stale-enable.ts); at start the requester must still
   * be a revoker (removed from the group between the approval and now: nothing is revoked). A
   * lookup that fails throws: the job is retried.
   */
  private async refusalOf(request: RevocationRequest, targetCount: number): Promise<{ refusal: JobRefusal; integrity: boolean } | undefined> {
    const problem = await integrityProblem({ auditLog: this.deps.auditLog, store: this.deps.store, key: this.deps.auditKey }, request, targetCount);
    if (problem !== undefined) return { refusal: { code: "integrity", problem }, integrity: true };
    const approval = await this.deps.auditLog.findForRequest(request.id, "request.approved");
    if (approval === undefined) return { refusal: { code: "integrity", problem: { code: "noApproval" } }, integrity: true };
    if (request.decidedBy !== null && approval.actor?.aadObjectId.toLowerCase() !== request.decidedBy.aadObjectId.toLowerCase()) {
      return { refusal: { code: "approverDiffers" }, integrity: true };
    }
    const stale = await staleEnableOf(this.deps.store, request);
    if (stale !== undefined) return { refusal: { code: "staleEnable", stale }, integrity: false };
    // An app's right to propose was its app role, checked when it asked; it is in no group.
    if (request.state !== "approved" || isAppActor(request.requester)) return undefined;
    const roles = await this.deps.roles.rolesOf(request.requester.aadObjectId);
    if (!roles.revoker) return { refusal: { code: "requesterNoLongerRevoker", requesterName: request.requester.name }, integrity: false };
    return undefined;
  }

  /**
   * Records the refusal (revocation.refused, posted to the audit channel), ends the request as
   * failed with the reason, revokes nobody. A request that is not what was asked for and approved
   * is an alert: logged as an error (someone with write access to the database changed it).
   */
  private async refuse(request: RevocationRequest, targetCount: number, refusal: JobRefusal, integrity: boolean): Promise<void> {
    const reason = this.deps.words.jobRefusal(refusal);
    const notRun = this.deps.words.notRun(refusal);
    if (integrity) {
      this.deps.logger.error({ requestId: request.id, reason, alert: "request-integrity" }, "ALERT: a job was refused because the request is not what was asked for and approved");
    } else {
      this.deps.logger.warn({ requestId: request.id, reason }, "revocation job refused");
    }
    const refused = await this.deps.store.transition(
      request.id,
      request.version,
      { state: "failed", decisionReason: notRun },
      {
        job: "finish",
        audit: {
          actor: null,
          action: "revocation.refused",
          requestId: request.id,
          details: { reason: notRun, targetCount, requester: request.requester.name },
        },
      },
    );
    if (refused === undefined) throw new Error(`request ${request.id} changed while its job was refused`);
    await this.notify(() => this.deps.listener.onFinished(refused));
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
        const written = await this.writeBatch(chunk, request, marks.previous);
        // Verification waits for Entra to converge; it must not hold up the next writes, so it
        // runs beside them (bounded), and records the batch's outcomes when it is done.
        const verifying = this.verifyBatch(written).then((outcomes) => this.record(recorder, request.id, chunk, outcomes));
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

  /**
   * The writes of one batch of at most 20 targets: revoke (and disable). Targets an earlier runner
   * may already have revoked are read back first and not revoked again when the read-back shows it.
   */
  private async writeBatch(
    targets: DirectoryUser[],
    { id: requestId, disable, containment }: Pick<RevocationRequest, "id" | "disable" | "containment">,
    previous: ReadonlyMap<string, string | null>,
  ): Promise<WrittenBatch> {
    const byId = new Map(targets.map((t) => [t.id, t]));
    const startedAt = Date.now();
    const alreadyRevoked = await this.verification.alreadyRevoked(targets, previous);

    const toRevoke = targets.filter((t) => !alreadyRevoked.has(t.id)).map((t) => t.id);
    // The worker took the quota for this batch's revocations before marking them.
    const revoke = await this.calls.write(toRevoke, (ids) => this.deps.directory.revokeMany(ids), true);
    const revoked = [...revoke.ok, ...alreadyRevoked.keys()];
    const disableNotes = new Map<string, string>();
    const disabled = new Set<string>();
    if (disable && revoked.length > 0) {
      const result = await this.calls.write(revoked, (ids) => this.deps.directory.disableMany(ids));
      for (const id of result.ok) disabled.add(id);
      for (const [id, error] of result.failed) disableNotes.set(id, disableFailedNote(error));
    }
    const steps = hasContainment(containment)
      ? await this.containment.run(
          requestId,
          containment,
          revoked.flatMap((id) => byId.get(id) ?? []),
          [...revoke.failed.keys()].flatMap((id) => byId.get(id) ?? []),
        )
      : { notes: new Map<string, string>(), failed: new Set<string>() };
    const outcomes = refusedOutcomes(revoke.failed).map((o) => (steps.notes.has(o.userId) ? { ...o, detail: `${o.detail}${steps.notes.get(o.userId) ?? ""}` } : o));
    return { byId, outcomes, revokedNow: revoke.ok, alreadyRevoked, disabled, disableNotes, steps, startedAt };
  }

  /** Reads the batch's revocations back and gives every target of it its outcome. */
  private async verifyBatch(written: WrittenBatch): Promise<TargetOutcome[]> {
    const revokedNow = written.revokedNow.map((id) => written.byId.get(id)).filter((t): t is DirectoryUser => t !== undefined);
    return composeOutcomes(written, await this.verification.verify(revokedNow, written.startedAt));
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
