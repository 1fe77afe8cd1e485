/**
 * Paces Graph writes so that no window of the quota's length ever holds more writes than the
 * quota allows: the first writes of a job go at once, and each later write waits until the write
 * `budget` places before it has left the window. That is right however Graph counts (a sliding
 * window, a fixed window or a token bucket all accept it) and, in steady state, as fast as the
 * quota allows. A token bucket would not be: refilling while it drains, it lets through up to
 * twice the quota in the first window, which a sliding window answers with 429s.
 *
 * Other apps and scripts of the same tenant may spend the same quota. The pacer learns what is
 * left for it from Graph's own signals and its count of what it sent itself:
 * - a 429 means the window is full: what the pacer sent in it is its share, so the budget becomes
 *   that (a little less), and everyone waits out the Retry-After; a Retry-After far shorter than
 *   the window means Graph counts a tighter limit than the one configured, and the budget halves;
 * - `x-ms-throttle-limit-percentage` (sent above 0.8 of the limit) counts everyone's writes;
 *   minus the pacer's own count it gives what the others spend, and the budget becomes the rest;
 * - with no signal for a tenth of a window the budget grows again by a twentieth of the quota, so
 *   it speeds up when the others stop (the percentage comes back as soon as it nears the limit).
 * Several limits can be paced at once (per app and tenant; per tenant over all apps; per app over
 * all tenants): a write waits for all of them.
 */
export interface QuotaLimit {
  /** Writes per window (Graph, per app and tenant: 3,000). */
  capacity: number;
  /** The window in ms (Graph: 150 s). */
  windowMs: number;
}

/** One limit as the ledger enforces it: at most `budget` writes in any `span` ms. */
export interface LedgerLimit {
  /** Names the limit in a shared ledger (e.g. `graph-write:3000/150000`). */
  key: string;
  budget: number;
  span: number;
}

/**
 * Where the writes sent are counted. In memory for one process; in the database for replicas
 * that share one quota (src/store/write-ledger.ts), so that together they never exceed it.
 */
export interface SendLedger {
  /**
   * Atomically: when every limit has room for `n` more writes at `now`, records them and answers
   * `wait: 0`; otherwise records nothing and answers how long to wait. `counts` are the writes in
   * each limit's window (before these), everyone's who shares the ledger.
   */
  reserve(now: number, n: number, limits: readonly LedgerLimit[]): Promise<{ wait: number; counts: number[] }>;
}

export interface PacerOptions extends QuotaLimit {
  /** Tighter documented limits to honour as well (e.g. 18,000 per 5 min per tenant over all apps). */
  extraLimits?: readonly QuotaLimit[];
  /** Where sends are counted; default this process's memory. */
  ledger?: SendLedger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PacerStats {
  /** Writes taken so far. */
  taken: number;
  /** When the first and the latest writes were taken (ms since the epoch), or null. */
  firstTakeAt: number | null;
  lastTakeAt: number | null;
  /** Times Graph said to slow down (a 429 episode, or others spending the quota). */
  slowdowns: number;
  /** The budget now, as a fraction of the quota. */
  rateFactor: number;
}

/** The smallest budget, as a fraction of the quota: the pacer never stops altogether. */
const MIN_FACTOR = 0.05;

/** Others' estimated use below this fraction of the quota is noise (rounding, in-flight writes). */
const OTHERS_NOISE = 0.05;

/**
 * With others on the quota, the share of it left unused: their pace varies, and a window filled
 * to the last write turns every variation into 429s.
 */
const SHARED_HEADROOM = 0.025;

/** The widest margin added to a window, as a fraction of it. */
const MAX_MARGIN = 0.05;

/**
 * The least margin added to a window: a write sent at t is counted until t + window + margin,
 * because Graph counts a write when it arrives, and two writes sent a window apart may arrive
 * closer together. The margin grows to the round trips the pacer is told of, and when a 429 comes
 * while the pacer is at its own full quota (timing, not someone else).
 */
function minMarginOf(windowMs: number): number {
  return Math.min(1000, Math.max(20, windowMs * 0.01));
}

/**
 * Ms until `n` more writes fit under `budget` in a window of `span`, given the writes in the
 * window oldest first (0: now).
 */
export function waitForRoom(now: number, n: number, budget: number, span: number, sends: Iterable<{ at: number; n: number }>, inWindow: number): number {
  let excess = inWindow + n - budget;
  if (excess <= 0) return 0;
  for (const send of sends) {
    excess -= send.n;
    if (excess <= 0) return Math.max(1, send.at + span - now + 1);
  }
  // More than the budget alone: wait for the whole window to clear.
  return Math.max(1, span);
}

/** Writes sent in one trailing window: a queue of (time, count), oldest first. */
class SendLog {
  private readonly sends: Array<{ at: number; n: number }> = [];
  private head = 0;
  private total = 0;

