import type { Logger } from "pino";
import { retryAfterMs } from "../errors.js";
import { countAuditEntry, countOutboxSetAside } from "../telemetry/instruments.js";
import { UNPOSTED_ACTIONS } from "./audit-log.js";
import type { AuditEntry, AuditLog, AuditOutbox, AuditPost, NewAuditEntry, OutboxBacklog } from "./audit-log.js";

/** Delivers an audit post somewhere people read it (the Teams audit channel). */
export interface AuditSink {
  /**
   * Resolves when delivered; throws to be retried later. Returns false when no destination is known
   * yet. A post with `placeholder` is delivered as the short note standing in for its entry.
   */
  deliver(post: AuditPost): Promise<boolean>;
  /**
   * The audit channel just became unreachable while this post led the queue: tells the people
   * concerned where it can (the post's request thread). Best effort: a failure is logged, not retried.
   */
  alertBlocked?(post: AuditPost): Promise<void>;
}

export interface AuditorOptions {
  /** Who claims outbox rows (this process); two replicas never post the same entry. */
  owner: string;
  /** First retry delay after a failed post; doubles per consecutive failure. */
  retryBaseMs?: number;
  /** Longest wait between retries. */
  retryMaxMs?: number;
  /** Longest wait between retries while the audit channel cannot be reached (every minute). */
  blockedRetryMaxMs?: number;
  /** How often the outbox is checked for posts left by a restart or written by another replica. */
  pollMs?: number;
  /** How long a claimed post is ours before another replica may take it over. */
  claimMs?: number;
  /** Attempts Teams refuses for their content (400, 413) before a post is set aside and a note posted in its place. */
  maxPermanentFailures?: number;
}

/**
 * Records audit entries (the chain and its outbox row commit together in the store) and delivers
 * the outbox to the audit channel in order, with backoff that honours the connector's Retry-After,
 * across restarts and Teams outages.
 */
export class Auditor {
  private draining: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private readonly options: Required<AuditorOptions>;

  constructor(
    private readonly log: AuditLog,
    private readonly outbox: AuditOutbox,
    private readonly sink: AuditSink,
    private readonly logger: Logger,
    options: AuditorOptions,
  ) {
    this.options = { retryBaseMs: 1000, retryMaxMs: 5 * 60_000, blockedRetryMaxMs: 60_000, pollMs: 5000, claimMs: 30_000, maxPermanentFailures: 2, ...options };
  }

  /** Appends the entry (throws if it cannot be stored) and schedules its delivery. */
  async record(entry: NewAuditEntry): Promise<AuditEntry> {
    const stored = await this.log.append(entry);
    this.observe(stored);
    return stored;
  }

  /**
   * Called with every entry once committed, whether written here or by the request store in the
   * same transaction as a state change (it takes this as its observer): logs it, schedules its post.
   */
  readonly observe = (entry: AuditEntry): void => {
    countAuditEntry(entry);
    this.logger.info(
      { audit: { seq: entry.seq, action: entry.action, requestId: entry.requestId, actor: entry.actor } },
      `audit ${entry.action}`,
    );
    // Per-target entries have no post to deliver.
    if (!UNPOSTED_ACTIONS.has(entry.action)) this.kick();
  };

  /** Starts the periodic outbox check (posts left from before a restart, or by another replica). */
  start(): void {
    this.poller ??= setInterval(() => this.kick(), this.options.pollMs);
    this.poller.unref();
    this.kick();
  }

