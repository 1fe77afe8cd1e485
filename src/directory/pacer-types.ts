/** The options and statistics of the write pacer (src/directory/pacer.ts). */
import type { LearnedValue } from "./learned-limit.js";
import type { SendLedger } from "./send-ledger.js";

export interface QuotaLimit {
  /** Writes per window (Graph, per app and tenant: 3,000). */
  capacity: number;
  /** The window in ms (Graph: 150 s). */
  windowMs: number;
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
  learned: LearnedValue | null;
  /** The limit on reads and writes together (resource units) learned from Graph's answers, or null. */
  learnedRequests: LearnedValue | null;
  /** The longest Retry-After Graph asked for, ms. */
  largestRetryAfterMs: number;
  /** The longest single wait before a take, ms, and the limit that caused it. */
  longestWaitMs: number;
  longestWaitLimit: string | null;
}
