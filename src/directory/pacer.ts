/**
 * Paces Graph writes. Two kinds of limit, both as "never more than `budget` writes in any window
 * of `span` ms" (right however Graph counts: a sliding window, a fixed window or a token bucket all
 * accept it; a token bucket of the same size would let twice the quota through in the first window):
 *
 * - the configured quota (GRAPH_WRITE_QUOTA per GRAPH_WRITE_WINDOW_SECONDS) and any tighter
 *   documented limit: ceilings, never models of every limit Graph enforces;
 * - a limit learned from Graph's answers. Graph enforces several limits at once (resource units
 *   per 10 s, writes per 150 s per app and tenant, 18,000 per 5 min per tenant over all apps, per
 *   app over all tenants), other apps spend some of them, and Microsoft says the figures change.
 *   A 429's Retry-After is the truth about the one that binds now:
 *   - the first 429 of a run: the window is the time since the run began plus the Retry-After (the
 *     run's first writes are the ones that must leave it), the capacity is what was accepted in it;
 *   - a 429 right after a pause (the probe): the window holds more than the learned one would, so
 *     the window grows (to the run so far plus the Retry-After, at most doubling);
 *   - any other 429: the capacity drops to 0.9 of what was sent in the window (multiplicative
 *     decrease); each window without one adds 5% (1% near the level of the last 429: additive
 *     increase), and a learned limit looser than the ceilings is dropped.
 *   After a 429 everyone waits its Retry-After (plus at most 10%, up to 0.5 s, of jitter), never
 *   the configured window, and then one batch goes first (a probe) before the rest follow.
 *   A learned limit is forgotten after five idle minutes (every documented window has emptied), and
 *   a new process starts from the ceilings: a resumed job goes at the pace the limits allow now.
 *
 * `x-ms-throttle-limit-percentage` (sent above 0.8 of a limit, counting every client) is read
 * against the configured quota only once a 429 showed that the configured window is the one that
 * binds; what is above the pacer's own count is others', and the configured budget becomes the rest.
 * With a shared ledger (replicas on PostgreSQL) the counts, the learned limit's among them, are
 * everyone's: replicas learn from the same writes and pace together.
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
  /** Where pacing decisions go (debug: why it waits, how long, which limit; error: a pause Graph did not ask for). */
  logger?: PacingLogger;
  /** Uniform in [0, 1), for the jitter after a Retry-After; default Math.random. */
  random?: () => number;
}

