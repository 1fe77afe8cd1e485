/**
 * The identity and access limits Graph enforces besides the per app+tenant write quota
 * (write-quota.ts), all at once, the first one reached winning ("Microsoft Graph service-specific
 * throttling limits"):
 * - per app and tenant, resource units per 10 s by tenant size (S 3,500, M 5,000, L 8,000), where
 *   every request, read or write, costs units;
 * - per tenant over all apps, 18,000 writes per 5 minutes;
 * - per app over all tenants, 150,000 units per 20 s and 70,000 writes per 5 minutes.
 * Each is a parameter (scope, what it counts, capacity, window), so a benchmark can make any one of
 * them bind; Microsoft says the figures change and does not say how windows count, so each is
 * counted as a sliding window. `othersShare` is the part of the limit spent, evenly over time, by
 * the clients the bot cannot see: other apps of the tenant (scope Tenant) or the app's use in other
 * tenants (scope Application), or another instance of the same app (Tenant_Application).
 *
 * A refusal is Graph's 429: `Retry-After` in whole seconds (at least 1) until the request's cost
 * fits again, `x-ms-throttle-scope` as `<Scope>/<Limit>/<ApplicationId>/<TenantId>`,
 * `x-ms-throttle-information` naming the limit, and `x-ms-throttle-limit-percentage` (sent only
 * above 0.8 of a limit, up to 1.8).
 */

export type ThrottleScope = "Tenant_Application" | "Tenant" | "Application";

/** One limit. */
export interface ThrottleLimitOptions {
  scope: ThrottleScope;
  /** Writes (POST, PATCH, PUT, DELETE: 1 each) or resource units (every request, by its cost). */
  counts: "writes" | "resourceUnits";
  capacity: number;
  windowMs: number;
  /** Share of the capacity (0 to 0.9) others spend evenly over time; default 0. */
  othersShare?: number;
}

export interface ThrottleLimitStats extends Required<ThrottleLimitOptions> {
  /** Units (or writes) of the simulator's client accepted under this limit. */
  accepted: number;
  /** Requests this limit refused (standalone or `$batch` items). */
  refused: number;
  /** Units others spent. */
  othersSpent: number;
  /** When the client's first and latest units were accepted (ms since the epoch), or null. */
  firstAcceptedAt: number | null;
  lastAcceptedAt: number | null;
  /** The longest time between two consecutive requests of the client under this limit (accepted or refused), ms. */
  longestGapMs: number;
}

export type LimitVerdict = { accepted: true; headers: Record<string, string> } | { accepted: false; headers: Record<string, string>; retryAfterSeconds: number; message: string };

const REPORT_ABOVE = 0.8;
const MAX_REPORTED = 1.8;

/**
 * Resource-unit cost of a request, from Microsoft's identity and access table: listing users costs
 * 2, other requests 1; `$select` takes 1 off, `$expand` adds 1, `$top` under 20 takes 1 off; a
 * request costs at least 1. Writes cost 1 here too (the write limits count them apart).
 */
export function resourceUnitCost(method: string, segments: readonly string[], query: Readonly<Record<string, string>>): number {
  const collection = segments.length === 2 && segments[1]?.toLowerCase() === "users";
  let cost = method === "GET" && collection ? 2 : 1;
  const keys = Object.keys(query).map((k) => k.toLowerCase());
  if (method === "GET" && keys.includes("$select")) cost -= 1;
  if (keys.includes("$expand")) cost += 1;
  const top = Object.entries(query).find(([k]) => k.toLowerCase() === "$top")?.[1];
  if (top !== undefined && Number(top) < 20) cost -= 1;
  return Math.max(1, cost);
}

interface Window {
  /** Accepted units, oldest first from `head`. */
  at: number[];
  units: number[];
  head: number;
  total: number;
  /** The others' next unit. */
  othersAt: number;
}

class SlidingLimit {
  accepted = 0;
  refused = 0;
  othersSpent = 0;
  firstAcceptedAt: number | null = null;
  lastAcceptedAt: number | null = null;
  lastArrival: number | null = null;
  longestGapMs = 0;

