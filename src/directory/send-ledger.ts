/**
 * Where writes (and reads, for learned limits) are counted, as "at most `budget` in any `span`":
 * in memory for one process, or in the database for replicas (src/store/write-ledger.ts).
 */
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

