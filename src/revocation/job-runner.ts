import type { Logger } from "pino";
import type { AuditLog, NewAuditEntry } from "../audit/audit-log.js";
import type { Auditor } from "../audit/auditor.js";
import type { Directory } from "../directory/directory.js";
import { BATCH_LIMIT, type BatchAnswer } from "../directory/graph-batch.js";
import type { DirectoryUser } from "../directory/types.js";
import { AppError, isTransient, userMessageOf } from "../errors.js";
import type { RoleLookup } from "../policy/roles.js";
import { WritePacer, type SendLedger } from "./pacer.js";
import type { JobStarter } from "./lifecycle.js";
import type { JobClaim, JobQueue, RequestStore, RequestSummary } from "./request-store.js";
import { FINAL_STATES, isAppActor, type RevocationRequest, type TargetOutcome } from "./types.js";

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

// The completion entry lists every outcome up to this many targets; beyond, the per-target entries do.
const LISTED_OUTCOMES = 50;

/** Users the finished card and its replies may list (failures first). */
const FINAL_LISTED = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a batch's writes left for its verification. */
interface WrittenBatch {
  byId: Map<string, DirectoryUser>;
  /** Outcomes already final (not found, failed). */
  outcomes: TargetOutcome[];
  /** Revoked by this runner now (to verify). */
  revokedNow: string[];
  /** Revoked before an interruption, as the read-back showed: user → sessions valid from. */
  alreadyRevoked: Map<string, string>;
  disabled: Set<string>;
  disableNotes: Map<string, string>;
  startedAt: number;
}

/** Batches whose verification may run beside the writes before the writers wait. */
const MAX_VERIFYING_BATCHES = 64;

/** Users a progress summary carries (what a card lists). */
const SUMMARY_ROWS = 20;

/** A throttled batch is retried this many times (each after its Retry-After) before its users fail. */
const MAX_THROTTLE_RETRIES = 10;

/** A wait of 75–125% of `ms`, so retries from many batches do not arrive together. */
function withJitter(ms: number): number {
  return Math.round(ms * (0.75 + Math.random() * 0.5));
}

