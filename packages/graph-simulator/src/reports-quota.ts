/**
 * The identity and access reports APIs' throttling (the sign-in log among them): Microsoft
 * documents 5 requests per 10 seconds per app and tenant ("Microsoft Graph service-specific
 * throttling limits"). Counted here as a sliding window per app and tenant; a request past it is
 * answered 429 with a Retry-After of the seconds until the oldest request in the window leaves it.
 */
export interface ReportsQuotaOptions {
  /** Requests per window; default 5. */
  limit?: number;
  /** The window, ms; default 10,000. */
  windowMs?: number;
}

export type ReportsVerdict = { accepted: true } | { accepted: false; retryAfterSeconds: number };

export class ReportsQuota {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly sent = new Map<string, number[]>();
  /** Requests answered 429 so far (tests, benchmarks). */
  throttled = 0;
  accepted = 0;

  constructor(
    options: ReportsQuotaOptions | false = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.limit = options === false ? Number.POSITIVE_INFINITY : (options.limit ?? 5);
    this.windowMs = options === false ? 1 : (options.windowMs ?? 10_000);
    if (!(this.limit > 0) || !(this.windowMs > 0)) throw new RangeError("the reports quota needs a positive limit and window");
  }

  take(tenantId: string, appId: string): ReportsVerdict {
    const key = `${tenantId.toLowerCase()}|${appId.toLowerCase()}`;
    const now = this.clock();
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length >= this.limit) {
      this.sent.set(key, times);
      this.throttled += 1;
      const oldest = times[0] ?? now;
      return { accepted: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    times.push(now);
    this.sent.set(key, times);
    this.accepted += 1;
    return { accepted: true };
  }
}
