/**
 * Paces Graph writes to the quota Graph gives an app in a tenant (3,000 writes per 150 s by
 * default): a token bucket of that size, refilled continuously. Graph's own bucket starts full,
 * so a job may spend the whole bucket at once and then runs at the refill rate, which is the
 * fastest the quota allows.
 *
 * It slows down when Graph says it is close to throttling (`x-ms-throttle-limit-percentage`
 * above 0.8) or throttles (429): the rate is cut multiplicatively and creeps back additively, and
 * a 429's Retry-After pauses all writes until it has passed. Replicas each pace their own jobs;
 * several jobs in one process share one pacer.
 */
export interface PacerOptions {
  /** Writes per window (Graph: 3,000). */
  capacity: number;
  /** The window in ms (Graph: 150 s). */
  windowMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PacerStats {
  /** Tokens taken so far. */
  taken: number;
  /** When the first and the latest tokens were taken (ms since the epoch), or null. */
  firstTakeAt: number | null;
  lastTakeAt: number | null;
  /** Times Graph said to slow down (a high limit percentage or a 429). */
  slowdowns: number;
  /** Current rate as a fraction of the quota's refill rate. */
  rateFactor: number;
}

const MIN_FACTOR = 0.1;

/** The share of the quota left unused on purpose. */
const HEADROOM = 0.02;

/** How far Graph's reported usage may exceed this pacer's own before it counts as someone else's. */
const PERCENTAGE_SLACK = 0.1;

export class WritePacer {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private factor = 1;
  private lastSlowdown = -Infinity;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly stats: PacerStats = { taken: 0, firstTakeAt: null, lastTakeAt: null, slowdowns: 0, rateFactor: 1 };

  private readonly options: PacerOptions;

  constructor(options: PacerOptions) {
    if (!(options.capacity >= 1) || !(options.windowMs > 0)) throw new RangeError("the write quota needs a capacity of at least 1 and a positive window");
    // A little under the quota: clocks, arrival order and rounding on Graph's side then never
    // make the last writes of a window a 429, whose Retry-After costs far more than the margin.
    this.options = { ...options, capacity: Math.max(1, Math.floor(options.capacity * (1 - HEADROOM))) };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.tokens = this.options.capacity;
    this.last = this.now();
  }

  /** Tokens per ms at the full quota rate. */
  private get fullRate(): number {
    return this.options.capacity / this.options.windowMs;
  }

  /** Waits until `n` writes may be sent (callers queue in order), then takes them. */
  take(n: number): Promise<void> {
    const count = Math.min(n, this.options.capacity);
    const turn = this.queue.then(() => this.takeNow(count));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(n: number): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.pausedUntil) {
        await this.sleep(this.pausedUntil - now);
        continue;
      }
      this.refill(now);
      if (this.tokens >= n) {
        this.tokens -= n;
        this.stats.taken += n;
        this.stats.firstTakeAt ??= now;
        this.stats.lastTakeAt = now;
        this.recover(n);
        return;
      }
      const rate = this.fullRate * this.factor;
      await this.sleep(Math.max(1, Math.ceil((n - this.tokens) / rate)));
    }
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.options.capacity, this.tokens + elapsed * this.fullRate * this.factor);
  }

  /**
   * Graph's `x-ms-throttle-limit-percentage` (1.0 = the quota used up; sent above 0.8). Running
   * at the quota's pace is expected to show about what this pacer has spent of its own bucket;
   * more than that means someone else spends the same quota (another replica, another tool with
   * this app registration), so the pace drops, at most once per twentieth of the window.
   */
  observePercentage(percentage: number | undefined): void {
    if (percentage === undefined || percentage <= 0.8) return;
    const now = this.now();
    this.refill(now);
    const own = 1 - this.tokens / this.options.capacity;
    if (percentage <= own + PERCENTAGE_SLACK) return;
    if (now - this.lastSlowdown < this.options.windowMs / 20) return;
    this.lastSlowdown = now;
    this.slowDown(percentage >= 1 ? 0.5 : 0.8);
  }

  /** Graph throttled `throttled` writes and asked to wait `retryAfterMs`: pause everyone and slow down. */
  observeThrottle(retryAfterMs: number | undefined): void {
    const now = this.now();
    const wait = retryAfterMs ?? 1000;
    // One episode of 429s (the batches in flight all meet it) halves the pace once, not per batch.
    const newEpisode = now >= this.pausedUntil;
    this.pausedUntil = Math.max(this.pausedUntil, now + wait);
    // The bucket is empty on Graph's side: start again from nothing after the pause.
    this.refill(now);
    this.tokens = 0;
    if (newEpisode) this.slowDown(0.5);
  }

  private slowDown(by: number): void {
    this.refill(this.now());
    this.factor = Math.max(MIN_FACTOR, this.factor * by);
    this.stats.slowdowns++;
    this.stats.rateFactor = this.factor;
  }

  /** Creeps back to the full rate: half a bucket's worth of calm writes restores it from the floor. */
  private recover(n: number): void {
    if (this.factor >= 1) return;
    this.factor = Math.min(1, this.factor + (2 * n * (1 - MIN_FACTOR)) / this.options.capacity);
    this.stats.rateFactor = this.factor;
  }
}