  /** A request of the client arrived: the gap since the one before. */
  arrived(now: number): void {
    if (this.lastArrival !== null) this.longestGapMs = Math.max(this.longestGapMs, now - this.lastArrival);
    this.lastArrival = now;
  }
  private readonly windows = new Map<string, Window>();

  constructor(readonly options: Required<ThrottleLimitOptions>) {}

  keyOf(tenantId: string, appId: string): string {
    const t = tenantId.toLowerCase();
    const a = appId.toLowerCase();
    return this.options.scope === "Tenant" ? t : this.options.scope === "Application" ? a : `${t}/${a}`;
  }

  /** The window of `key` at `now`, with the others' units spent until then. */
  windowAt(key: string, now: number): Window {
    const { windowMs, capacity, othersShare } = this.options;
    let w = this.windows.get(key);
    if (w === undefined) {
      // The others have been at it for a window already.
      w = { at: [], units: [], head: 0, total: 0, othersAt: now - windowMs };
      this.windows.set(key, w);
    }
    if (othersShare > 0) {
      const every = windowMs / (capacity * othersShare);
      if (w.othersAt < now - windowMs) w.othersAt = now - windowMs;
      while (w.othersAt <= now) {
        this.prune(w, w.othersAt);
        if (w.total + 1 <= capacity) {
          this.push(w, w.othersAt, 1);
          this.othersSpent++;
        }
        w.othersAt += every;
      }
    }
    this.prune(w, now);
    return w;
  }

  private prune(w: Window, now: number): void {
    while (w.head < w.at.length && (w.at[w.head] ?? 0) <= now - this.options.windowMs) {
      w.total -= w.units[w.head] ?? 0;
      w.head++;
    }
    if (w.head > 4096 && w.head * 2 > w.at.length) {
      w.at.splice(0, w.head);
      w.units.splice(0, w.head);
      w.head = 0;
    }
  }

  push(w: Window, at: number, units: number): void {
    w.at.push(at);
    w.units.push(units);
    w.total += units;
  }

  /** Ms until `units` fit in `w` at `now` (0: they fit now). */
  waitFor(w: Window, now: number, units: number): number {
    let excess = w.total + units - this.options.capacity;
    if (excess <= 0) return 0;
    for (let i = w.head; i < w.at.length; i++) {
      excess -= w.units[i] ?? 0;
      if (excess <= 0) return (w.at[i] ?? now) + this.options.windowMs - now;
    }
    return this.options.windowMs;
  }
}

/** Every configured limit; a request is accepted only when all of them have room for it. */
export class ThrottleLimits {
  private limits: SlidingLimit[] = [];

  constructor(
    limits: readonly ThrottleLimitOptions[] = [],
    private readonly clock: () => number = Date.now,
  ) {
    this.configure(limits);
  }

  /** Replaces the limits (and their windows). */
  configure(limits: readonly ThrottleLimitOptions[]): void {
    this.limits = limits.map((l) => new SlidingLimit(checked(l)));
  }

  /**
   * Counts a request of `cost` resource units (a write when `write`) against every limit, or
   * refuses it with the headers of the limit that refused it (the longest wait when several do).
   */
  take(tenantId: string, appId: string, write: boolean, cost: number): LimitVerdict {
    const now = this.clock();
    const applying = this.limits
      .filter((l) => write || l.options.counts === "resourceUnits")
      .map((l) => {
        const units = l.options.counts === "writes" ? 1 : cost;
        const window = l.windowAt(l.keyOf(tenantId, appId), now);
        l.arrived(now);
        return { l, units, window, wait: l.waitFor(window, now, units) };
      });
    const refusing = applying.filter((a) => a.wait > 0).sort((x, y) => y.wait - x.wait)[0];
    if (refusing !== undefined) {
      const { l, window, units } = refusing;
      l.refused++;
      const retryAfterSeconds = Math.max(1, Math.ceil(refusing.wait / 1000));
      const kind = l.options.counts === "writes" ? "Write" : "ReadWrite";
      return {
        accepted: false,
        retryAfterSeconds,
        message: `Too many requests from Identifier:${appId}+${tenantId} under category:throttle.aad.ags.${categoryOf(l.options.scope)}.${kind === "Write" ? "write" : "resourceunit"}. Please try again later.`,
        headers: {
          "Retry-After": String(retryAfterSeconds),
          "x-ms-throttle-scope": `${l.options.scope}/${kind}/${l.options.scope === "Tenant" ? "" : appId}/${l.options.scope === "Application" ? "" : tenantId}`,
          "x-ms-throttle-information": l.options.counts === "writes" ? "WriteLimitExceeded" : "ResourceUnitLimitExceeded",
          "x-ms-throttle-limit-percentage": format(Math.max(1, (window.total + units) / l.options.capacity)),
        },
      };
    }
    let usage = 0;
    for (const a of applying) {
      a.l.push(a.window, now, a.units);
      a.l.accepted += a.units;
      a.l.firstAcceptedAt ??= now;
      a.l.lastAcceptedAt = now;
      usage = Math.max(usage, a.window.total / a.l.options.capacity);
    }
    return { accepted: true, headers: usage > REPORT_ABOVE ? { "x-ms-throttle-limit-percentage": format(usage) } : {} };
  }