  /** Delivers what is due now (after a new entry, or when an audit channel became known). */
  kick(): void {
    if (this.stopped) return;
    if (this.draining !== undefined) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err: unknown) => this.logger.warn({ err }, "audit outbox unavailable; will retry"))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once nothing is being delivered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /**
   * The bot was just added to a team or chat (conversationUpdate, installationUpdate): a post held
   * because the audit channel was unreachable is tried now rather than at its next retry.
   */
  async retryBlockedNow(): Promise<void> {
    if (this.stopped) return;
    const due = await this.outbox.retryBlockedNow();
    if (due > 0) {
      this.failures = 0;
      this.logger.info({ due }, "the bot was added to a conversation: trying the held audit posts now");
    }
    this.kick();
  }

  /** Posts recorded but not yet delivered (by any replica), set-aside ones left out. */
  undelivered(): Promise<number> {
    return this.outbox.undeliveredCount();
  }

  /** Posts waiting, and posts set aside after Teams refused them for good (readiness, the log). */
  backlog(): Promise<OutboxBacklog> {
    return this.outbox.backlog();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.poller !== undefined) clearInterval(this.poller);
    this.retryTimer = undefined;
    this.poller = undefined;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const post = await this.outbox.claimNext(this.options.owner, this.options.claimMs);
      if (post === undefined) return;
      let delivered: boolean;
      try {
        delivered = await this.sink.deliver(post);
      } catch (err) {
        this.failures++;
        const refusal = refusalKind(err);
        const cap = refusal === "unreachable" ? this.options.blockedRetryMaxMs : this.options.retryMaxMs;
        const backoff = Math.min(this.options.retryBaseMs * 2 ** Math.min(this.failures - 1, 16), cap);
        const delay = Math.max(backoff, retryAfterMsOf(err) ?? 0);
        if (refusal === "content" && post.placeholder !== undefined) {
          // Even the short note standing in for the entry was refused: nothing more to try.
          await this.outbox.placeholderPosted(post.seq, this.options.owner);
          this.failures = 0;
          this.logger.error({ err, seq: post.seq }, "audit post set aside and its placeholder refused too; the entry itself is in the audit log (npm run audit:export)");
          continue;
        }
        if (refusal === "content") {
          // Teams will not take this post as it is (400, 413): a retry, then it is set aside so it
          // stops holding every later post back, and a short note takes its place in the channel.
          const setAside = await this.outbox.refusedPermanently(post.seq, this.options.owner, delay, errorText(err), this.options.maxPermanentFailures);
          if (setAside) {
            countOutboxSetAside();
            this.failures = 0;
            const backlog = await this.outbox.backlog();
            this.logger.warn(
              { err, seq: post.seq, attempts: this.options.maxPermanentFailures, backlog },
              "audit post set aside: Teams refused its content; a note takes its place in the channel and later posts go ahead (the entry itself is in the audit log)",
            );
            continue;
          }
        } else if (refusal === "unreachable") {
          // The bot cannot reach the channel (removed from the team, channel deleted, bot blocked):
          // nothing is set aside; the queue waits in order and is tried every minute, and at once
          // when the bot is added back (retryBlockedNow).
          const first = await this.outbox.blocked(post.seq, this.options.owner, delay, errorText(err));
          if (first) {
            this.logger.error(
              { err, seq: post.seq, retryInMs: delay },
              "audit channel unreachable: audit posts are held in order until the bot can post there again (add the bot back to the team; /readyz and npm run audit:outbox show since when)",
            );
            await this.alert(post);
          } else {
            this.logger.warn({ err, seq: post.seq, retryInMs: delay }, "audit channel still unreachable; audit posts held");
          }
          this.schedule(delay);
          return;
        } else {
          await this.outbox.retryLater(post.seq, this.options.owner, delay, errorText(err));
        }
        this.logger.warn({ err, seq: post.seq, retryInMs: delay }, "audit post failed; will retry");
        this.schedule(delay);
        return;
      }
      if (!delivered) {
        // No audit channel known yet: the post waits, in order, until `audit here` or AUDIT_CHANNEL_ID
        // becomes reachable; the poll and the next kick try again.
        await this.outbox.retryLater(post.seq, this.options.owner, 0, "no audit channel known yet");
        this.logger.debug({ seq: post.seq }, "no audit channel yet; audit post waits");
        return;
      }
      this.failures = 0;
      if (post.placeholder !== undefined) {
        await this.outbox.placeholderPosted(post.seq, this.options.owner);
        continue;
      }
      await this.outbox.delivered(post.seq, this.options.owner);
      if (post.blockedSince !== undefined) {
        this.logger.info({ seq: post.seq, blockedSince: post.blockedSince }, "audit channel reachable again: the held audit posts follow in order");
      }
    }
  }

  /** Tells the people concerned that the audit channel is unreachable; never throws. */
  private async alert(post: AuditPost): Promise<void> {
    if (this.sink.alertBlocked === undefined) return;
    try {
      await this.sink.alertBlocked(post);
    } catch (err) {
      this.logger.warn({ err, seq: post.seq }, "could not tell the request's thread that the audit channel is unreachable");
    }
  }

  /**
   * Kicks again once the failed post is due. libuv times timers from its cached loop time, which
   * can trail the wall clock the post's due time is written in, so a timer may fire a little
   * early: it then waits out the rest instead of finding nothing due and leaving the post to the
   * next poll.
   */
  private schedule(delayMs: number): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const dueAt = Date.now() + delayMs;
    const arm = (ms: number): void => {
      this.retryTimer = setTimeout(() => {
        const left = dueAt - Date.now();
        if (left > 0) {
          arm(left);
          return;
        }
        this.retryTimer = undefined;
        this.kick();
      }, ms);
      this.retryTimer.unref();
    };
    arm(delayMs);
  }
}

/** The Retry-After of a failed HTTP call, in ms, when the error carries one (seconds or a date). */
export function retryAfterMsOf(err: unknown): number | undefined {
  const headers = (err as { response?: { headers?: unknown } } | null)?.response?.headers;
  let value: unknown;
  if (headers !== null && typeof headers === "object") {
    const h = headers as { get?: (name: string) => unknown } & Record<string, unknown>;
    value = typeof h.get === "function" ? h.get("retry-after") : (h["retry-after"] ?? h["Retry-After"]);
  }
  return retryAfterMs(value);
}

/** Connector error codes that say the bot cannot reach the conversation, whatever the status. */
const UNREACHABLE_CODES = /roster|ConversationNotFound|BotDisabled|BotNotRegistered|Forbidden|Unauthorized/i;

/**
 * Why the connector refused a post. "content": the post itself (400 bad content, 413 too big),
 * sending it again will not help. "unreachable": the destination (401 the bot's token, 403 the
 * bot is not in the team or is blocked, 404 no such conversation, a roster error): another post
 * would fail the same way until someone acts, so the queue waits. "transient": everything else
 * (429, 408, 5xx, a network error), retried.
 */
export function refusalKind(err: unknown): "content" | "unreachable" | "transient" {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  const status = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e?.code === "string" ? e.code : "";
  if (status === 401 || status === 403 || status === 404 || UNREACHABLE_CODES.test(code)) return "unreachable";
  if (status === 400 || status === 413) return "content";
  return "transient";
}

function errorText(err: unknown): string {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  const message = err instanceof Error ? err.message : String(err);
  return (typeof status === "number" ? `HTTP ${status}: ${message}` : message).slice(0, 500);
}
