/**
 * A documented Graph rate limit that several readers (and replicas) share: at most `limit`
 * requests in any `windowMs`, counted in a SendLedger (the database's write_ledger when replicas
 * share it, so that together they stay inside the one limit), and a pause every reader honours
 * after Graph answers 429 (a PauseBoard, the database's graph_pauses table when shared).
 *
 * Readers take from it with a `share`: the most requests of a window they may fill. A reader with
 * a smaller share stops while the window still has room for the others, which is how a request a
 * person is waiting for goes ahead of background reads (src/directory/reports-budget.ts).
 */
import { MemoryLedger, type SendLedger } from "./pacer.js";

/** Where a 429's pause is kept, so that every reader (every replica) waits it out. */
export interface PauseBoard {
  /** Until when (ms since the epoch) the key is paused; 0 when it is not. */
  pausedUntil(key: string): Promise<number>;
  /** Pauses the key until `until`, or later when someone already paused it longer. */
  pauseUntil(key: string, until: number): Promise<void>;
}

/** The pauses of one process. */
export class MemoryPauseBoard implements PauseBoard {
  private readonly until = new Map<string, number>();

  pausedUntil(key: string): Promise<number> {
    return Promise.resolve(this.until.get(key) ?? 0);
  }

  pauseUntil(key: string, until: number): Promise<void> {
    this.until.set(key, Math.max(this.until.get(key) ?? 0, until));
    return Promise.resolve();
  }
}

export interface SharedLimitOptions {
  /** Names the limit in the ledger and the pause board, e.g. `reports:<tenant id>`. */
  key: string;
  /** Requests per window, as Microsoft documents them. */
  limit: number;
  windowMs: number;
  /**
   * Added to the window: Graph counts a request when it arrives, and two requests sent a window
   * apart may arrive closer together.
   */
  marginMs: number;
  ledger?: SendLedger;
  pauses?: PauseBoard;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Thrown by take() when the caller gave up waiting (its `cancelled` answered true). */
export class TakeCancelled extends Error {
  constructor() {
    super("stopped waiting for the rate limit");
  }
}

export class SharedLimit {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
  private readonly span: number;
  private readonly ledger: SendLedger;
  private readonly pauses: PauseBoard;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests taken through this object (tests, benchmarks). */
  taken = 0;

  constructor(options: SharedLimitOptions) {
    if (!(options.limit >= 1) || !(options.windowMs > 0) || !(options.marginMs >= 0)) throw new RangeError("a rate limit needs at least 1 request per positive window");
    this.key = options.key;
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.span = options.windowMs + options.marginMs;
    this.ledger = options.ledger ?? new MemoryLedger();
    this.pauses = options.pauses ?? new MemoryPauseBoard();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Takes one request when the window holds fewer than `share` (at most `limit`) and no pause is
   * on; otherwise takes nothing and answers the ms to wait before asking again.
   */
  async tryTake(share: number): Promise<number | undefined> {
    const now = this.now();
    const paused = await this.pauses.pausedUntil(this.key);
    if (paused > now) return paused - now;
    const budget = Math.max(1, Math.min(this.limit, Math.floor(share)));
    const { wait } = await this.ledger.reserve(now, 1, [{ key: this.key, budget, span: this.span }]);
    if (wait > 0) return wait;
    this.taken += 1;
    return undefined;
  }

  /** Waits until one request fits under `share`, then takes it. */
  async take(share: number, cancelled: () => boolean = () => false): Promise<void> {
    for (;;) {
      if (cancelled()) throw new TakeCancelled();
      const wait = await this.tryTake(share);
      if (wait === undefined) return;
      await this.sleep(wait);
    }
  }

  /** Graph answered 429: every reader of this limit waits `ms` from now. */
  async pause(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms <= 0) return;
    await this.pauses.pauseUntil(this.key, Math.ceil(this.now() + ms));
  }

  /** Ms until the pause ends (0: none). */
  async pausedFor(): Promise<number> {
    return Math.max(0, (await this.pauses.pausedUntil(this.key)) - this.now());
  }
}
