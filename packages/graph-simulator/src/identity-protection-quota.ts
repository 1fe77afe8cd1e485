/**
 * Identity Protection and Conditional Access throttling (riskyUsers, riskDetections, named
 * locations, Conditional Access policies): Microsoft documents 1 request per second per tenant for
 * all apps, and that these resources do not return a `Retry-After` header on their 429s
 * ("Microsoft Graph service-specific throttling limits", "Identity protection and conditional
 * access service limits"). Counted here as a sliding window per tenant (every app's requests
 * together); a request past it is answered 429 without Retry-After.
 */
export interface IdentityProtectionQuotaOptions {
  /** Requests per window; default 1. */
  limit?: number;
  /** The window, ms; default 1,000. */
  windowMs?: number;
}

export class IdentityProtectionQuota {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly sent = new Map<string, number[]>();
  /** Requests answered 429 and accepted so far (tests, benchmarks). */
  throttled = 0;
  accepted = 0;

  constructor(
    options: IdentityProtectionQuotaOptions | false = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.limit = options === false ? Number.POSITIVE_INFINITY : (options.limit ?? 1);
    this.windowMs = options === false ? 1 : (options.windowMs ?? 1000);
    if (!(this.limit > 0) || !(this.windowMs > 0)) throw new RangeError("the Identity Protection quota needs a positive limit and window");
  }

  /** Whether the tenant's request is accepted now (per tenant, whatever the app). */
  take(tenantId: string): boolean {
    const key = tenantId.toLowerCase();
    const now = this.clock();
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length >= this.limit) {
      this.sent.set(key, times);
      this.throttled += 1;
      return false;
    }
    times.push(now);
    this.sent.set(key, times);
    this.accepted += 1;
    return true;
  }
}
