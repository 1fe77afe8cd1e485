/**
 * Paces Identity Protection calls (`riskyUsers/confirmCompromised`) to the limit Microsoft
 * documents for Identity Protection and Conditional Access: 1 request per second per tenant, for
 * all apps together ("Microsoft Graph service-specific throttling limits",
 * https://learn.microsoft.com/graph/throttling-limits#identity-protection-and-conditional-access-service-limits).
 * The same page says these 429s carry no `Retry-After`, so a 429 is waited out with exponential
 * backoff and jitter (a Retry-After, should one come, is honoured instead). Places and pauses are
 * shared by replicas through the database like the reports budget's; other apps of the tenant
 * spend the same limit, which only the 429s show.
 */
import type { BatchAnswer } from "./graph-batch.js";
import type { SendLedger } from "./pacer.js";
import { SharedLimit, type PauseBoard } from "./shared-limit.js";

export const IDENTITY_PROTECTION_LIMIT = 1;
export const IDENTITY_PROTECTION_WINDOW_MS = 1000;
/** "About" one a second, counted on arrival: a tenth of a second spare. */
const SPARE_MS = 100;

export interface IdentityProtectionPacerOptions {
  tenantId: string;
  ledger?: SendLedger;
  pauses?: PauseBoard;
  /** The first backoff after a 429 without Retry-After; doubled each time (default 2 s). */
  backoffMs?: number;
  /** The longest backoff (default 60 s). */
  maxBackoffMs?: number;
  /** 429s one call waits out before its answer goes back to the caller (default 6). */
  maxThrottles?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1): the jitter's draw (tests pass their own). */
  random?: () => number;
}

export interface IdentityProtectionStats {
  calls: number;
  throttled: number;
  /** Every backoff waited after a 429, ms. */
  backoffs: number[];
}

export class IdentityProtectionPacer {
  readonly limit: SharedLimit;
  readonly stats: IdentityProtectionStats = { calls: 0, throttled: 0, backoffs: [] };
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxThrottles: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: IdentityProtectionPacerOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.limit = new SharedLimit({
      key: `identity-protection:${options.tenantId.toLowerCase()}`,
      limit: IDENTITY_PROTECTION_LIMIT,
      windowMs: IDENTITY_PROTECTION_WINDOW_MS,
      marginMs: SPARE_MS,
      ledger: options.ledger,
      pauses: options.pauses,
      now: options.now,
      sleep: this.sleep,
    });
    this.backoffMs = options.backoffMs ?? 2000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.maxThrottles = options.maxThrottles ?? 6;
    this.random = options.random ?? Math.random;
  }

  /**
   * The backoff after the `n`th 429 in a row (1-based): the base doubled each time up to the cap,
   * of which a random half to whole is waited, so that callers throttled together do not return
   * together.
   */
  backoff(n: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** Math.max(0, n - 1));
    return Math.round(ceiling * (0.5 + this.random() * 0.5));
  }

  /**
   * Sends one call when the limit has room, and sends it again after each 429 (every caller of
   * the tenant waits the backoff too), up to maxThrottles; the answer after that goes back with
   * the next backoff as its wait.
   */
  async call(send: () => Promise<BatchAnswer>): Promise<BatchAnswer> {
    for (let throttles = 1; ; throttles++) {
      await this.limit.take(IDENTITY_PROTECTION_LIMIT);
      this.stats.calls += 1;
      const answer = await send();
      if (answer.throttled === 0) {
        // The place was taken before the call left; the call may have reached Graph well after
        // (a slow connection, a busy event loop). A whole window from its answer, which came
        // after its arrival, keeps the next one a window behind it at Graph.
        await this.limit.pause(IDENTITY_PROTECTION_WINDOW_MS + SPARE_MS);
        return answer;
      }
      this.stats.throttled += 1;
      const told = Math.max(0, ...answer.items.map((i) => i.retryAfterMs ?? 0));
      const wait = told > 0 ? told : this.backoff(throttles);
      this.stats.backoffs.push(wait);
      await this.limit.pause(wait);
      if (throttles >= this.maxThrottles) {
        return { ...answer, items: answer.items.map((i) => (i.ok ? i : { ...i, retryAfterMs: i.retryAfterMs ?? this.backoff(throttles + 1) })) };
      }
    }
  }
}
