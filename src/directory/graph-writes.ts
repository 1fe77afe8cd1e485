import type { Logger } from "pino";
import { AppError, isTransient, userMessageOf } from "../errors.js";
import type { BatchAnswer } from "./graph-batch.js";
import type { WritePacer } from "./pacer.js";
import type { DirectoryUser } from "./types.js";

/**
 * A throttled user is retried this many times (each after its Retry-After) before it fails. Counted
 * per user: after a 429 the pacer sends a probe of one write, and one user refused again and
 * again must not fail the others of its batch, which were not sent.
 */
const MAX_THROTTLE_RETRIES = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A wait of 75–125% of `ms`, so retries from many batches do not arrive together. */
function withJitter(ms: number): number {
  return Math.round(ms * (0.75 + Math.random() * 0.5));
}

/** What a batch of writes ended with: the users it succeeded for, and each other user's final error. */
export interface WriteResult {
  ok: string[];
  failed: Map<string, AppError>;
}

/**
 * Graph `$batch` calls of up to 20 users with the retry and throttling policy: writes are paced to
 * the quota (src/directory/pacer.ts) and tell the pacer what Graph answered; reads wait out
 * Graph's Retry-After and the limit on reads and writes together the pacer learned.
 */
export class GraphBatchCalls {
  constructor(
    private readonly pacer: WritePacer,
    /** Waits before retrying a failed (not throttled) call; one retry per entry. */
    private readonly retryDelaysMs: readonly number[],
    private readonly logger: Logger,
  ) {}

  /**
   * Sends writes in one batch, paced to the quota, until each has succeeded or failed for good:
   * throttled items wait their own Retry-After (and slow every writer down); 5xx and network
   * errors are retried with backoff and jitter; 403, 404 and other refusals are final at once.
   * `prepaid`: the caller already took the quota for the first send.
   */
  async write(userIds: readonly string[], send: (ids: readonly string[]) => Promise<BatchAnswer>, prepaid = false): Promise<WriteResult> {
    const ok: string[] = [];
    const failed = new Map<string, AppError>();
    let pending = [...userIds];
    let transientTries = 0;
    /** 429s per user. */
    const refusals = new Map<string, number>();
    let paid = prepaid;
    while (pending.length > 0) {
      // A probe after a 429 may be granted fewer than asked: the rest go after its answer.
      const granted = paid ? this.pacer.claimGrant(pending.length) : await this.pacer.takeSome(pending.length);
      paid = false;
      const sending = pending.slice(0, granted);
      const later = pending.slice(granted);
      let answer: BatchAnswer;
      const sentAt = Date.now();
      try {
        answer = await send(sending);
        this.pacer.observeLatency(Date.now() - sentAt);
      } catch (err) {
        // The batch as a whole did not get through (network, outage): every item is retried.
        const error = err instanceof AppError ? err : new AppError("GraphUnavailable", userMessageOf(err));
        answer = { items: sending.map((userId) => ({ userId, ok: false, error })), throttled: error.code === "GraphThrottled" ? sending.length : 0 };
      }
      this.pacer.observeAnswer(answer.throttled, "write");
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
          const tries = (refusals.get(item.userId) ?? 0) + 1;
          refusals.set(item.userId, tries);
          if (tries > MAX_THROTTLE_RETRIES) failed.set(item.userId, error);
          else retry.push(item.userId);
        } else if (isTransient(error)) {
          retry.push(item.userId);
        } else {
          failed.set(item.userId, error);
        }
      }
      if (throttled) this.pacer.observeThrottle(wait, answer.throttled, answer.throttleScope, "write", answer.throttleInformation);
      if (retry.length === 0) {
        pending = later;
        continue;
      }
      if (!throttled) transientTries++;
      const backoff = this.retryDelaysMs[transientTries - 1];
      if (!throttled && backoff === undefined) {
        // The users not yet sent share the fate of the batch they were asked with.
        const last = new Map(answer.items.map((i) => [i.userId, i.error]));
        const lastError = answer.items.find((i) => i.error !== undefined)?.error;
        for (const id of [...retry, ...later]) failed.set(id, last.get(id) ?? lastError ?? new AppError("GraphUnavailable", "Microsoft Graph kept failing for this user."));
        break;
      }
      if (!throttled && backoff !== undefined) {
        const waitMs = withJitter(backoff);
        this.logger.debug({ waitMs, limit: "backoff after a failed write batch (5xx or network)", kind: "write", users: retry.length }, "pacing: waiting before retrying a failed batch");
        await sleep(waitMs);
      }
      // Users not yet sent go before the refused ones: the next probe is not the same user again.
      pending = throttled ? [...later, ...retry] : [...retry, ...later];
    }
    return { ok, failed };
  }

  /**
   * Reads users in one batch, retrying transient failures with backoff; a user missing from the
   * answer could not be read. Reads cost resource units as writes do: they wait out Graph's
   * Retry-After and any limit on reads and writes together the pacer learned, and a throttled
   * read teaches it one (retried after its Retry-After, not the backoff).
   */
  async read(userIds: readonly string[], read: (ids: readonly string[]) => Promise<BatchAnswer>): Promise<Map<string, DirectoryUser>> {
    const users = new Map<string, DirectoryUser>();
    let pending = [...userIds];
    let throttleTries = 0;
    for (let attempt = 0; pending.length > 0 && attempt <= this.retryDelaysMs.length; attempt++) {
      await this.pacer.takeReads(pending.length);
      let answer: BatchAnswer;
      try {
        answer = await read(pending);
      } catch (err) {
        const waitMs = withJitter(this.retryDelaysMs[attempt] ?? 1000);
        this.logger.warn({ err, waitMs }, "read-back batch failed; retrying");
        await sleep(waitMs);
        continue;
      }
      this.pacer.observeAnswer(answer.throttled, "read");
      const retry: string[] = [];
      let wait = 0;
      for (const item of answer.items) {
        if (item.ok && item.user !== undefined) users.set(item.userId, item.user);
        else if (item.error !== undefined && isTransient(item.error)) {
          retry.push(item.userId);
          if (item.error.code === "GraphThrottled") wait = Math.max(wait, item.retryAfterMs ?? (item.error.details.retryAfterSeconds ?? 1) * 1000);
        }
      }
      pending = retry;
      if (answer.throttled > 0 && throttleTries++ < MAX_THROTTLE_RETRIES) {
        // Paced like writes: the next try waits the Retry-After (in takeReads), not the backoff.
        this.pacer.observeThrottle(wait, answer.throttled, answer.throttleScope, "read", answer.throttleInformation);
        attempt--;
        continue;
      }
      if (retry.length > 0) {
        const waitMs = withJitter(this.retryDelaysMs[attempt] ?? 1000);
        this.logger.debug({ waitMs, limit: "backoff after a failed read batch (5xx or network)", kind: "read", users: retry.length }, "pacing: waiting before retrying a failed batch");
        await sleep(waitMs);
      }
    }
    return users;
  }
}