  stats(): ThrottleLimitStats[] {
    return this.limits.map((l) => ({
      ...l.options,
      accepted: l.accepted,
      refused: l.refused,
      othersSpent: l.othersSpent,
      firstAcceptedAt: l.firstAcceptedAt,
      lastAcceptedAt: l.lastAcceptedAt,
      longestGapMs: l.longestGapMs,
    }));
  }

  resetCounters(): void {
    for (const l of this.limits) {
      l.accepted = 0;
      l.refused = 0;
      l.othersSpent = 0;
      l.firstAcceptedAt = l.lastAcceptedAt = l.lastArrival = null;
      l.longestGapMs = 0;
    }
  }
}

function categoryOf(scope: ThrottleScope): string {
  return scope === "Tenant_Application" ? "tenantApplication" : scope === "Tenant" ? "tenant" : "application";
}

function checked(l: ThrottleLimitOptions): Required<ThrottleLimitOptions> {
  const othersShare = l.othersShare ?? 0;
  if (!["Tenant_Application", "Tenant", "Application"].includes(l.scope)) throw new RangeError(`a throttle limit's scope is Tenant_Application, Tenant or Application, got ${String(l.scope)}`);
  if (l.counts !== "writes" && l.counts !== "resourceUnits") throw new RangeError(`a throttle limit counts writes or resourceUnits, got ${String(l.counts)}`);
  if (!Number.isInteger(l.capacity) || l.capacity < 1) throw new RangeError(`a throttle limit's capacity must be a positive integer, got ${l.capacity}`);
  if (!Number.isFinite(l.windowMs) || l.windowMs <= 0) throw new RangeError(`a throttle limit's windowMs must be positive, got ${l.windowMs}`);
  if (!Number.isFinite(othersShare) || othersShare < 0 || othersShare > 0.9) throw new RangeError(`a throttle limit's othersShare must be from 0 to 0.9, got ${othersShare}`);
  return { scope: l.scope, counts: l.counts, capacity: l.capacity, windowMs: l.windowMs, othersShare };
}

function format(usage: number): string {
  return String(Math.round(Math.min(usage, MAX_REPORTED) * 100) / 100);
}

/**
 * Limits from text, for the CLI and environment: `;`-separated
 * `<scope>:<writes|resourceUnits>:<capacity>/<windowMs>[:<othersShare>]`, e.g.
 * `Tenant:writes:18000/300000:0.5;Tenant_Application:resourceUnits:3500/10000`.
 */
export function parseThrottleLimits(text: string): ThrottleLimitOptions[] {
  return text
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const m = /^(Tenant_Application|Tenant|Application):(writes|resourceUnits):(\d+)\/(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(s);
      if (m === null) throw new RangeError(`"${s}" is not <scope>:<writes|resourceUnits>:<capacity>/<windowMs>[:<othersShare>]`);
      return checked({ scope: m[1] as ThrottleScope, counts: m[2] as "writes" | "resourceUnits", capacity: Number(m[3]), windowMs: Number(m[4]), othersShare: m[5] === undefined ? 0 : Number(m[5]) });
    });
}
