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
 *   - a 429 with far fewer in the learned window than Graph took in one: the window grows by the
 *     Retry-After (src/directory/learned-limit.ts);
 *   - any other 429: the capacity drops to 0.9 of what was sent in the window (multiplicative
 *     decrease); each window without one adds 5% (1% near the level of the last 429: additive
 *     increase), and a learned limit looser than the ceilings is dropped.
 *   After a 429 everyone waits its Retry-After (plus at most 10%, up to 0.5 s, of jitter), never
 *   the configured window, and then a probe goes first (src/directory/pacer-probe.ts: one write,
 *   then four times as many each time Graph accepts them, until a whole batch goes). A wait
 *   that only a learned limit asks for is never longer than the longest Retry-After Graph gave
 *   (plus jitter): then one write goes past the learned limit, then twice as many each time Graph
 *   accepts them, raising it (Graph's window may hold more than the learned one; a refused one only
 *   confirms it).
 *   A learned limit is forgotten after five idle minutes (every documented window has emptied), and
 *   a new process starts from the ceilings: a resumed job goes at the pace the limits allow now.
 *
 * `x-ms-throttle-limit-percentage` (sent above 0.8 of a limit, counting every client) is read
 * against the configured quota only once a 429 showed that the configured window is the one that
 * binds; what is above the pacer's own count is others', and the configured budget becomes the rest.
 * With a shared ledger (replicas on PostgreSQL) the counts, the learned limit's among them, are
 * everyone's: replicas learn from the same writes and pace together.
 */
import { LEARNED_PREFIX, LearnedLimit } from "./learned-limit.js";
import { MemoryLedger, type LedgerLimit, type SendLedger } from "./send-ledger.js";
import { Probe, type ThrottledKind } from "./pacer-probe.js";
import type { PacerOptions, PacerStats, PacingLogger, QuotaLimit } from "./pacer-types.js";
import { recordPacerWait } from "../telemetry/instruments.js";

export { MemoryLedger, waitForRoom, type LedgerLimit, type SendLedger } from "./send-ledger.js";
export type { ThrottledKind } from "./pacer-probe.js";
export type { PacerOptions, PacerStats, PacingLogger, QuotaLimit } from "./pacer-types.js";

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

/** No run and no learned limit survives this much idleness: Graph's longest documented window is 5 minutes. */
const IDLE_FORGET_MS = 300_000;
export class WritePacer {
  private readonly limits: Array<LedgerLimit & QuotaLimit>;
  private readonly main: LedgerLimit & QuotaLimit;
  private readonly ledger: SendLedger;
  /** Writes per window, learned from write 429s. */
  private readonly writes: LearnedLimit;
  /** Reads and writes together per window (resource units), learned from read and resource-unit 429s. */
  private readonly requests: LearnedLimit;
  /** What this pacer may send per window of the main limit now (≤ its quota), from the limit percentage. */
  private budget: number;
  /** Writes in the main window at the last reservation, everyone's who shares the ledger. */
  private lastCount = 0;
  private pausedUntil = 0;
  private pauseReason = "";
  private lastSignal: number;
  private lastGrowth: number;
  /** The first request of the current run (no five idle minutes since). */
  private runStart: number | undefined;
  private lastTakeAt: number | undefined;
  /** The probe after a 429 (or past the learned limits) and its growth. */
  private readonly probe = new Probe();
  /** Writes granted by the last take() when fewer than asked (a probe), until its caller claims them. */
  private unclaimed: number | undefined;
  private roundTripMs = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: PacingLogger | undefined;
  readonly stats: PacerStats = {
    taken: 0,
    firstTakeAt: null,
    lastTakeAt: null,
    slowdowns: 0,
    rateFactor: 1,
    learned: null,
    learnedRequests: null,
    largestRetryAfterMs: 0,
    longestWaitMs: 0,
    longestWaitLimit: null,
  };

