/**
 * Graph's write quota for an application+tenant pair (identity and access: 3,000 writes per
 * 2 minutes 30 seconds), modelled as a token bucket that refills continuously. A client that
 * paces itself to the documented rate never sees a 429; one that bursts past it does, with the
 * headers Graph sends, so its back-off is exercised against the real signals.
 */

/** Graph's documented write limit for an application+tenant pair. */
export const DEFAULT_WRITE_CAPACITY = 3000;
export const DEFAULT_WRITE_WINDOW_MS = 150_000;

// Graph sends x-ms-throttle-limit-percentage "only when the application consumed more than 0.8 of
// its limit", with values from 0.8 to 1.8.
const REPORT_ABOVE = 0.8;
const MAX_REPORTED = 1.8;

/** How the write quota is configured; every field has a default. */
export interface WriteQuotaOptions {
  /** Writes a full bucket holds, i.e. the burst allowed; default 3,000. */
  capacity?: number;
  /** Time an empty bucket takes to refill completely; default 150,000 ms (Graph's 2 min 30 s). */
  windowMs?: number;
  /** Epoch-milliseconds source for refills; default Date.now. Tests pass a fake clock. */
  clock?: () => number;
}

/** What tests and benchmarks read about the write quota. */
export interface WriteQuotaStats {
  capacity: number;
  windowMs: number;
  /** Writes that got a token, standalone or inside `$batch` (including ones that then 404ed). */
  writesAccepted: number;
  /** 429s the quota sent to standalone writes. */
  throttled: number;
  /** 429s the quota sent to `$batch` items (each inside a 200 envelope). */
  throttledInBatch: number;
  /** Tokens in the bucket of the simulator's own client app now (fractional; capacity when full). */
  tokensAvailable: number;
  /**
   * That app's use of its limit now, as x-ms-throttle-limit-percentage reports it: 0 when idle,
   * 1 when the bucket is empty, above 1 (up to 1.8) while writes are being refused.
   */
  usage: number;
}

/** The quota's answer to one write. */
export type WriteVerdict =
  | { accepted: true; headers: Record<string, string> }
  | { accepted: false; headers: Record<string, string>; retryAfterSeconds: number; message: string };

interface Bucket {
  tokens: number;
  /**
   * Writes asked for (accepted or refused) that have not yet drained away at the refill rate.
   * It equals capacity - tokens while nothing is refused, and grows beyond capacity (up to 1.8x)
   * when a client keeps writing into an empty bucket: that is what the limit percentage reports.
   */
  demand: number;
  updatedAt: number;
}

/** Token buckets per application+tenant pair, with counters. */
export class WriteQuota {
  private capacity: number;
  private windowMs: number;
  private readonly clock: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private writesAccepted = 0;
  private throttled = 0;
  private throttledInBatch = 0;

  constructor(options: WriteQuotaOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_WRITE_CAPACITY;
    this.windowMs = options.windowMs ?? DEFAULT_WRITE_WINDOW_MS;
    this.clock = options.clock ?? Date.now;
    assertLimits(this.capacity, this.windowMs);
  }

  /** Changes capacity and/or window and refills every bucket; counters are kept. */
  configure(options: Pick<WriteQuotaOptions, "capacity" | "windowMs">): void {
    const capacity = options.capacity ?? this.capacity;
    const windowMs = options.windowMs ?? this.windowMs;
    assertLimits(capacity, windowMs);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.buckets.clear();
  }

  /** Refills every bucket, as if the app had been idle for a whole window. */
  refill(): void {
    this.buckets.clear();
  }

  /** Zeroes the counters (the buckets keep their fill). */
  resetCounters(): void {
    this.writesAccepted = 0;
    this.throttled = 0;
    this.throttledInBatch = 0;
  }

  /**
   * Takes one token for a write by `appId` in `tenantId`, or refuses it.
   * @param inBatch counts a refusal as a `$batch` item's rather than a standalone request's
   */
  take(tenantId: string, appId: string, inBatch: boolean): WriteVerdict {
    const bucket = this.bucketAt(`${tenantId}/${appId}`.toLowerCase(), this.clock());
    bucket.demand = Math.min(bucket.demand + 1, this.capacity * MAX_REPORTED);
    const usage = bucket.demand / this.capacity;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.writesAccepted += 1;
      return { accepted: true, headers: usage > REPORT_ABOVE ? { "x-ms-throttle-limit-percentage": formatUsage(usage) } : {} };
    }
    if (inBatch) {
      this.throttledInBatch += 1;
    } else {
      this.throttled += 1;
    }
    // Whole seconds until the next token, never 0: "Retry-After: 0" invites an immediate retry storm.
    const msPerToken = this.windowMs / this.capacity;
    const retryAfterSeconds = Math.max(1, Math.ceil(((1 - bucket.tokens) * msPerToken) / 1000));
    return {
      accepted: false,
      retryAfterSeconds,
      message: `Too many requests from Identifier:${appId}+${tenantId} under category:throttle.aad.ags.tenantApplication.write. Please try again later.`,
      headers: {
        "Retry-After": String(retryAfterSeconds),
        // Graph's format: <Scope>/<Limit>/<ApplicationId>/<TenantId>.
        "x-ms-throttle-scope": `Tenant_Application/Write/${appId}/${tenantId}`,
        "x-ms-throttle-information": "WriteLimitExceeded",
        "x-ms-throttle-limit-percentage": formatUsage(usage),
      },
    };
  }

  /** Counters, plus the fill of the bucket of `appId` in `tenantId`. */
  stats(tenantId: string, appId: string): WriteQuotaStats {
    const bucket = this.bucketAt(`${tenantId}/${appId}`.toLowerCase(), this.clock());
    return {
      capacity: this.capacity,
      windowMs: this.windowMs,
      writesAccepted: this.writesAccepted,
      throttled: this.throttled,
      throttledInBatch: this.throttledInBatch,
      tokensAvailable: bucket.tokens,
      usage: bucket.demand / this.capacity,
    };
  }

  /** The bucket for `key`, refilled for the time elapsed since it was last touched. */
  private bucketAt(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.capacity, demand: 0, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // A clock that steps backwards (a test's fake one) refills nothing rather than draining.
    const elapsed = Math.max(0, now - bucket.updatedAt);
    const refilled = (elapsed * this.capacity) / this.windowMs;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + refilled);
    bucket.demand = Math.max(0, bucket.demand - refilled);
    bucket.updatedAt = now;
    return bucket;
  }
}

function assertLimits(capacity: number, windowMs: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`writeQuota.capacity must be a positive integer, got ${capacity}`);
  }
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`writeQuota.windowMs must be a positive number of milliseconds, got ${windowMs}`);
  }
}

/** `0.85`, `1.2`: two decimals at most, as a plain number string. */
function formatUsage(usage: number): string {
  return String(Math.round(Math.min(usage, MAX_REPORTED) * 100) / 100);
}