/**
 * Runs approved requests under a renewed lease: revokes each target by object ID, optionally
 * disables it, reads the sessions-valid-from time back to verify, and records exactly one outcome
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

  constructor(
    private readonly deps: {
      store: RequestStore;
      jobs: JobQueue;
      directory: Directory;
      auditor: Auditor;
      /** Where the job's approval entry is looked up before anything is revoked. */
      auditLog: Pick<AuditLog, "findForRequest">;
      /** The requester must still be a revoker when the job starts. */
      roles: RoleLookup;
      listener: ProgressListener;
      logger: Logger;
      /** This process's name in job leases (host, pid and a random part). */
      owner: string;
      /** Where Graph writes are counted: shared by replicas (the database) or this process's own. */
      ledger?: SendLedger;
      options?: Partial<JobRunnerOptions>;
    },
  ) {
    this.options = { ...DEFAULT_JOB_OPTIONS, ...deps.options };
    this.pacer = new WritePacer({ capacity: this.options.writeQuota, windowMs: this.options.writeWindowMs, ledger: deps.ledger });
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

  private async run(claim: JobClaim): Promise<void> {
    const { requestId } = claim;
    const lease = new LeaseKeeper(this.deps.jobs, requestId, this.deps.owner, this.options.leaseMs, this.deps.logger);
    try {
      let request = await this.deps.store.get(requestId);
      if (request === undefined || FINAL_STATES.has(request.state) || request.state === "pending") {
        this.deps.logger.warn({ requestId, state: request?.state }, "job for a request that cannot run; releasing it");
        await this.deps.jobs.release(requestId, this.deps.owner);
        return;
      }
      const refusal = await this.refusalOf(request);
      if (refusal !== undefined) {
        await this.refuse(request, refusal);
        return;
      }
      if (request.state === "approved") {
        const started = await this.deps.store.transition(requestId, request.version, { state: "running" }, {
          audit: { actor: null, action: "revocation.started", requestId, details: { runner: this.deps.owner, targetCount: request.targets.length } },
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
            remaining: request.targets.length - request.outcomes.length,
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
   * Why the job must not run, or undefined. The approval must be in the audit chain (a request
   * set to approved in the database by hand has none), by the person the request names as its
   * approver; at start the requester must still be a revoker (removed from the group between the
   * approval and now: nothing is revoked). A role lookup that fails throws: the job is retried.
   */
  private async refusalOf(request: RevocationRequest): Promise<string | undefined> {
    const approval = await this.deps.auditLog.findForRequest(request.id, "request.approved");
    if (approval === undefined) return "its approval is not in the audit log, so nobody can be shown to have approved it";
    if (request.decidedBy !== null && approval.actor?.aadObjectId.toLowerCase() !== request.decidedBy.aadObjectId.toLowerCase()) {
      return "the approval in the audit log is by someone other than the approver the request names";
    }
    // An app's right to propose was its app role, checked when it asked; it is in no group.
    if (request.state !== "approved" || isAppActor(request.requester)) return undefined;
    const roles = await this.deps.roles.rolesOf(request.requester.aadObjectId);
    if (!roles.revoker) return `the requester, ${request.requester.name}, is no longer allowed to request revocations`;
    return undefined;
  }

  /** Records the refusal (revocation.refused), ends the request as failed with the reason, revokes nobody. */
  private async refuse(request: RevocationRequest, reason: string): Promise<void> {
    this.deps.logger.warn({ requestId: request.id, reason }, "revocation job refused");
    const refused = await this.deps.store.transition(
      request.id,
      request.version,
      { state: "failed", decisionReason: `Not run: ${reason}.` },
      {
        job: "finish",
        audit: {
          actor: null,
          action: "revocation.refused",
          requestId: request.id,
          details: { reason: `Not run: ${reason}.`, targetCount: request.targets.length, requester: request.requester.name },
        },
      },
    );
    if (refused === undefined) throw new Error(`request ${request.id} changed while its job was refused`);
    await this.notify(() => this.deps.listener.onFinished(refused));
  }

  /**
   * Works through targets without an outcome, 20 to a Graph batch, several batches in flight,
   * writes paced to the quota; false when it stopped before all had one.
   */
  private async processTargets(request: RevocationRequest, lease: LeaseKeeper): Promise<boolean> {
    const done = new Set(request.outcomes.map((o) => o.userId));
    const todo = request.targets.filter((t) => !done.has(t.id));
    const chunks: DirectoryUser[][] = [];
    // A batch never holds more writes than the whole quota allows at once.
    const size = Math.max(1, Math.min(BATCH_LIMIT, this.options.writeQuota));
    for (let i = 0; i < todo.length; i += size) chunks.push(todo.slice(i, i + size));
    let next = 0;
    let halted = false;
    const worker = async (): Promise<void> => {
      while (!halted) {
        if (this.stopping || lease.lost) {
          halted = true;
          return;
        }
        const chunk = chunks[next++];
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
        const written = await this.writeBatch(chunk, request.disable, marks.previous);
        // Verification waits for Entra to converge; it must not hold up the next writes, so it
        // runs beside them (bounded), and records the batch's outcomes when it is done.
        const verifying = this.verifyBatch(written).then((outcomes) => this.record(request.id, chunk, outcomes));
        inFlight.add(verifying);
        void verifying.finally(() => inFlight.delete(verifying)).catch(() => undefined);
        if (inFlight.size >= MAX_VERIFYING_BATCHES) await Promise.race(inFlight);
      }
    };
    const inFlight = new Set<Promise<void>>();
    const workers = Promise.all(Array.from({ length: Math.min(this.options.concurrency, Math.max(chunks.length, 1)) }, () => worker()));
    await workers.finally(() => Promise.all(inFlight));
    await Promise.all(inFlight);
    return !halted && next >= chunks.length;
  }

  /** Records a batch's outcomes (one per target, with its audit entry) and tells the card. */
  private async record(requestId: string, chunk: readonly DirectoryUser[], outcomes: readonly TargetOutcome[]): Promise<void> {
    const byId = new Map(chunk.map((t) => [t.id, t]));
    await this.deps.store.recordOutcomes(
      requestId,
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
  private async writeBatch(targets: DirectoryUser[], disable: boolean, previous: ReadonlyMap<string, string | null>): Promise<WrittenBatch> {
    const outcomes: TargetOutcome[] = [];
    const byId = new Map(targets.map((t) => [t.id, t]));
    const startedAt = Date.now();

    // Resumed targets: verified already revoked → done; otherwise revoked with the rest.
    const resumed = targets.filter((t) => (previous.get(t.id) ?? null) !== null);
    const alreadyRevoked = new Map<string, string>();
    if (resumed.length > 0) {
      const reads = await this.readBack(resumed.map((t) => t.id));
      for (const t of resumed) {
        const validFrom = reads.get(t.id)?.signInSessionsValidFromDateTime ?? null;
        const attemptAt = previous.get(t.id) ?? "";
        if (validFrom !== null && Date.parse(validFrom) >= Date.parse(attemptAt) - this.options.clockSkewMs && isLater(validFrom, t)) {
          alreadyRevoked.set(t.id, validFrom);
        }
      }
    }

    const toRevoke = targets.filter((t) => !alreadyRevoked.has(t.id)).map((t) => t.id);
    // The worker took the quota for this batch's revocations before marking them.
    const revoke = await this.writeAll(toRevoke, (ids) => this.deps.directory.revokeMany(ids), true);
    for (const [userId, error] of revoke.failed) {
      const notFound = error.code === "GraphNotFound";
      outcomes.push({
        userId,
        status: notFound ? "not_found" : "failed",
        detail: notFound ? "The user no longer exists in the directory (deleted since the request was made)." : error.userMessage,
        sessionsValidFrom: null,
        disabled: false,
        at: new Date().toISOString(),
      });
    }
    const revoked = [...revoke.ok, ...alreadyRevoked.keys()];
    const disableNotes = new Map<string, string>();
    const disabled = new Set<string>();
    if (disable && revoked.length > 0) {
      const result = await this.writeAll(revoked, (ids) => this.deps.directory.disableMany(ids));
      for (const id of result.ok) disabled.add(id);
      for (const [id, error] of result.failed) {
        disableNotes.set(id, ` Sessions were revoked, but the account could not be disabled: ${error.userMessage}`);
      }
    }

    return { byId, outcomes, revokedNow: revoke.ok, alreadyRevoked, disabled, disableNotes, startedAt };
  }

  /** Reads the batch's revocations back and gives every target of it its outcome. */
  private async verifyBatch(written: WrittenBatch): Promise<TargetOutcome[]> {
    const { byId, alreadyRevoked, disabled, disableNotes } = written;
    const outcomes = [...written.outcomes];
    const verified = await this.verifyAll(
      written.revokedNow.map((id) => byId.get(id)).filter((t): t is DirectoryUser => t !== undefined),
      written.startedAt,
    );
    for (const id of [...written.revokedNow, ...alreadyRevoked.keys()]) {
      const target = byId.get(id);
      if (target === undefined) continue;
      const note = disableNotes.get(id) ?? "";
      const disabledText = disabled.has(id) ? " Account disabled." : "";
      const earlier = alreadyRevoked.get(id);
      if (earlier !== undefined) {
        outcomes.push({
          userId: id,
          status: note === "" ? "revoked_verified" : "failed",
          sessionsValidFrom: earlier,
          disabled: disabled.has(id),
          detail: `Sessions valid from ${earlier} (revoked before an interruption; verified on resume).${disabledText}${note}`,
          at: new Date().toISOString(),
        });
        continue;
      }
      const check = verified.get(id) ?? { ok: false, value: null };
      outcomes.push({
        userId: id,
        status: note !== "" ? "failed" : check.ok ? "revoked_verified" : "revoked_unverified",
        sessionsValidFrom: check.value,
        disabled: disabled.has(id),
        detail: check.ok
          ? `Sessions valid from ${check.value}.${disabledText}${note}`
          : `Graph accepted the revocation, but the read-back still shows ${check.value ?? "no revocation time"}; Entra can take a few minutes to converge. Check again with: status ${target.userPrincipalName}.${disabledText}${note}`,
        at: new Date().toISOString(),
      });
    }
    return outcomes;
  }

  /**
   * Sends writes in one batch, paced to the quota, until each has succeeded or failed for good:
   * throttled items wait their own Retry-After (and slow every writer down); 5xx and network
   * errors are retried with backoff and jitter; 403, 404 and other refusals are final at once.
   */
  private async writeAll(
    userIds: readonly string[],
    send: (ids: readonly string[]) => Promise<BatchAnswer>,
    prepaid = false,
  ): Promise<{ ok: string[]; failed: Map<string, AppError> }> {
    const ok: string[] = [];
    const failed = new Map<string, AppError>();
    let pending = [...userIds];
    let transientTries = 0;
    let throttleTries = 0;
    let paid = prepaid;
    while (pending.length > 0) {
      if (!paid) await this.pacer.take(pending.length);
      paid = false;
      let answer: BatchAnswer;
      const sentAt = Date.now();
      try {
        answer = await send(pending);
        this.pacer.observeLatency(Date.now() - sentAt);
      } catch (err) {
        // The batch as a whole did not get through (network, outage): every item is retried.
        const error = err instanceof AppError ? err : new AppError("GraphUnavailable", userMessageOf(err));
        answer = { items: pending.map((userId) => ({ userId, ok: false, error })), throttled: error.code === "GraphThrottled" ? pending.length : 0 };
      }
      this.pacer.observePercentage(answer.throttlePercentage);
      const retry: string[] = [];
      let wait = 0;
      let throttled = false;
      for (const item of answer.items) {
        if (item.ok) {
          ok.push(item.userId);
          continue;
        }
        const error = item.error ?? new AppError("GraphUnavailable", "Microsoft Graph gave no answer for this user.");
        if (error.code === "GraphThrottled") {
          throttled = true;
          wait = Math.max(wait, item.retryAfterMs ?? (error.details.retryAfterSeconds ?? 1) * 1000);
          retry.push(item.userId);
        } else if (isTransient(error)) {
          retry.push(item.userId);
        } else {
          failed.set(item.userId, error);
        }
      }
      if (retry.length === 0) break;
      if (throttled) {
        this.pacer.observeThrottle(wait);
        throttleTries++;
      } else {
        transientTries++;
      }
      const backoff = this.options.retryDelaysMs[transientTries - 1];
      if (throttleTries > MAX_THROTTLE_RETRIES || (!throttled && backoff === undefined)) {
        const last = new Map(answer.items.map((i) => [i.userId, i.error]));
        for (const id of retry) failed.set(id, last.get(id) ?? new AppError("GraphUnavailable", "Microsoft Graph kept failing for this user."));
        break;
      }
      if (!throttled && backoff !== undefined) await sleep(withJitter(backoff));
      pending = retry;
    }
    return { ok, failed };
  }

  /** Reads the users back in batches (reads are not writes: not paced), retrying transient failures. */
  private async readBack(userIds: readonly string[]): Promise<Map<string, DirectoryUser>> {
    const users = new Map<string, DirectoryUser>();
    let pending = [...userIds];
    for (let attempt = 0; pending.length > 0 && attempt <= this.options.retryDelaysMs.length; attempt++) {
      if (attempt > 0) await sleep(withJitter(this.options.retryDelaysMs[attempt - 1] ?? 1000));
      let answer: BatchAnswer;
      try {
        answer = await this.deps.directory.readMany(pending);
      } catch (err) {
        this.deps.logger.warn({ err }, "read-back batch failed; retrying");
        continue;
      }
      const retry: string[] = [];
      for (const item of answer.items) {
        if (item.ok && item.user !== undefined) users.set(item.userId, item.user);
        else if (item.error !== undefined && isTransient(item.error)) retry.push(item.userId);
      }
      pending = retry;
    }
    return users;
  }

  /** Reads signInSessionsValidFromDateTime back, in batches, until each shows the revocation or the waits run out. */
  private async verifyAll(targets: DirectoryUser[], startedAt: number): Promise<Map<string, { ok: boolean; value: string | null }>> {
    const result = new Map<string, { ok: boolean; value: string | null }>();
    let pending = targets;
    for (const delay of this.options.verifyDelaysMs) {
      if (pending.length === 0) break;
      await sleep(delay);
      const reads = await this.readBack(pending.map((t) => t.id));
      const still: DirectoryUser[] = [];
      for (const t of pending) {
        const value = reads.get(t.id)?.signInSessionsValidFromDateTime ?? result.get(t.id)?.value ?? null;
        if (value !== null && isLater(value, t) && Date.parse(value) >= startedAt - this.options.clockSkewMs) {
          result.set(t.id, { ok: true, value });
        } else {
          result.set(t.id, { ok: false, value });
          still.push(t);
        }
      }
      pending = still;
    }
    return result;
  }

  /** Every target has an outcome: the request ends completed or failed, with its summary entry. */
  private async finish(requestId: string): Promise<void> {
    // Counts and the users a card and the entry list, not the whole request: a job of 100,000
    // must not load every target and outcome again to say it is done.
    const done = await this.deps.store.summary(requestId, FINAL_LISTED);
    if (done === undefined || done.request.state !== "running") return;
    const recorded = Object.values(done.counts).reduce((a, b) => a + b, 0);
    if (recorded < done.targetCount) throw new Error(`request ${requestId} finished with targets lacking an outcome`);
    const failedCount = done.counts.failed + done.counts.not_found;
    const finalState = failedCount === 0 ? "completed" : "failed";
    // Small requests list every outcome; larger ones their first failures (rows put failures first).
    const listed = (
      done.targetCount <= LISTED_OUTCOMES
        ? done.rows
        : done.rows.filter((r) => r.outcome?.status === "failed" || r.outcome?.status === "not_found")
    ).slice(0, LISTED_OUTCOMES);
    const finished = await this.deps.store.transition(
      requestId,
      done.request.version,
      { state: finalState },
      {
        job: "finish",
        light: true,
        audit: {
          actor: null,
          action: finalState === "completed" ? "revocation.completed" : "revocation.failed",
          requestId,
          details: {
            counts: done.counts,
            outcomes: listed.map(({ target, outcome }) => ({
              id: target.id,
              upn: target.userPrincipalName,
              status: outcome?.status,
              detail: outcome?.detail,
              sessionsValidFrom: outcome?.sessionsValidFrom,
              disabled: outcome?.disabled,
            })),
            ...(listed.length < recorded ? { moreOutcomes: `${recorded - listed.length} more; each target has its own target.outcome entry` } : {}),
          },
        },
      },
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

/** Whether a read-back time is later than the one in the request's snapshot of the user. */
function isLater(readBack: string, snapshot: DirectoryUser): boolean {
  const before = snapshot.signInSessionsValidFromDateTime === null ? NaN : Date.parse(snapshot.signInSessionsValidFromDateTime);
  return Number.isNaN(before) || Date.parse(readBack) > before;
}

function outcomeAudit(requestId: string, target: DirectoryUser, outcome: TargetOutcome): NewAuditEntry {
  return {
    actor: null,
    action: "target.outcome",
    requestId,
    details: {
      id: target.id,
      upn: target.userPrincipalName,
      status: outcome.status,
      detail: outcome.detail,
      sessionsValidFrom: outcome.sessionsValidFrom,
      disabled: outcome.disabled,
    },
  };
}

/**
 * Renews a job's lease every third of its length. `lost` turns true when the lease was taken over
 * (or could not be renewed before it ran out), and the runner then stops taking targets.
 */
class LeaseKeeper {
  lost = false;
  private readonly timer: NodeJS.Timeout;
  private expiresAt: number;

  constructor(
    private readonly jobs: JobQueue,
    private readonly requestId: string,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.expiresAt = Date.now() + leaseMs;
    this.timer = setInterval(() => void this.renew(), Math.max(Math.floor(leaseMs / 3), 100));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const attemptedAt = Date.now();
    try {
      if (await this.jobs.renew(this.requestId, this.owner, this.leaseMs)) {
        this.expiresAt = attemptedAt + this.leaseMs;
      } else {
        this.lost = true;
      }
    } catch (err) {
      this.logger.warn({ err, requestId: this.requestId }, "lease renewal failed; retrying");
      if (Date.now() >= this.expiresAt) this.lost = true;
    }
  }
}

/** Counts outcomes by status. */
export function countOutcomes(outcomes: readonly TargetOutcome[]): Record<TargetOutcome["status"], number> {
  const counts = { revoked_verified: 0, revoked_unverified: 0, not_found: 0, skipped: 0, failed: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}