  constructor(options: PacerOptions) {
    const limits = [{ capacity: options.capacity, windowMs: options.windowMs }, ...(options.extraLimits ?? [])];
    for (const l of limits) {
      if (!(l.capacity >= 1) || !(l.windowMs > 0)) throw new RangeError("a write quota needs a capacity of at least 1 and a positive window");
    }
    this.limits = limits.map((l) => ({ ...l, key: `graph-write:${l.capacity}/${l.windowMs}`, budget: l.capacity, span: l.windowMs + minMarginOf(l.windowMs) }));
    this.main = this.limits[0];
    this.ledger = options.ledger ?? new MemoryLedger();
    this.budget = this.main.budget;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    const log = (obj: object, msg: string): void => {
      this.stats.learned = this.writes.value === undefined ? null : { ...this.writes.value };
      this.stats.learnedRequests = this.requests.value === undefined ? null : { ...this.requests.value };
      this.logger?.debug(obj, msg);
    };
    const id = `${this.main.capacity}/${this.main.windowMs}`;
    this.writes = new LearnedLimit(`graph-learned-writes:${id}`, "writes", log);
    this.requests = new LearnedLimit(`graph-learned-requests:${id}`, "requests (reads and writes)", log);
    this.lastSignal = this.lastGrowth = this.now();
  }

  /** The largest batch one take may ask for. */
  get maxTake(): number {
    return Math.min(...this.limits.map((l) => l.budget));
  }

  /**
   * Waits until writes may be sent (callers queue in order), then takes up to `n` of them and
   * answers how many: `n` (at most maxTake), or fewer when they are a probe after a 429. The
   * caller sends exactly that many.
   */
  takeSome(n: number): Promise<number> {
    const count = Math.max(1, Math.min(n, this.maxTake));
    return this.enqueue(() => this.takeNow(count, "write"));
  }

  /**
   * takeSome() for a caller that sends later through someone else (the job runner takes, then
   * GraphBatchCalls sends as prepaid): a probe's smaller grant waits in claimGrant().
   */
  async take(n: number): Promise<void> {
    const granted = await this.takeSome(n);
    if (granted < Math.max(1, Math.min(n, this.maxTake))) this.unclaimed = granted;
  }

  /** How many of `n` prepaid writes may go now: fewer only when the take that paid for them was a probe. */
  claimGrant(n: number): number {
    const granted = this.unclaimed;
    this.unclaimed = undefined;
    return granted === undefined ? n : Math.max(1, Math.min(n, granted));
  }

  /**
   * Waits until `n` reads may be sent: they wait out Graph's Retry-After and, once Graph showed a
   * limit counting reads and writes together (resource units), that learned limit; the write
   * ceilings do not apply to them.
   */
  async takeReads(n: number): Promise<void> {
    await this.enqueue(() => this.takeNow(Math.max(1, n), "read"));
  }

