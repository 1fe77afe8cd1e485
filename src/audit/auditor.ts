import type { Logger } from "pino";
import type { AuditEntry, AuditLog, NewAuditEntry } from "./audit-log.js";

/** Delivers an audit entry somewhere people read it (the Teams audit channel). */
export interface AuditSink {
  /** Resolves when delivered; throws to be retried later. Returns false when no destination is known yet. */
  deliver(entry: AuditEntry): Promise<boolean>;
}

/**
 * Writes every audit entry to the log first (the record of truth), then delivers it to the sink in
 * the background, retrying with backoff; entries wait in order while no audit channel is known.
 */
export class Auditor {
  private readonly queue: AuditEntry[] = [];
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly log: AuditLog,
    private readonly sink: AuditSink,
    private readonly logger: Logger,
    private readonly retryBaseMs = 1000,
  ) {}

  /** Appends the entry (throws if it cannot be stored) and schedules its delivery. */
  async record(entry: NewAuditEntry): Promise<AuditEntry> {
    const stored = await this.log.append(entry);
    this.logger.info({ audit: stored }, `audit ${stored.action}`);
    this.queue.push(stored);
    this.kick();
    return stored;
  }

  /** Try delivering what is queued now (e.g. after an audit channel became known). */
  kick(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once nothing deliverable is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /** Entries recorded but not yet delivered. */
  get undelivered(): number {
    return this.queue.length;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (next === undefined) break;
      let delivered: boolean;
      try {
        delivered = await this.sink.deliver(next);
      } catch (err) {
        this.failures++;
        const delay = Math.min(this.retryBaseMs * 2 ** Math.min(this.failures, 6), 60_000);
        this.logger.warn({ err, seq: next.seq, retryInMs: delay }, "audit post failed; will retry");
        this.schedule(delay);
        return;
      }
      if (!delivered) {
        // No audit channel known yet: keep the entries, in order, until one is.
        this.logger.debug({ seq: next.seq }, "no audit channel yet; audit post waits");
        return;
      }
      this.failures = 0;
      this.queue.shift();
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delayMs);
    this.timer.unref();
  }
}
