import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import type { Directory } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import { AppError, isTransient, userMessageOf } from "../errors.js";
import type { JobStarter } from "./lifecycle.js";
import type { RequestStore } from "./request-store.js";
import type { RevocationRequest, TargetOutcome } from "./types.js";

/** Told about a running request's progress, to update its card (implemented by the bot layer). */
export interface ProgressListener {
  onProgress(request: RevocationRequest): Promise<void>;
  onFinished(request: RevocationRequest): Promise<void>;
}

export interface JobRunnerOptions {
  /** Waits before each read-back of signInSessionsValidFromDateTime (Entra is eventually consistent). */
  verifyDelaysMs: readonly number[];
  /** Waits before retrying a throttled or failed Graph call, beyond the Graph client's own retries. */
  retryDelaysMs: readonly number[];
  /** How far the directory's clock may be behind ours when judging a read-back. */
  clockSkewMs: number;
}

export const DEFAULT_JOB_OPTIONS: JobRunnerOptions = {
  verifyDelaysMs: [500, 1500, 3000, 6000],
  retryDelaysMs: [2000, 5000, 15000],
  clockSkewMs: 5 * 60_000,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs approved requests: revokes each target by object ID, optionally disables it, reads the
 * sessions-valid-from time back to verify, and records exactly one outcome per target.
 */
export class JobRunner implements JobStarter {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      store: RequestStore;
      directory: Directory;
      auditor: Auditor;
      listener: ProgressListener;
      logger: Logger;
      options?: Partial<JobRunnerOptions>;
    },
  ) {}

  private get options(): JobRunnerOptions {
    return { ...DEFAULT_JOB_OPTIONS, ...this.deps.options };
  }

  start(requestId: string): void {
    if (this.running.has(requestId)) return;
    const job = this.run(requestId)
      .catch((err: unknown) => this.deps.logger.error({ err, requestId }, "revocation job crashed"))
      .finally(() => this.running.delete(requestId));
    this.running.set(requestId, job);
  }

  /** Resolves when every job started so far has finished (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async run(requestId: string): Promise<void> {
    const approved = await this.deps.store.get(requestId);
    if (approved === undefined || approved.state !== "approved") return;
    const running = await this.deps.store.update(requestId, approved.version, { state: "running" });
    if (running === undefined) return; // another runner took it
    await this.notify(() => this.deps.listener.onProgress(running));

    for (const target of running.targets) {
      if (running.outcomes.some((o) => o.userId === target.id)) continue;
      const outcome = await this.revokeOne(target, running.disable);
      await this.deps.store.recordOutcome(requestId, outcome);
      const progress = await this.deps.store.get(requestId);
      if (progress !== undefined) await this.notify(() => this.deps.listener.onProgress(progress));
    }

    const done = await this.deps.store.get(requestId);
    if (done === undefined) return;
    const failed = done.outcomes.filter((o) => o.status === "failed" || o.status === "not_found");
    const finalState = failed.length === 0 ? "completed" : "failed";
    const finished = (await this.deps.store.update(requestId, done.version, { state: finalState })) ?? done;
    await this.deps.auditor.record({
      actor: null,
      action: finalState === "completed" ? "revocation.completed" : "revocation.failed",
      requestId,
      details: {
        counts: countOutcomes(finished.outcomes),
        outcomes: finished.outcomes.map((o) => ({
          id: o.userId,
          upn: finished.targets.find((t) => t.id === o.userId)?.userPrincipalName,
          status: o.status,
          detail: o.detail,
          sessionsValidFrom: o.sessionsValidFrom,
          disabled: o.disabled,
        })),
      },
    });
    await this.notify(() => this.deps.listener.onFinished(finished));
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

    let disableNote = "";
    let disabled = false;
    if (disable) {
      try {
        await this.withRetries(() => this.deps.directory.disableAccount(target.id));
        disabled = true;
      } catch (err) {
        this.deps.logger.warn({ err, userId: target.id }, "disable failed");
        disableNote = ` Sessions were revoked, but the account could not be disabled: ${userMessageOf(err)}`;
      }
    }

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

  /** Reads signInSessionsValidFromDateTime back until it shows the revocation, or gives up. */
  private async verify(target: DirectoryUser, startedAt: number): Promise<{ ok: boolean; value: string | null }> {
    const before = target.signInSessionsValidFromDateTime === null ? NaN : Date.parse(target.signInSessionsValidFromDateTime);
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
      const after = Date.parse(last);
      const later = Number.isNaN(before) || after > before;
      if (later && after >= startedAt - this.options.clockSkewMs) return { ok: true, value: last };
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

/** Counts outcomes by status. */
export function countOutcomes(outcomes: readonly TargetOutcome[]): Record<TargetOutcome["status"], number> {
  const counts = { revoked_verified: 0, revoked_unverified: 0, not_found: 0, skipped: 0, failed: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}