  private enqueue<T>(turn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(turn);
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** Takes `asked` writes (or reads) when the limits allow; answers how many were taken (fewer for a probe of writes). */
  private async takeNow(asked: number, kind: ThrottledKind): Promise<number> {
    const began = this.now();
    let n = asked;
    /** What the limits and Graph asked this take to wait, ms: anything beyond is a pacing bug. */
    let waitAsked = 0;
    /** This take was just tried within the learned limits, before going past them. */
    let triedWithin = false;
    for (;;) {
      const now = this.now();
      if (now < this.pausedUntil) {
        const wait = this.pausedUntil - now;
        this.logger?.debug({ waitMs: Math.round(wait), limit: this.pauseReason, kind }, "pacing: waiting out Graph's Retry-After");
        recordPacerWait(wait, "retry-after");
        this.noteWait(wait, this.pauseReason);
        waitAsked += wait;
        await this.sleep(wait);
        continue;
      }
      const pending = this.probe.pending(now);
      if (pending !== undefined) {
        // Graph refused the last requests: one batch goes first, the others follow its answer.
        if (pending.waitMs === 0) continue;
        const timeout = pending.waitMs;
        this.logger?.debug({ waitMs: Math.round(timeout), limit: `the answer to a probe of ${pending.size} after a 429`, kind }, "pacing: waiting for the answer to the probe sent after a 429 (at most this long)");
        await Promise.race([pending.done, this.sleep(timeout)]);
        waitAsked += this.now() - now;
        continue;
      }
      if (this.lastTakeAt !== undefined && now - this.lastTakeAt > IDLE_FORGET_MS + (this.writes.value?.windowMs ?? 0)) {
        // Every documented window has emptied since: nothing learned then says anything now.
        this.runStart = undefined;
        this.writes.reset("idle for five minutes");
        this.requests.reset("idle for five minutes");
      }
      this.grow(now);
      const plan = this.probe.plan(asked, kind, triedWithin);
      const { within, beyond } = plan;
      triedWithin = within;
      n = plan.n;
      const margin = (windowMs: number): number => this.marginFor(windowMs);
      // A probe past the learned limits is still counted in them, but not held back by them.
      const learned = (l: ReturnType<LearnedLimit["ledgerLimit"]>) => (beyond ? { ...l, budget: Number.MAX_SAFE_INTEGER } : l);
      const limits =
        kind === "write"
          ? [
              ...this.limits.map((l) => ({ ...l, budget: l === this.main ? Math.max(n, Math.floor(this.budget)) : l.budget, span: Math.ceil(l.windowMs + margin(l.windowMs)) })),
              learned(this.writes.ledgerLimit(n, margin)),
              learned(this.requests.ledgerLimit(n, margin)),
            ]
          : [learned(this.requests.ledgerLimit(n, margin))];
      const { wait, counts } = await this.ledger.reserve(now, n, limits);
      // The reservation itself (a database transaction for replicas) is work, not a pause.
      waitAsked += this.now() - now;
      const taken = wait === 0 ? n : 0;
      this.requests.count = (counts.at(-1) ?? 0) + taken;
      if (kind === "write") {
        this.lastCount = counts[0] + taken;
        this.writes.count = (counts.at(-2) ?? 0) + taken;
      }
      if (wait === 0) {
        if (kind === "write") {
          this.stats.taken += n;
          this.stats.firstTakeAt ??= now;
          this.stats.lastTakeAt = now;
        }
        this.runStart ??= now;
        this.lastTakeAt = now;
        if (this.probe.granted(plan, now, kind, asked)) this.logger?.debug({ size: n, kind, pastLearnedLimit: beyond }, "pacing: sending a probe; the others wait for its answer");
        const spent = this.now() - began;
        if (spent > waitAsked + 1000) this.logger?.error({ waitedMs: spent, askedMs: Math.round(waitAsked) }, "pacing bug: a request waited longer than Graph and the limits asked");
        return n;
      }
      const which = this.bindingOf(now, n, kind);
      if (within && which.startsWith(LEARNED_PREFIX)) continue;
      triedWithin = false;
      // A learned limit is a guess from earlier answers: it may hold a request back no longer than
      // Graph itself ever asked (the longest Retry-After, plus jitter); then one write goes past it.
      const learnedBinds = which.startsWith(LEARNED_PREFIX);
      const longest = this.stats.largestRetryAfterMs;
      const cap = longest + Math.min(500, longest * 0.1) * this.random();
      if (learnedBinds && longest > 0 && wait > cap && this.probe.mayGoBeyond) {
        this.logger?.debug({ waitMs: Math.round(cap), limit: which, kind, neededMs: Math.round(wait), inWindow: counts }, "pacing: waiting for room in a learned limit no longer than the longest Retry-After; then a probe of one past it");
        recordPacerWait(cap, which);
        this.noteWait(cap, which);
        waitAsked += cap;
        await this.sleep(cap);
        this.probe.goBeyond();
        continue;
      }
      this.logger?.debug({ waitMs: Math.round(wait), limit: which, kind, inWindow: counts }, "pacing: waiting for room in a window");
      recordPacerWait(wait, String(which));
      this.noteWait(wait, which);
      waitAsked += wait;
      await this.sleep(wait);
    }
  }

  /** Names the limit a wait is for. */
  private bindingOf(now: number, n: number, kind: ThrottledKind): string {
    if (this.requests.binds(now, n)) return this.requests.describe();
    if (kind === "write" && this.writes.binds(now, n)) return this.writes.describe();
    if (this.lastCount + n > Math.floor(this.budget) && this.budget < this.main.budget) return `configured quota's share left by others: ${Math.floor(this.budget)} per ${this.main.windowMs / 1000} s`;
    return `configured: ${this.limits.map((x) => `${x.capacity} per ${x.windowMs / 1000} s`).join(", ")}`;
  }

  private noteWait(ms: number, limit: string): void {
    if (ms > this.stats.longestWaitMs) {
      this.stats.longestWaitMs = ms;
      this.stats.longestWaitLimit = limit;
    }
  }

  private marginFor(windowMs: number): number {
    return Math.min(windowMs * MAX_MARGIN, Math.max(minMarginOf(windowMs), this.roundTripMs));
  }

  /**
   * A batch's round trip. Its writes were counted at Graph somewhere within it: two writes sent a
   * window apart arrive at least a window apart when the window's margin covers the round trip.
   */
  observeLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.roundTripMs = Math.max(ms, this.roundTripMs * 0.99);
  }

