/**
 * What the automation API writes about the calls it refuses, bounded: any app in the tenant can
 * get a token for the API (unless the service principal requires assignment), and anyone can send
 * a bad one. So refusals are logged sampled (the first few of each kind, then every hundredth, as
 * /api/messages does), and audit entries for one caller's refusals are budgeted per minute (as
 * `activity.refused` is): past the budget a refusal is counted and sampled in the log only.
 */
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import type { Actor } from "../domain/actor.js";

export interface RefusalOptions {
  auditor: Auditor;
  logger: Logger;
  /** Audit entries per caller per minute for refused calls; default 10. */
  auditPerMinute?: number;
  now?: () => number;
}

/** Log lines of one kind: the first ten, then every hundredth. */
function sampled(n: number): boolean {
  return n <= 10 || n % 100 === 0;
}

/** Callers remembered per minute at most; past it the window starts over (memory stays bounded). */
const MAX_CALLERS = 1000;

export class ApiRefusals {
  private readonly counts = new Map<string, number>();
  private readonly window = new Map<string, { minute: number; count: number }>();

  constructor(private readonly options: RefusalOptions) {}

  /** How many refusals of each kind so far (tests, the log). */
  count(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  private add(kind: string): number {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    return n;
  }

  /** A call without a valid token: never audited (anyone can send one), logged sampled. */
  token(kind: string, reason: string): void {
    const n = this.add(`token:${kind}`);
    if (sampled(n)) this.options.logger.info({ kind, reason, count: n }, "API: token refused");
  }

  /** A caller over its rate: not audited (the rate limit is what protects the audit chain), logged sampled. */
  rateLimited(appId: string, route: string): void {
    const n = this.add(`rate:${route}`);
    if (sampled(n)) this.options.logger.info({ app: appId, route, count: n }, "API: caller rate limited");
  }

  /** A refused call of a known caller: audited as `request.refused`, within the caller's budget per minute. */
  async audit(actor: Actor, reason: string, details: Record<string, unknown>): Promise<void> {
    if (!this.withinBudget(actor.aadObjectId)) {
      const n = this.add("audit-budget");
      if (sampled(n)) this.options.logger.warn({ app: actor.aadObjectId, reason, count: n }, "API: refusal not audited: the caller's audit budget for this minute is spent");
      return;
    }
    await this.options.auditor.record({ actor, action: "request.refused", requestId: null, details: { via: "api", reason, ...details } });
  }

  private withinBudget(key: string): boolean {
    const minute = Math.floor((this.options.now?.() ?? Date.now()) / 60_000);
    const slot = this.window.get(key);
    if (slot === undefined || slot.minute !== minute) {
      if (this.window.size >= MAX_CALLERS) this.window.clear();
      this.window.set(key, { minute, count: 1 });
      return true;
    }
    slot.count += 1;
    return slot.count <= (this.options.auditPerMinute ?? 10);
  }
}
