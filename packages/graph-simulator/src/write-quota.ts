/**
 * Graph's write quota for an application+tenant pair (identity and access: 3,000 writes per
 * 2 minutes 30 seconds). Microsoft does not say how the window counts, so it is modelled both
 * ways: as a token bucket that refills continuously (`counting: "bucket"`, the default), or as a
 * sliding window that accepts a write while fewer than `capacity` were accepted in the trailing
 * `windowMs` (`counting: "sliding"`). A `neighbour` spends a share of the same quota evenly over
 * time, as another app or script of the tenant would. A client that paces itself right never sees
 * a 429; one that bursts past it does, with the headers Graph sends, so its back-off is exercised
 * against the real signals.
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
  /** How writes are counted: a token bucket (default) or a sliding window. */
  counting?: "bucket" | "sliding";
  /** Share of the quota (0 to 0.9) a neighbour spends evenly over time; default 0. */
  neighbourShare?: number;
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
  counting: "bucket" | "sliding";
  neighbourShare: number;
  /** The neighbour's writes accepted and refused. */
  neighbourWrites: number;
  neighbourRefused: number;
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
  /** Sliding window: times of the accepted writes still in the window, oldest first (from `head`). */
  accepted: number[];
  head: number;
  /** The neighbour's next write. */
  neighbourAt: number;
}

/** Token buckets per application+tenant pair, with counters. */
export class WriteQuota {
  private capacity: number;
  private windowMs: number;
  private counting: "bucket" | "sliding";
  private neighbourShare: number;
  private neighbourWrites = 0;
  private neighbourRefused = 0;
  private readonly clock: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private writesAccepted = 0;
  private throttled = 0;
  private throttledInBatch = 0;

  constructor(options: WriteQuotaOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_WRITE_CAPACITY;
    this.windowMs = options.windowMs ?? DEFAULT_WRITE_WINDOW_MS;
    this.counting = options.counting ?? "bucket";
    this.neighbourShare = options.neighbourShare ?? 0;
    this.clock = options.clock ?? Date.now;
    assertLimits(this.capacity, this.windowMs, this.neighbourShare);
  }

  /** Changes capacity, window, counting and/or neighbour and refills every bucket; counters are kept. */
  configure(options: Pick<WriteQuotaOptions, "capacity" | "windowMs" | "counting" | "neighbourShare">): void {
    const capacity = options.capacity ?? this.capacity;
    const windowMs = options.windowMs ?? this.windowMs;
    const neighbourShare = options.neighbourShare ?? this.neighbourShare;
    assertLimits(capacity, windowMs, neighbourShare);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.counting = options.counting ?? this.counting;
    this.neighbourShare = neighbourShare;
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
    this.neighbourWrites = 0;
    this.neighbourRefused = 0;
  }

  /**
   * Takes one token for a write by `appId` in `tenantId`, or refuses it.
   * @param inBatch counts a refusal as a `$batch` item's rather than a standalone request's
   */
  take(tenantId: string, appId: string, inBatch: boolean): WriteVerdict {
    const now = this.clock();
    const bucket = this.bucketAt(`${tenantId}/${appId}`.toLowerCase(), now);
    bucket.demand = Math.min(bucket.demand + 1, this.capacity * MAX_REPORTED);
    const usage = this.counting === "sliding" ? (bucket.accepted.length - bucket.head + 1) / this.capacity : bucket.demand / this.capacity;
    if (this.admit(bucket, now)) {
      this.writesAccepted += 1;
      return { accepted: true, headers: usage > REPORT_ABOVE ? { "x-ms-throttle-limit-percentage": formatUsage(usage) } : {} };
    }
    if (inBatch) {
      this.throttledInBatch += 1;
    } else {
      this.throttled += 1;
    }
    // Whole seconds until a write would be admitted, never 0: "Retry-After: 0" invites an
    // immediate retry storm. A sliding window frees a place when its oldest write leaves it.
    const waitMs = this.counting === "sliding" ? bucket.accepted[bucket.head] + this.windowMs - now : (1 - bucket.tokens) * (this.windowMs / this.capacity);
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    return {
      accepted: false,
      retryAfterSeconds,
      message: `Too many requests from Identifier:${appId}+${tenantId} under category:throttle.aad.ags.tenantApplication.write. Please try again later.`,
      headers: {
        "Retry-After": String(retryAfterSeconds),
        // Graph's format: <Scope>/<Limit>/<ApplicationId>/<TenantId>.
        "x-ms-throttle-scope": `Tenant_Application/Write/${appId}/${tenantId}`,
        "x-ms-throttle-information": "WriteLimitExceeded",
        "x-ms-throttle-limit-percentage": formatUsage(Math.max(usage, 1)),
      },
    };
  }

  /** Takes a place for one write at `at` (a token, or a slot in the window), if there is one. */
  private admit(bucket: Bucket, at: number): boolean {
    if (this.counting === "sliding") {
      while (bucket.head < bucket.accepted.length && bucket.accepted[bucket.head] <= at - this.windowMs) bucket.head++;
      if (bucket.head > 4096 && bucket.head * 2 > bucket.accepted.length) {
        bucket.accepted.splice(0, bucket.head);
        bucket.head = 0;
      }
      if (bucket.accepted.length - bucket.head >= this.capacity) return false;
      bucket.accepted.push(at);
      return true;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
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
      usage: this.counting === "sliding" ? (bucket.accepted.length - bucket.head) / this.capacity : bucket.demand / this.capacity,
      counting: this.counting,
      neighbourShare: this.neighbourShare,
      neighbourWrites: this.neighbourWrites,
      neighbourRefused: this.neighbourRefused,
    };
  }

  /** The bucket for `key`, refilled for the time elapsed since it was last touched, with the neighbour's writes until `now`. */
  private bucketAt(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // A neighbour has been at it for a window already: its writes are in the window from the start.
      bucket = { tokens: this.capacity, demand: 0, updatedAt: now - this.windowMs, accepted: [], head: 0, neighbourAt: now - this.windowMs };
      this.buckets.set(key, bucket);
    }
    if (this.neighbourShare > 0) {
      const every = this.windowMs / (this.capacity * this.neighbourShare);
      // Writes older than a window no longer count in either model.
      if (bucket.neighbourAt < now - this.windowMs) bucket.neighbourAt = now - this.windowMs;
      while (bucket.neighbourAt <= now) {
        this.refillTo(bucket, bucket.neighbourAt);
        if (this.admit(bucket, bucket.neighbourAt)) this.neighbourWrites++;
        else this.neighbourRefused++;
        bucket.neighbourAt += every;
      }
    }
    this.refillTo(bucket, now);
    return bucket;
  }

  private refillTo(bucket: Bucket, at: number): void {
    // A clock that steps backwards (a test's fake one) refills nothing rather than draining.
    const elapsed = Math.max(0, at - bucket.updatedAt);
    const refilled = (elapsed * this.capacity) / this.windowMs;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + refilled);
    bucket.demand = Math.max(0, bucket.demand - refilled);
    bucket.updatedAt = Math.max(bucket.updatedAt, at);
  }
}

function assertLimits(capacity: number, windowMs: number, neighbourShare: number): void {
  if (!Number.isFinite(neighbourShare) || neighbourShare < 0 || neighbourShare > 0.9) {
    throw new RangeError(`writeQuota.neighbourShare must be from 0 to 0.9, got ${neighbourShare}`);
  }
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