/** The part of a pino logger the pacer writes to. */
export interface PacingLogger {
  debug(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
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
  /** The limit learned from Graph's answers (writes per window), or null while none binds. */
  learned: { capacity: number; windowMs: number } | null;
  /** The longest Retry-After Graph asked for, ms. */
  largestRetryAfterMs: number;
  /** The longest single wait before a take, ms, and the limit that caused it. */
  longestWaitMs: number;
  longestWaitLimit: string | null;
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

/** No run and no learned limit survives this much idleness: Graph's longest documented window is 5 minutes. */
const IDLE_FORGET_MS = 300_000;
/** The shortest and longest window the pacer will learn. */
const MIN_LEARNED_WINDOW_MS = 1000;
const MAX_LEARNED_WINDOW_MS = 600_000;
/** How long followers wait for a probe's answer at most (its sender may never send it). */
const PROBE_TIMEOUT_MS = 10_000;

export class WritePacer {
  private readonly limits: Array<LedgerLimit & QuotaLimit>;
  private readonly main: LedgerLimit & QuotaLimit;
  private readonly ledger: SendLedger;
  private readonly learnedKey: string;
  /** What this pacer may send per window of the main limit now (≤ its quota), from the limit percentage. */
  private budget: number;
  /** Writes in the main window at the last reservation, everyone's who shares the ledger. */
  private lastCount = 0;
  /** Writes in the learned limit's span at the last reservation (everyone's), including that take. */
  private learnedCount = 0;
  private learned: { capacity: number; windowMs: number } | undefined;
  /** The window of a limit learned in this run and dropped since (the ceilings bound first): a 429 later in the run means it again. */
  private knownWindowMs: number | undefined;
  /** When a write last waited for the learned limit: it grows only while it is what paces. */
  private learnedBoundAt = 0;
  /** The count at the last 429 with a learned limit: growth slows near it. */
  private cliff: number | undefined;
  private learnedInEpisode = false;
  private pausedUntil = 0;
  private pauseReason = "";
  private lastSignal: number;
  private lastGrowth: number;
  private lastThrottleAt = 0;
  private lastIncreaseAt = 0;
  /** The first take of the current run (writes with no 5-minute gap). */
  private runStart: number | undefined;
  private lastTakeAt: number | undefined;
  /** Graph's answers are reported (observeAnswer), so a probe's end can be known. */
  private answersSeen = false;
  private probing = false;
  private probe: { done: Promise<void>; resolve: () => void; sentAt: number } | undefined;
  private roundTripMs = 0;
  private extraMarginMs = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: PacingLogger | undefined;
  readonly stats: PacerStats = { taken: 0, firstTakeAt: null, lastTakeAt: null, slowdowns: 0, rateFactor: 1, learned: null, largestRetryAfterMs: 0, longestWaitMs: 0, longestWaitLimit: null };

  constructor(options: PacerOptions) {
    const limits = [{ capacity: options.capacity, windowMs: options.windowMs }, ...(options.extraLimits ?? [])];
    for (const l of limits) {
      if (!(l.capacity >= 1) || !(l.windowMs > 0)) throw new RangeError("a write quota needs a capacity of at least 1 and a positive window");
    }
    this.limits = limits.map((l) => ({ ...l, key: `graph-write:${l.capacity}/${l.windowMs}`, budget: l.capacity, span: l.windowMs + minMarginOf(l.windowMs) }));
    this.main = this.limits[0];
    this.learnedKey = `graph-write:learned:${this.main.capacity}/${this.main.windowMs}`;
    this.ledger = options.ledger ?? new MemoryLedger();
    this.budget = this.main.budget;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
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
    const began = this.now();
    /** What the limits and Graph asked this take to wait, ms: anything beyond is a pacing bug. */
    let asked = 0;
    for (;;) {
      const now = this.now();
      if (now < this.pausedUntil) {
        const wait = this.pausedUntil - now;
        this.logger?.debug({ waitMs: wait, limit: this.pauseReason }, "pacing: waiting out Graph's Retry-After");
        this.noteWait(wait, this.pauseReason);
        asked += wait;
        await this.sleep(wait);
        continue;
      }
      if (this.probe !== undefined) {
        // Graph refused the last writes: one batch goes first, the others follow its answer.
        const { done, sentAt } = this.probe;
        const timeout = Math.max(0, sentAt + PROBE_TIMEOUT_MS - now);
        if (timeout === 0) {
          this.endProbe();
          continue;
        }
        this.logger?.debug({ timeoutMs: timeout }, "pacing: waiting for the answer to the write sent after a 429");
        const t0 = this.now();
        await Promise.race([done, this.sleep(timeout)]);
        asked += this.now() - t0;
        continue;
      }
      if (this.lastTakeAt !== undefined && now - this.lastTakeAt > IDLE_FORGET_MS + (this.learned?.windowMs ?? 0)) {
        // Every documented window has emptied since: nothing learned then says anything now.
        this.runStart = this.knownWindowMs = undefined;
        this.forget("idle for five minutes");
      }
      this.grow(now);
      const limits = this.limits.map((l) => ({
        ...l,
        budget: l === this.main ? Math.max(n, Math.floor(this.budget)) : l.budget,
        span: Math.ceil(l.windowMs + this.marginFor(l.windowMs)),
      }));
      // The learned limit is always reserved against, so its count (everyone's) is known when a 429 comes.
      limits.push({
        key: this.learnedKey,
        capacity: this.learned?.capacity ?? Number.MAX_SAFE_INTEGER,
        windowMs: this.learned?.windowMs ?? IDLE_FORGET_MS,
        budget: this.learned === undefined ? Number.MAX_SAFE_INTEGER : Math.max(n, this.learned.capacity),
        span: Math.ceil(this.learned === undefined ? IDLE_FORGET_MS : this.learned.windowMs + this.marginFor(this.learned.windowMs)),
      });
      const { wait, counts } = await this.ledger.reserve(now, n, limits);
      const taken = wait === 0 ? n : 0;
      this.lastCount = counts[0] + taken;
      this.learnedCount = (counts.at(-1) ?? 0) + taken;
      if (wait === 0) {
        this.stats.taken += n;
        this.stats.firstTakeAt ??= now;
        this.stats.lastTakeAt = now;
        this.runStart ??= now;
        this.lastTakeAt = now;
        if (this.probing && this.answersSeen) {
          this.probing = false;
          let resolve: () => void = () => undefined;
          const done = new Promise<void>((r) => (resolve = r));
          this.probe = { done, resolve, sentAt: now };
        }
        const spent = this.now() - began;
        if (spent > asked + 1000) this.logger?.error({ waitedMs: spent, askedMs: asked }, "pacing bug: a write waited longer than Graph and the limits asked");
        return;
      }
      const which = this.bindingOf(now, n, limits);
      this.logger?.debug({ waitMs: wait, limit: which, inWindow: counts }, "pacing: waiting for room in a window");
      this.noteWait(wait, which);
      asked += wait;
      await this.sleep(wait);
    }
  }

  /** Names the limit a wait is for (the one whose own wait is the longest). */
  private bindingOf(now: number, n: number, limits: ReadonlyArray<LedgerLimit & QuotaLimit>): string {
    const l = limits.at(-1);
    const learnedBinds = this.learned !== undefined && l !== undefined && this.learnedCount + n > l.budget;
    if (learnedBinds) this.learnedBoundAt = now;
    if (learnedBinds && this.learned !== undefined) return `learned from Graph: ${this.learned.capacity} writes per ${(this.learned.windowMs / 1000).toFixed(1)} s`;
    if (this.lastCount + n > Math.floor(this.budget) && this.budget < this.main.budget) return `configured quota's share left by others: ${Math.floor(this.budget)} per ${this.main.windowMs / 1000} s`;
    return `configured: ${limits.slice(0, -1).map((x) => `${x.capacity} per ${x.windowMs / 1000} s`).join(", ")}`;
  }

  private noteWait(ms: number, limit: string): void {
    if (ms > this.stats.longestWaitMs) {
      this.stats.longestWaitMs = ms;
      this.stats.longestWaitLimit = limit;
    }
  }

  private endProbe(): void {
    this.probe?.resolve();
    this.probe = undefined;
  }

  private forget(why: string): void {
    if (this.learned !== undefined) this.logger?.debug({ learned: this.learned, why }, "pacing: forgetting the learned limit");
    this.learned = undefined;
    this.cliff = undefined;
    this.stats.learned = null;
  }

  private setLearned(capacity: number, windowMs: number, why: string): void {
    this.learned = { capacity: Math.max(1, Math.floor(capacity)), windowMs: Math.min(MAX_LEARNED_WINDOW_MS, Math.max(MIN_LEARNED_WINDOW_MS, Math.round(windowMs))) };
    this.stats.learned = { ...this.learned };
    this.logger?.debug({ capacity: this.learned.capacity, windowMs: this.learned.windowMs, why }, "pacing: learned limit");
  }

  private marginFor(windowMs: number): number {
    return Math.min(windowMs * MAX_MARGIN, Math.max(minMarginOf(windowMs), this.roundTripMs) + this.extraMarginMs);
  }

  /**
   * A batch's round trip. Its writes were counted at Graph somewhere within it: two writes sent a
   * window apart arrive at least a window apart when the window's margin covers the round trip.
   */
  observeLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.roundTripMs = Math.max(ms, this.roundTripMs * 0.99);
  }

  /** Graph answered a batch of writes; `throttled` of its items were 429s. A clean answer ends the probe. */
  observeAnswer(throttled: number): void {
    this.answersSeen = true;
    if (throttled === 0) this.endProbe();
  }

  /**
   * The configured budget with no slow-down signal for a tenth of a window grows by a twentieth of
   * the quota; a learned limit with no 429 for a window grows by 5% (1% near the last 429's level),
   * and is dropped once it allows more than the ceilings.
   */
  private grow(now: number): void {
    const { windowMs, budget: full } = this.main;
    const step = windowMs / 10;
    if (this.budget < full && now - this.lastSignal >= step && now - this.lastGrowth >= step) {
      this.lastGrowth = now;
      this.setBudget(this.budget + full / 20);
    }
    const l = this.learned;
    if (l === undefined || now - this.lastThrottleAt < l.windowMs || now - this.lastIncreaseAt < l.windowMs) return;
    // Only a limit that paced the writes of the last window has been tried: no growth untried.
    if (now - this.learnedBoundAt > 2 * l.windowMs) return;
    this.lastIncreaseAt = now;
    const near = this.cliff !== undefined && l.capacity >= 0.9 * this.cliff;
    const capacity = l.capacity + Math.max(1, l.capacity * (near ? 0.01 : 0.05));
    const ceiling = Math.min(...this.limits.map((x) => x.capacity * Math.max(1, l.windowMs / x.windowMs)));
    if (capacity > ceiling) {
      this.knownWindowMs = l.windowMs;
      this.forget("the ceilings bind before it");
    }
    else this.setLearned(capacity, l.windowMs, "a window without a 429");
  }

  private setBudget(budget: number): void {
    const full = this.main.budget;
    this.budget = Math.min(full, Math.max(Math.max(1, full * MIN_FACTOR), budget));
    this.stats.rateFactor = this.budget / full;
  }

  /** A 429 showed that the configured window is the one that binds (the learned window is close to it). */
  private get configuredBinds(): boolean {
    return this.learned !== undefined && Math.abs(this.learned.windowMs - this.main.windowMs) <= 0.25 * this.main.windowMs;
  }

  /**
   * Graph's `x-ms-throttle-limit-percentage` (1.0 = the limit used up; sent above 0.8), counting
   * every client. Read against the configured quota only when that is the limit that binds: what
   * is above the pacer's own count is others', and the budget becomes what they leave (up or down).
   */
  observePercentage(percentage: number | undefined): void {
    if (percentage === undefined || !Number.isFinite(percentage) || percentage <= 0.8 || percentage > 1) return;
    if (!this.configuredBinds) return;
    const now = this.now();
    const { capacity, budget: full } = this.main;
    const others = Math.max(0, percentage * capacity - this.lastCount);
    if (others <= OTHERS_NOISE * capacity) {
      if (this.budget < full) this.setBudget(full);
      return;
    }
    const share = capacity * (1 - SHARED_HEADROOM) - others;
    if (share < this.budget) {
      this.lastSignal = now;
      this.stats.slowdowns++;
      this.logger?.debug({ percentage, others: Math.round(others), budget: Math.floor(share) }, "pacing: others spend the configured quota; slowing to the share left");
    }
    this.setBudget(share);
  }

  /**
   * Graph refused writes and asked to wait `retryAfterMs`: everyone pauses that long (plus a little
   * jitter), and the binding limit is learned from it. `refused`: how many writes of the batch were
   * refused; `scope`: Graph's x-ms-throttle-scope, when sent (for the log).
   */
  observeThrottle(retryAfterMs: number | undefined, refused = 0, scope?: string): void {
    const now = this.now();
    const wait = Math.max(0, retryAfterMs ?? 1000);
    const jitter = Math.min(500, wait * 0.1) * this.random();
    const newEpisode = now >= this.pausedUntil;
    const wasProbe = this.probe !== undefined;
    this.stats.largestRetryAfterMs = Math.max(this.stats.largestRetryAfterMs, wait);
    if (now + wait + jitter > this.pausedUntil) {
      this.pausedUntil = now + wait + jitter;
      this.pauseReason = `Retry-After ${Math.round(wait / 1000)} s${scope === undefined ? "" : ` (${scope})`}`;
    }
    this.lastSignal = this.lastThrottleAt = now;
    if (this.answersSeen) this.probing = true;
    this.endProbe();
    // Everyone's writes in the learned span, less the ones Graph just refused.
    const accepted = Math.max(1, this.learnedCount - refused);
    if (!newEpisode) {
      // The other batches in flight meet the same episode: their refusals were not accepted either.
      if (this.learnedInEpisode && this.learned !== undefined) this.setLearned(this.learned.capacity - refused, this.learned.windowMs, "more refusals in the same episode");
      return;
    }
    this.stats.slowdowns++;
    this.learnedInEpisode = false;
    const run = now - (this.runStart ?? now);
    const l = this.learned;
    if (l === undefined && this.knownWindowMs !== undefined) {
      this.setLearned(accepted * 0.9, this.knownWindowMs, "a 429 again: the limit learned earlier in the run");
    } else if (l === undefined) {
      // The run's first writes are the ones that must leave Graph's window before it has room.
      this.setLearned(accepted * 0.95, run + wait, "first 429 of the run: its window is the run so far plus the Retry-After");
      this.learnedInEpisode = true;
    } else if (wasProbe && this.learnedCount - refused < l.capacity) {
      // Refused right after a pause with room left in the learned window: Graph's holds more.
      this.setLearned(l.capacity, Math.max(l.windowMs, Math.min(run, 2 * l.windowMs) + wait), "refused after a pause: the window is longer");
    } else {
      this.cliff = accepted;
      this.setLearned(Math.min(l.capacity, accepted) * 0.9, l.windowMs, "refused in the learned window: less per window");
    }
    this.logger?.debug({ retryAfterMs: wait, refused, scope, learned: this.learned }, "pacing: Graph answered 429");
  }
}
