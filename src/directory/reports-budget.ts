/**
 * One budget for every reader of the identity and access reports API (the sign-in log): the
 * post-revocation watch's sweeps and address look-ups, `status`'s sign-in count, and `revoke ip`'s
 * selection (chat and the automation API alike).
 *
 * Microsoft documents the identity and access reports service at 5 requests per 10 seconds per
 * app and tenant, `signIn` among its resources ("Microsoft Graph service-specific throttling
 * limits", https://learn.microsoft.com/graph/throttling-limits#identity-and-access-reports-service-limits).
 * All readers draw on that one window (shared by replicas through the database), each up to its
 * share of it, so a reader a person waits on goes first:
 * - `revoke ip` resolving a set for a card may fill the window (5): it waits only for a free place;
 * - `status` stops at 4, so `revoke ip` always has one; past it `status` says when to ask again;
 * - the watch stops at 3, so the others always have 2 and the watch waits for them.
 * A 429 (another app, a replica's clock) pauses every reader for its Retry-After, through the
 * database too; Graph's reports 429s carry one, and without it the pause is one whole window.
 */
import { SharedLimit, type PauseBoard } from "./shared-limit.js";
import type { SendLedger } from "./pacer.js";

export const REPORTS_LIMIT = 5;
export const REPORTS_WINDOW_MS = 10_000;

/** Who reads the sign-in log, in the order they go. */
export type ReportsReader = "card" | "status" | "watch";

/** The most requests of one window each reader may fill. */
export const READER_SHARE: Readonly<Record<ReportsReader, number>> = { card: 5, status: 4, watch: 3 };

export interface ReportsBudgetOptions {
  /** Tenant of the bot's app: the limit is per app and tenant. */
  tenantId: string;
  ledger?: SendLedger;
  pauses?: PauseBoard;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class ReportsBudget {
  readonly limit: SharedLimit;

  constructor(options: ReportsBudgetOptions) {
    this.limit = new SharedLimit({
      key: `reports:${options.tenantId.toLowerCase()}`,
      limit: REPORTS_LIMIT,
      windowMs: REPORTS_WINDOW_MS,
      // Arrival jitter: a request sent just after the window may reach Graph inside it.
      marginMs: 500,
      ledger: options.ledger,
      pauses: options.pauses,
      now: options.now,
      sleep: options.sleep,
    });
  }

  /** Waits for a place within the reader's share, then takes it. */
  take(reader: ReportsReader, cancelled?: () => boolean): Promise<void> {
    return this.limit.take(READER_SHARE[reader], cancelled);
  }

  /** Takes a place now, or answers the whole seconds until one may be free (at least 1). */
  async tryTake(reader: ReportsReader): Promise<number | undefined> {
    const wait = await this.limit.tryTake(READER_SHARE[reader]);
    return wait === undefined ? undefined : Math.max(1, Math.ceil(wait / 1000));
  }

  /** Graph answered a reports read 429: every reader waits its Retry-After (a whole window without one). */
  throttled(retryAfterSeconds: number | undefined): Promise<void> {
    const seconds = retryAfterSeconds !== undefined && retryAfterSeconds > 0 ? retryAfterSeconds : REPORTS_WINDOW_MS / 1000;
    return this.limit.pause(seconds * 1000);
  }
}