  /** Forgets writes that have left the window. */
  prune(now: number, span: number): number {
    while (this.head < this.sends.length && this.sends[this.head].at <= now - span) {
      this.total -= this.sends[this.head].n;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.sends.length) {
      this.sends.splice(0, this.head);
      this.head = 0;
    }
    return this.total;
  }

  *inOrder(): Iterable<{ at: number; n: number }> {
    for (let i = this.head; i < this.sends.length; i++) yield this.sends[i];
  }

  record(now: number, n: number): void {
    this.sends.push({ at: now, n });
    this.total += n;
  }
}

/** The ledger of one process: its own sends, in memory. */
export class MemoryLedger implements SendLedger {
  private readonly logs = new Map<string, SendLog>();

  reserve(now: number, n: number, limits: readonly LedgerLimit[]): Promise<{ wait: number; counts: number[] }> {
    const logs = limits.map((l) => {
      let log = this.logs.get(l.key);
      if (log === undefined) this.logs.set(l.key, (log = new SendLog()));
      return log;
    });
    const counts = limits.map((l, i) => logs[i].prune(now, l.span));
    const wait = Math.max(0, ...limits.map((l, i) => waitForRoom(now, n, l.budget, l.span, logs[i].inOrder(), counts[i])));
    if (wait === 0) for (const log of logs) log.record(now, n);
    return Promise.resolve({ wait, counts });
  }
}

export class WritePacer {
  private readonly limits: Array<LedgerLimit & QuotaLimit>;
  private readonly main: LedgerLimit & QuotaLimit;
  private readonly ledger: SendLedger;
  /** What this pacer may send per window of the main limit now (≤ its quota). */
  private budget: number;
  /** Writes in the main window at the last reservation, everyone's who shares the ledger. */
  private lastCount = 0;
  private pausedUntil = 0;
  /** Until then Graph's signals contradicted the configured window (short Retry-After): no share estimates. */
  private distrustUntil = 0;
  private lastSignal: number;
  private lastGrowth: number;
  /** The longest recent round trip of a batch (decaying), ms. */
  private roundTripMs = 0;
  /** Margin added after 429s that came at the pacer's own full quota, ms. */
  private extraMarginMs = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly stats: PacerStats = { taken: 0, firstTakeAt: null, lastTakeAt: null, slowdowns: 0, rateFactor: 1 };

  constructor(options: PacerOptions) {
    const limits = [{ capacity: options.capacity, windowMs: options.windowMs }, ...(options.extraLimits ?? [])];
    for (const l of limits) {
      if (!(l.capacity >= 1) || !(l.windowMs > 0)) throw new RangeError("a write quota needs a capacity of at least 1 and a positive window");
    }
    this.limits = limits.map((l) => ({
      ...l,
      key: `graph-write:${l.capacity}/${l.windowMs}`,
      // The whole quota: the time margin below, not a share held back, covers arrival jitter.
      budget: l.capacity,
      span: l.windowMs + minMarginOf(l.windowMs),
    }));
    this.main = this.limits[0];
    this.ledger = options.ledger ?? new MemoryLedger();
    this.budget = this.main.budget;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.lastSignal = this.lastGrowth = this.now();
  }

  /** The largest batch one take may ask for. */
  get maxTake(): number {
    return Math.min(...this.limits.map((l) => l.budget));
  }

  /** Waits until `n` writes may be sent (callers queue in order), then takes them. */
  take(n: number): Promise<void> {
    const count = Math.max(1, Math.min(n, this.maxTake));
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
      this.grow(now);
      const limits = this.limits.map((l) => ({
        ...l,
        budget: l === this.main ? Math.max(n, Math.floor(this.budget)) : l.budget,
        span: Math.ceil(l.windowMs + this.marginFor(l.windowMs)),
      }));
      const { wait, counts } = await this.ledger.reserve(now, n, limits);
      this.lastCount = counts[0] + (wait === 0 ? n : 0);
      if (wait === 0) {
        this.stats.taken += n;
        this.stats.firstTakeAt ??= now;
        this.stats.lastTakeAt = now;
        return;
      }
      await this.sleep(wait);
    }
  }

