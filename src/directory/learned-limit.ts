/**
 * One Graph limit as the pacer learns it from 429s (src/directory/pacer.ts): at most `capacity`
 * requests in any window of `windowMs`. Graph enforces several limits at once and Microsoft says
 * the figures change, so nothing here is configured; a 429's Retry-After is the truth:
 * - the first 429 of a run: the window is the time since the run began plus the Retry-After (the
 *   run's first requests are the ones that must leave Graph's window), the capacity what was
 *   accepted in it, less 5%;
 * - a 429 right after a pause (the probe) while the learned window had room: Graph's window holds
 *   more than the learned one, which grows to the run so far plus the Retry-After (at most doubling);
 * - a 429 with far fewer (under 0.9 of the capacity) in the learned window than Graph took in one
 *   before: Graph's window holds requests the learned one let go (the first estimate misses what
 *   was sent before the run), so the window grows by the Retry-After (at most doubling);
 * - any other 429: the capacity becomes 0.9 of what was accepted in the window (multiplicative
 *   decrease); each window in which it paced the requests without a 429 adds half again until
 *   such a 429 was seen (the first estimate may be far too low: a resumed job's new process meets a
 *   window its predecessor filled), then 5%, or 1% near that 429's level (additive increase); once
 *   it allows more than the ceilings it is dropped, and its window is kept for a 429 later in the run.
 */
export interface LearnedValue {
  capacity: number;
  windowMs: number;
}

/** How describe() names a learned limit in the log (and the pacer tells it from the ceilings). */
export const LEARNED_PREFIX = "learned from Graph: ";

const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 600_000;
/** With nothing learned, the span the count is kept over (Graph's longest documented window). */
export const UNLEARNED_SPAN_MS = 300_000;

export class LearnedLimit {
  value: LearnedValue | undefined;
  /** Requests in the learned span at the last reservation, everyone's who shares the ledger, including that one. */
  count = 0;
  private knownWindowMs: number | undefined;
  private cliff: number | undefined;
  /** The most Graph is known to have accepted in one learned window (the capacity set from its answers, not grown untried). */
  private confirmed = 0;
  private learnedInEpisode = false;
  private boundAt = 0;
  private lastThrottleAt = 0;
  private lastIncreaseAt = 0;

  constructor(
    /** Names it in the ledger and the log. */
    readonly key: string,
    readonly what: string,
    private readonly log: (obj: object, msg: string) => void,
  ) {}

  /** The ledger limit for a reservation of `n` (unbounded while nothing is learned: only counted). */
  ledgerLimit(n: number, margin: (windowMs: number) => number): { key: string; capacity: number; windowMs: number; budget: number; span: number } {
    const v = this.value;
    if (v === undefined) return { key: this.key, capacity: Number.MAX_SAFE_INTEGER, windowMs: UNLEARNED_SPAN_MS, budget: Number.MAX_SAFE_INTEGER, span: UNLEARNED_SPAN_MS };
    return { key: this.key, capacity: v.capacity, windowMs: v.windowMs, budget: Math.max(n, v.capacity), span: Math.ceil(v.windowMs + margin(v.windowMs)) };
  }

  /** True (and remembered, for growth) when `n` more would exceed the learned capacity now. */
  binds(now: number, n: number): boolean {
    const v = this.value;
    if (v === undefined || this.count + n <= Math.max(n, v.capacity)) return false;
    this.boundAt = now;
    return true;
  }

  describe(): string {
    const v = this.value;
    return v === undefined ? `${this.what}: nothing learned` : `${LEARNED_PREFIX}${v.capacity} ${this.what} per ${(v.windowMs / 1000).toFixed(1)} s`;
  }

  /** Graph accepted `n` sent past the learned capacity: the window holds at least the count, so the capacity is raised to it. */
  raise(n: number, why: string): void {
    const v = this.value;
    if (v === undefined || this.count <= v.capacity) return;
    this.set(Math.max(v.capacity + n, this.count), v.windowMs, why);
    this.confirmed = Math.max(this.confirmed, this.count);
  }

  /** Forgets everything (five idle minutes: every documented window has emptied). */
  reset(why: string): void {
    this.knownWindowMs = undefined;
    this.forget(why);
  }

