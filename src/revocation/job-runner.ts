import type { Logger } from "pino";
import type { NewAuditEntry } from "../audit/audit-log.js";
import type { Auditor } from "../audit/auditor.js";
import type { Directory } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import { AppError, isTransient, userMessageOf } from "../errors.js";
import type { JobStarter } from "./lifecycle.js";
import type { JobClaim, JobQueue, RequestStore } from "./request-store.js";
import { FINAL_STATES, type RevocationRequest, type TargetOutcome } from "./types.js";

/** Told about a running request's progress, to update its card (implemented by the bot layer). */
export interface ProgressListener {
  /**
   * A target has finished. `load` reads the request as it now stands; the listener calls it only
   * when it will show the progress, so a job does not reload its whole request per target.
   */
  onProgress(requestId: string, load: () => Promise<RevocationRequest | undefined>): Promise<void>;
  onFinished(request: RevocationRequest): Promise<void>;
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
  /** Targets of one job in flight at once. */
  concurrency: number;
  /** Jobs this process runs at once. */
  maxJobs: number;
}

export const DEFAULT_JOB_OPTIONS: JobRunnerOptions = {
  verifyDelaysMs: [500, 1500, 3000, 6000],
  retryDelaysMs: [2000, 5000, 15000],
  clockSkewMs: 5 * 60_000,
  leaseMs: 30_000,
  pollMs: 5000,
  concurrency: 8,
  maxJobs: 4,
};