  private marginFor(windowMs: number): number {
    return Math.min(windowMs * MAX_MARGIN, Math.max(minMarginOf(windowMs), this.roundTripMs) + this.extraMarginMs);
  }

  /**
   * A batch's round trip. Its writes were counted at Graph somewhere within it (on the way in,
   * after any queueing there): two writes sent a window apart arrive at least a window apart when
   * the window's margin covers the longest recent round trip.
   */
  observeLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.roundTripMs = Math.max(ms, this.roundTripMs * 0.99);
  }

  /** With no slow-down signal for a tenth of a window, the budget grows by a twentieth of the quota. */
  private grow(now: number): void {
    const { windowMs, budget: full } = this.main;
    if (this.budget >= full) return;
    const step = windowMs / 10;
    if (now - this.lastSignal < step || now - this.lastGrowth < step) return;
    this.lastGrowth = now;
    this.setBudget(this.budget + full / 20);
  }

  private setBudget(budget: number): void {
    const full = this.main.budget;
    this.budget = Math.min(full, Math.max(Math.max(1, full * MIN_FACTOR), budget));
    this.stats.rateFactor = this.budget / full;
  }

  /**
   * Graph's `x-ms-throttle-limit-percentage` (1.0 = the quota used up; sent above 0.8), counting
   * every client of the quota. What is above this pacer's own count in the window is someone
   * else's; the budget becomes what they leave (up or down).
   */
  observePercentage(percentage: number | undefined): void {
    // Above 1.0 Graph is refusing writes, and its 429s say more than the percentage.
    if (percentage === undefined || !Number.isFinite(percentage) || percentage <= 0.8 || percentage > 1) return;
    const now = this.now();
    if (now < this.distrustUntil) return;
    const { capacity, budget: full } = this.main;
    // Own writes: everyone's who shares the ledger (this process, or every replica).
    const others = Math.max(0, percentage * capacity - this.lastCount);
    if (others <= OTHERS_NOISE * capacity) {
      if (this.budget < full) this.setBudget(full);
      return;
    }
    const share = capacity * (1 - SHARED_HEADROOM) - others;
    if (share < this.budget) {
      this.lastSignal = now;
      this.stats.slowdowns++;
    }
    // Up as well as down: others spending less than they did leave more.
    this.setBudget(share);
  }

  /** Graph throttled writes and asked to wait `retryAfterMs`: pause everyone; the window's own count is the share. */
  observeThrottle(retryAfterMs: number | undefined): void {
    const now = this.now();
    const wait = retryAfterMs ?? 1000;
    // One episode of 429s (the batches in flight all meet it) sets the budget once, not per batch.
    const newEpisode = now >= this.pausedUntil;
    this.pausedUntil = Math.max(this.pausedUntil, now + wait);
    this.lastSignal = now;
    if (!newEpisode) return;
    this.stats.slowdowns++;
    if (wait < this.main.windowMs / 10 || now < this.distrustUntil) {
      // A short wait: Graph counts a limit that frees up far faster than the configured window.
      // Shares computed against the configured quota mean nothing for a window, so the percentage
      // is ignored and the budget is half the quota; the Retry-After pauses do the pacing.
      this.distrustUntil = now + this.main.windowMs;
      this.setBudget(this.main.budget * 0.5);
    } else if (this.lastCount >= 0.9 * this.budget) {
      // At its own full budget: the writes of two windows met at Graph (arrival jitter), nobody
      // else's. The budget stays; the windows get a wider margin.
      this.extraMarginMs = Math.min(this.main.windowMs * MAX_MARGIN, Math.max(minMarginOf(this.main.windowMs), this.extraMarginMs * 2));
    } else {
      // The window is full at Graph well before this pacer's budget: others spend the quota, and
      // this pacer's share is at most what it (and the replicas sharing its ledger) sent in it.
      this.setBudget(Math.min(this.budget, this.lastCount) * (1 - 2 * SHARED_HEADROOM));
    }
  }
}