  private forget(why: string): void {
    const old = this.value;
    this.value = undefined;
    this.cliff = undefined;
    this.confirmed = 0;
    if (old !== undefined) this.log({ learned: old, limit: this.what, why }, "pacing: forgetting the learned limit");
  }

  private set(capacity: number, windowMs: number, why: string): void {
    this.value = { capacity: Math.max(1, Math.floor(capacity)), windowMs: Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, Math.round(windowMs))) };
    this.log({ capacity: this.value.capacity, windowMs: this.value.windowMs, limit: this.what, why }, "pacing: learned limit");
  }

  /** A window in which the learned limit paced the requests without a 429: grow; drop it when the ceilings bind first. */
  grow(now: number, ceiling: (windowMs: number) => number): void {
    const v = this.value;
    if (v === undefined || now - this.lastThrottleAt < v.windowMs || now - this.lastIncreaseAt < v.windowMs) return;
    // Only a limit that paced the requests lately has been tried: no growth untried.
    if (now - this.boundAt > 2 * v.windowMs) return;
    this.lastIncreaseAt = now;
    // Until a 429 inside a learned window showed where the limit is, the first estimate may be far
    // too low (a resumed job's new process meets a window its predecessor filled): half again per
    // window; then 5%, and 1% near the level of that 429.
    const step = this.cliff === undefined ? 0.5 : v.capacity >= 0.9 * this.cliff ? 0.01 : 0.05;
    const capacity = v.capacity + Math.max(1, v.capacity * step);
    const most = ceiling(v.windowMs);
    if (v.capacity >= most) {
      this.knownWindowMs = v.windowMs;
      this.forget("the ceilings bind before it");
    } else {
      this.set(Math.min(capacity, most), v.windowMs, "a window without a 429");
    }
  }

  /**
   * Graph refused `refused` requests and asked for `waitMs`. `newEpisode`: the first 429 since the
   * last pause ended; `probe`: it answered the first request sent after that pause; `runMs`: time
   * since the run's first request.
   */
  throttled(now: number, waitMs: number, refused: number, newEpisode: boolean, probe: boolean, runMs: number): void {
    this.lastThrottleAt = now;
    const accepted = Math.max(1, this.count - refused);
    const v = this.value;
    if (!newEpisode) {
      // The other batches in flight meet the same episode: their refusals were not accepted either.
      if (this.learnedInEpisode && v !== undefined) this.set(v.capacity - refused, v.windowMs, "more refusals in the same episode");
      return;
    }
    this.learnedInEpisode = false;
    if (v === undefined && this.knownWindowMs !== undefined) {
      this.set(accepted * 0.9, this.knownWindowMs, "a 429 again: the window learned earlier in the run");
      this.confirmed = this.value?.capacity ?? 0;
    } else if (v === undefined) {
      this.set(accepted * 0.95, runMs + waitMs, "first 429 of the run: its window is the run so far plus the Retry-After");
      this.confirmed = this.value?.capacity ?? 0;
      this.learnedInEpisode = true;
    } else if (probe && this.count - refused < v.capacity) {
      this.set(v.capacity, Math.max(v.windowMs, Math.min(runMs, 2 * v.windowMs) + waitMs), "refused after a pause with room left: the window is longer");
    } else if (accepted < 0.9 * v.capacity && v.capacity <= this.confirmed) {
      // Graph took this many in one learned window before, and refuses now with far fewer in it:
      // its window holds requests the learned one has let go (it is longer: the first estimate
      // misses requests sent before the run, e.g. a job's resolution reads). The request that
      // leaves Graph's window when it has room was sent about a Retry-After before the learned
      // window's start: the window grows by the Retry-After (at most doubling).
      this.set(v.capacity, Math.min(2 * v.windowMs, v.windowMs + waitMs), "refused with far fewer than Graph took before in the learned window: the window is longer");
    } else {
      this.cliff = accepted;
      this.set(Math.min(v.capacity, accepted) * 0.9, v.windowMs, "refused in the learned window: less per window");
      this.confirmed = Math.min(this.confirmed, this.value?.capacity ?? 0);
    }
  }
}
