import { ReportsQuota } from "./reports-quota.js";

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

/** The same sliding window as the reports quota, keyed by tenant alone (every app together). */
export class IdentityProtectionQuota {
  private readonly window: ReportsQuota;

  constructor(options: IdentityProtectionQuotaOptions | false = {}, clock: () => number = Date.now) {
    this.window = new ReportsQuota(options === false ? false : { limit: options.limit ?? 1, windowMs: options.windowMs ?? 1000 }, clock);
  }

  /** Requests answered 429 so far (tests, benchmarks). */
  get throttled(): number {
    return this.window.throttled;
  }

  /** Requests accepted so far. */
  get accepted(): number {
    return this.window.accepted;
  }

  /** Whether the tenant's request is accepted now (per tenant, whatever the app); a 429 here carries no Retry-After. */
  take(tenantId: string): boolean {
    return this.window.take(tenantId, ALL_APPS).accepted;
  }
}

/** The app key under which every app's Identity Protection requests are counted together. */
const ALL_APPS = "*";