  /**
   * Graph answered a batch of writes (or of reads: `kind`); `throttled` of its items were 429s. A
   * clean answer of the probe's kind ends the probe (a read's says nothing of a write limit): the
   * next probe is larger, until one was a whole batch; a probe past the learned limits raises them.
   */
  observeAnswer(throttled: number, kind: ThrottledKind = "write"): void {
    const probe = this.probe.answered(throttled, kind, this.maxTake);
    if (probe?.beyond === true) {
      // Graph took writes the learned limit held back: its window holds more. Past it again at
      // once, twice as many (a learned limit far too low, e.g. cut while others filled the window,
      // is left in a few round trips), until Graph refuses or the learned limit has room again.
      this.writes.raise(probe.size, "writes past the learned limit were accepted");
      this.requests.raise(probe.size, "writes past the learned limit were accepted");
    }
  }

  /** The configured budget with no slow-down signal for a tenth of a window grows by a twentieth of the quota; learned limits grow on their own. */
  private grow(now: number): void {
    const { windowMs, budget: full } = this.main;
    const step = windowMs / 10;
    if (this.budget < full && now - this.lastSignal >= step && now - this.lastGrowth >= step) {
      this.lastGrowth = now;
      this.setBudget(this.budget + full / 20);
    }
    const ceiling = (w: number): number => Math.min(...this.limits.map((x) => x.capacity * Math.max(1, w / x.windowMs)));
    this.writes.grow(now, ceiling);
    // Reads are not capped by the write ceilings: a requests limit is dropped only at twice them.
    this.requests.grow(now, (w) => 2 * ceiling(w));
  }

  private setBudget(budget: number): void {
    const full = this.main.budget;
    this.budget = Math.min(full, Math.max(Math.max(1, full * MIN_FACTOR), budget));
    this.stats.rateFactor = this.budget / full;
  }

  /** A 429 showed that the configured window is the one that binds (the learned window is close to it). */
  private get configuredBinds(): boolean {
    const v = this.writes.value;
    return v !== undefined && Math.abs(v.windowMs - this.main.windowMs) <= 0.25 * this.main.windowMs;
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
   * Graph refused requests and asked to wait `retryAfterMs`: everyone pauses that long (plus at
   * most 10%, up to 0.5 s, of jitter), and the binding limit is learned from it. `refused`: how
   * many requests of the batch were refused; `scope` / `information`: Graph's x-ms-throttle-scope
   * and x-ms-throttle-information when sent; `kind`: a read's 429 (or a write's that names
   * resource units) teaches the limit on reads and writes together, any other the write limit.
   */
  observeThrottle(retryAfterMs: number | undefined, refused = 0, scope?: string, kind: ThrottledKind = "write", information?: string): void {
    const now = this.now();
    const wait = Math.max(0, retryAfterMs ?? 1000);
    const jitter = Math.min(500, wait * 0.1) * this.random();
    const newEpisode = now >= this.pausedUntil;
    const { wasProbe, pastLearned } = this.probe.throttled();
    this.stats.largestRetryAfterMs = Math.max(this.stats.largestRetryAfterMs, wait);
    if (now + wait + jitter > this.pausedUntil) {
      this.pausedUntil = now + wait + jitter;
      this.pauseReason = `Retry-After ${Math.round(wait / 1000)} s${scope === undefined ? "" : ` (${scope})`}`;
    }
    this.lastSignal = now;
    if (newEpisode) this.stats.slowdowns++;
    const units = kind === "read" || (information ?? "").toLowerCase().includes("resourceunit");
    const limit = units ? this.requests : this.writes;
    // A write sent past the learned limit and refused confirms it: nothing new to learn.
    if (!pastLearned) limit.throttled(now, wait, refused, newEpisode, wasProbe, now - (this.runStart ?? now));
    if (newEpisode) this.logger?.debug({ retryAfterMs: wait, refused, scope, information, kind, learned: limit.value, limit: limit.what }, "pacing: Graph answered 429");
  }
}