// The completion entry lists every outcome up to this many targets; beyond, the per-target entries do.
const LISTED_OUTCOMES = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

  constructor(
    private readonly deps: {
      store: RequestStore;
      jobs: JobQueue;
      directory: Directory;
      auditor: Auditor;
      listener: ProgressListener;
      logger: Logger;
      /** This process's name in job leases (host, pid and a random part). */
      owner: string;
      options?: Partial<JobRunnerOptions>;
    },
  ) {
    this.options = { ...DEFAULT_JOB_OPTIONS, ...deps.options };
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
      const started = request;
      await this.notify(() => this.deps.listener.onProgress(requestId, () => Promise.resolve(started)));

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

  /** Works through targets without an outcome; false when it stopped before all had one. */
  private async processTargets(request: RevocationRequest, lease: LeaseKeeper): Promise<boolean> {
    const done = new Set(request.outcomes.map((o) => o.userId));
    const todo = request.targets.filter((t) => !done.has(t.id));
    let next = 0;
    let halted = false;
    const worker = async (): Promise<void> => {
      while (!halted) {
        if (this.stopping || lease.lost) {
          halted = true;
          return;
        }
        const target = todo[next++];
        if (target === undefined) return;
        const mark = await this.deps.store.markAttempt(request.id, target.id, this.deps.owner);
        if (mark.kind === "leaseLost") {
          lease.lost = true;
          halted = true;
          return;
        }
        const outcome =
          mark.previous === null ? await this.revokeOne(target, request.disable) : await this.resumeOne(target, request.disable, mark.previous);
        await this.deps.store.recordOutcome(request.id, outcome, outcomeAudit(request.id, target, outcome));
        await this.notify(() => this.deps.listener.onProgress(request.id, () => this.deps.store.get(request.id)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, Math.max(todo.length, 1)) }, () => worker()));
    return !halted && next >= todo.length;
  }

  /** Every target has an outcome: the request ends completed or failed, with its summary entry. */
  private async finish(requestId: string): Promise<void> {
    const done = await this.deps.store.get(requestId);
    if (done === undefined || done.state !== "running") return;
    if (done.outcomes.length < done.targets.length) throw new Error(`request ${requestId} finished with targets lacking an outcome`);
    const failed = done.outcomes.filter((o) => o.status === "failed" || o.status === "not_found");
    const finalState = failed.length === 0 ? "completed" : "failed";
    const listed = done.targets.length <= LISTED_OUTCOMES ? done.outcomes : failed.slice(0, LISTED_OUTCOMES);
    const finished = await this.deps.store.transition(requestId, done.version, { state: finalState }, {
      job: "finish",
      audit: {
        actor: null,
        action: finalState === "completed" ? "revocation.completed" : "revocation.failed",
        requestId,
        details: {
          counts: countOutcomes(done.outcomes),
          outcomes: listed.map((o) => ({
            id: o.userId,
            upn: done.targets.find((t) => t.id === o.userId)?.userPrincipalName,
            status: o.status,
            detail: o.detail,
            sessionsValidFrom: o.sessionsValidFrom,
            disabled: o.disabled,
          })),
          ...(listed.length < done.outcomes.length
            ? { moreOutcomes: `${done.outcomes.length - listed.length} more; each target has its own target.outcome entry` }
            : {}),
        },
      },
    });
    if (finished === undefined) return; // another runner finished it first
    await this.notify(() => this.deps.listener.onFinished(finished));
  }

  /**
   * A target an earlier runner started on: if the read-back already shows a revocation since that
   * attempt, the call reached Graph and is not repeated; otherwise it is revoked now.
   */
  private async resumeOne(target: DirectoryUser, disable: boolean, attemptAt: string): Promise<TargetOutcome> {
    let current: DirectoryUser | undefined;
    try {
      current = await this.deps.directory.getUser(target.id);
    } catch (err) {
      this.deps.logger.warn({ err, userId: target.id }, "read-back on resume failed; revoking again");
      return this.revokeOne(target, disable);
    }
    const validFrom = current?.signInSessionsValidFromDateTime ?? null;
    const revokedSince = validFrom !== null && Date.parse(validFrom) >= Date.parse(attemptAt) - this.options.clockSkewMs && isLater(validFrom, target);
    if (current === undefined || !revokedSince) return this.revokeOne(target, disable);

    const { disabled, disableNote } =
      disable && current.accountEnabled !== false ? await this.disableAfterRevoke(target) : { disabled: current.accountEnabled === false, disableNote: "" };
    return {
      userId: target.id,
      status: disableNote === "" ? "revoked_verified" : "failed",
      sessionsValidFrom: validFrom,
      disabled: disable && disabled,
      detail: `Sessions valid from ${validFrom} (revoked before an interruption; verified on resume).${disable && disabled ? " Account disabled." : ""}${disableNote}`,
      at: new Date().toISOString(),
    };
  }

  private async revokeOne(target: DirectoryUser, disable: boolean): Promise<TargetOutcome> {
    const startedAt = Date.now();
    const base = { userId: target.id, sessionsValidFrom: null, disabled: false };
    try {
      await this.withRetries(() => this.deps.directory.revokeSignInSessions(target.id));
    } catch (err) {
      this.deps.logger.warn({ err, userId: target.id }, "revocation failed");
      const notFound = err instanceof AppError && err.code === "GraphNotFound";
      return {
        ...base,
        status: notFound ? "not_found" : "failed",
        detail: notFound
          ? "The user no longer exists in the directory (deleted since the request was made)."
          : userMessageOf(err),
        at: new Date().toISOString(),
      };
    }

    const { disabled, disableNote } = disable ? await this.disableAfterRevoke(target) : { disabled: false, disableNote: "" };

    const verified = await this.verify(target, startedAt);
    if (verified.ok) {
      return {
        ...base,
        status: disableNote === "" ? "revoked_verified" : "failed",
        sessionsValidFrom: verified.value,
        disabled,
        detail: `Sessions valid from ${verified.value}.${disabled ? " Account disabled." : ""}${disableNote}`,
        at: new Date().toISOString(),
      };
    }
    return {
      ...base,
      status: disableNote === "" ? "revoked_unverified" : "failed",
      sessionsValidFrom: verified.value,
      disabled,
      detail: `Graph accepted the revocation, but the read-back still shows ${verified.value ?? "no revocation time"}; Entra can take a few minutes to converge. Check again with: status ${target.userPrincipalName}.${disableNote}`,
      at: new Date().toISOString(),
    };
  }

  /** --disable, after a successful revocation: a failure is noted on the outcome, not thrown. */
  private async disableAfterRevoke(target: DirectoryUser): Promise<{ disabled: boolean; disableNote: string }> {
    try {
      await this.withRetries(() => this.deps.directory.disableAccount(target.id));
      return { disabled: true, disableNote: "" };
    } catch (err) {
      this.deps.logger.warn({ err, userId: target.id }, "disable failed");
      return { disabled: false, disableNote: ` Sessions were revoked, but the account could not be disabled: ${userMessageOf(err)}` };
    }
  }

  /** Reads signInSessionsValidFromDateTime back until it shows the revocation, or gives up. */
  private async verify(target: DirectoryUser, startedAt: number): Promise<{ ok: boolean; value: string | null }> {
    let last: string | null = null;
    for (const delay of this.options.verifyDelaysMs) {
      await sleep(delay);
      try {
        const user = await this.deps.directory.getUser(target.id);
        last = user?.signInSessionsValidFromDateTime ?? null;
      } catch (err) {
        this.deps.logger.warn({ err, userId: target.id }, "verification read failed");
        continue;
      }
      if (last === null) continue;
      if (isLater(last, target) && Date.parse(last) >= startedAt - this.options.clockSkewMs) return { ok: true, value: last };
    }
    return { ok: false, value: last };
  }

  private async withRetries(call: () => Promise<void>): Promise<void> {
    const delays = this.options.retryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await call();
        return;
      } catch (err) {
        const wait = delays[attempt];
        if (!isTransient(err) || wait === undefined) throw err;
        const retryAfter = err instanceof AppError ? (err.details.retryAfterSeconds ?? 0) * 1000 : 0;
        await sleep(Math.max(wait, retryAfter));
      }
    }
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
