/**
 * The probe after a 429 (src/directory/pacer.ts): once Graph refused requests, one batch goes
 * first and the others wait for its answer. A probe of writes starts at one write; each probe Graph
 * accepts is followed by one four times as large until a whole batch goes, and then the rest
 * follow. A probe past the learned limits (they asked for a wait longer than any Retry-After)
 * starts at one write too, and doubles each time Graph accepts it, until Graph refuses or the
 * learned limits have room again.
 */

/** What Graph refused: a write, or a read (which only a resource-unit limit counts). */
export type ThrottledKind = "write" | "read";

/** How long followers wait for a probe's answer at most (its sender may never send it). */
const PROBE_TIMEOUT_MS = 10_000;
/** Each probe Graph accepts is followed by one this many times as large, until a whole batch goes. */
const PROBE_GROWTH = 4;

/** One take's part in probing, decided before it reserves. */
export interface ProbePlan {
  /** The whole take is tried within the learned limits before going past them. */
  within: boolean;
  /** This take is the probe, if it is granted. */
  probeNow: boolean;
  /** How many it may take: fewer than asked for a probe of writes. */
  n: number;
  /** The probe goes past the learned limits (counted in them, not held back by them). */
  beyond: boolean;
}

/** A probe Graph answered without a 429: what it was. */
export interface AcceptedProbe {
  size: number;
  beyond: boolean;
}

export class Probe {
  /** Graph's answers are reported (observeAnswer), so a probe's end can be known. */
  private answersSeen = false;
  private probing = false;
  /** Writes the next probe may send: 1 after a 429, larger after each probe Graph accepted. */
  private size = 1;
  /** The next probe goes past the learned limits. */
  private beyond = false;
  /** The probe in flight: `whole` when it was all its caller asked for (the last probe: then the rest follow). */
  private inFlight: { done: Promise<void>; resolve: () => void; sentAt: number; kind: ThrottledKind; size: number; whole: boolean; beyond: boolean } | undefined;

  /** A probe was sent and its answer has not come: how long followers still wait for it (0: give up on it), or undefined. */
  pending(now: number): { waitMs: number; size: number; done: Promise<void> } | undefined {
    const p = this.inFlight;
    if (p === undefined) return undefined;
    const waitMs = Math.max(0, p.sentAt + PROBE_TIMEOUT_MS - now);
    if (waitMs === 0) this.end();
    return { waitMs, size: p.size, done: p.done };
  }

  /** Whether a learned limit's long wait may be cut short by going past it (answers are seen and no probe is out). */
  get mayGoBeyond(): boolean {
    return this.answersSeen && this.inFlight === undefined;
  }

  /**
   * Plans a take of `asked` of `kind`. Going past the learned limits, the whole take is tried
   * within them first (`triedWithin` false): once they have room again, there is no need to go past
   * them one write at a time.
   */
  plan(asked: number, kind: ThrottledKind, triedWithin: boolean): ProbePlan {
    const within = this.probing && this.answersSeen && this.beyond && kind === "write" && !triedWithin;
    const probeNow = this.probing && this.answersSeen && !within;
    // A probe of writes sends only what the last probes showed Graph accepts.
    const n = probeNow && kind === "write" ? Math.min(asked, this.size) : asked;
    return { within, probeNow, n, beyond: probeNow && this.beyond && kind === "write" };
  }

  /** The planned take was granted: a probe is now in flight (or, tried within the learned limits, probing is over). */
  granted(plan: ProbePlan, now: number, kind: ThrottledKind, asked: number): boolean {
    if (plan.within) {
      this.probing = false;
      this.beyond = false;
    }
    if (!plan.probeNow) return false;
    this.probing = false;
    this.beyond = false;
    let resolve: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolve = r));
    this.inFlight = { done, resolve, sentAt: now, kind, size: plan.n, whole: plan.n === asked, beyond: plan.beyond };
    return true;
  }

  /** A learned limit held a take back as long as Graph ever asked: the next probe, of one, goes past it. */
  goBeyond(): void {
    this.probing = true;
    this.beyond = true;
    this.size = 1;
  }

  /**
   * Graph answered a batch; `throttled` of its items were 429s. A clean answer of the probe's kind
   * ends the probe (a read's says nothing of a write limit) and answers what it was: the next probe
   * is larger, until one was a whole batch; one past the learned limits doubles, up to `maxTake`.
   */
  answered(throttled: number, kind: ThrottledKind, maxTake: number): AcceptedProbe | undefined {
    this.answersSeen = true;
    const probe = this.inFlight;
    if (throttled !== 0 || probe === undefined || probe.kind !== kind) return undefined;
    this.end();
    if (probe.beyond) {
      this.probing = true;
      this.beyond = true;
      this.size = Math.min(maxTake, probe.size * 2);
    } else if (probe.kind === "write" && !probe.whole) {
      this.probing = true;
      this.size = Math.min(maxTake, probe.size * PROBE_GROWTH);
    }
    return { size: probe.size, beyond: probe.beyond };
  }

  /**
   * Graph answered 429: the next request is a probe of one (once answers are seen). Answers
   * whether a probe was in flight, and whether it went past the learned limits.
   */
  throttled(): { wasProbe: boolean; pastLearned: boolean } {
    const wasProbe = this.inFlight !== undefined;
    const pastLearned = this.inFlight?.beyond === true;
    if (this.answersSeen) this.probing = true;
    this.size = 1;
    this.beyond = false;
    this.end();
    return { wasProbe, pastLearned };
  }

  private end(): void {
    this.inFlight?.resolve();
    this.inFlight = undefined;
  }
}
