/**
 * Background failures at a configured rate, on top of the one-shot FaultQueue: random 5xx answers,
 * connection resets and slow responses, as a flaky network and a busy Graph produce them. Every
 * decision comes from a seeded generator, so a run with the same seed and the same request order
 * meets the same failures, and a benchmark's numbers can be reproduced.
 */
import { SeededRandom } from "./prng.js";

/** Probabilities (0…1) of each failure; all default to 0 (off). */
export interface FaultRates {
  /** Chance that a Graph request, or a `$batch` item, is answered with a 500/502/503/504. */
  status5xx?: number;
  /**
   * Chance that a Graph request's connection is closed without any response. A `$batch` envelope
   * can be reset as a whole; its items cannot (they share the envelope's connection).
   */
  reset?: number;
  /** Chance that a Graph request, or a `$batch` item, takes `slowMs` longer. */
  slowRate?: number;
  /** Extra delay of a slow response; default 2,000 ms. */
  slowMs?: number;
  /** Seed of the fault generator; default the simulator's seed. */
  seed?: number;
}

/** How many failures of each kind the rates produced. */
export interface FaultStats {
  status5xx: number;
  resets: number;
  slow: number;
}

/** What happens to one exchange (a request or a `$batch` item), decided when it arrives. */
export interface FaultDraw {
  reset: boolean;
  /** The 5xx to answer with, if any. */
  status5xx?: number;
  /** Extra delay: latency jitter plus, when slow, slowMs. */
  extraDelayMs: number;
  slow: boolean;
}

const DEFAULT_SLOW_MS = 2000;
const SERVER_ERRORS = [500, 502, 503, 504] as const;

function assertRate(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0 || value > 1)) {
    throw new RangeError(`faultRates.${name} must be a probability from 0 to 1, got ${value}`);
  }
}

/** Validates rates, throwing a RangeError that names the bad field. */
export function assertFaultRates(rates: FaultRates): void {
  assertRate("status5xx", rates.status5xx);
  assertRate("reset", rates.reset);
  assertRate("slowRate", rates.slowRate);
  if (rates.slowMs !== undefined && (!Number.isFinite(rates.slowMs) || rates.slowMs < 0)) {
    throw new RangeError(`faultRates.slowMs must be a non-negative number, got ${rates.slowMs}`);
  }
  if (rates.seed !== undefined && !Number.isInteger(rates.seed)) {
    throw new RangeError(`faultRates.seed must be an integer, got ${rates.seed}`);
  }
}

/** Draws each exchange's fate from a seeded generator and counts what it injected. */
export class RandomFaults {
  private rates: FaultRates = {};
  private random: SeededRandom;
  private readonly counts: FaultStats = { status5xx: 0, resets: 0, slow: 0 };

  constructor(
    rates: FaultRates,
    private readonly defaultSeed: number,
  ) {
    this.random = new SeededRandom(defaultSeed);
    this.configure(rates);
  }

  /** Replaces the rates and restarts the generator from their seed, so a test can replay a sequence. */
  configure(rates: FaultRates): void {
    assertFaultRates(rates);
    this.rates = { ...rates };
    this.random = new SeededRandom(rates.seed ?? this.defaultSeed);
  }

  /**
   * Decides one exchange. Always draws the same number of values, whatever the rates, so that
   * turning one kind of failure on or off does not reshuffle when the others strike.
   * @param jitterMs the latency jitter bound: a uniform extra delay in [0, jitterMs) is added
   */
  draw(jitterMs: number): FaultDraw {
    const resetRoll = this.random.next();
    const failRoll = this.random.next();
    const statusRoll = this.random.next();
    const slowRoll = this.random.next();
    const jitterRoll = this.random.next();
    const slow = slowRoll < (this.rates.slowRate ?? 0);
    const fail = failRoll < (this.rates.status5xx ?? 0);
    return {
      reset: resetRoll < (this.rates.reset ?? 0),
      status5xx: fail ? SERVER_ERRORS[Math.floor(statusRoll * SERVER_ERRORS.length)] : undefined,
      slow,
      extraDelayMs: jitterRoll * jitterMs + (slow ? (this.rates.slowMs ?? DEFAULT_SLOW_MS) : 0),
    };
  }

  /** Counts a failure that was actually applied (a drawn fault can be pre-empted, e.g. by a 401). */
  count(kind: keyof FaultStats): void {
    this.counts[kind] += 1;
  }

  stats(): FaultStats {
    return { ...this.counts };
  }

  resetCounters(): void {
    this.counts.status5xx = 0;
    this.counts.resets = 0;
    this.counts.slow = 0;
  }
}
