/**
 * Runs post-revocation watches: for WATCH_HOURS after a revocation job ends, the revoked users'
 * successful sign-ins are looked for in the sign-in log and reported in the request's thread and
 * the audit log.
 *
 * Throttling. Microsoft documents the identity and access reports APIs (the sign-in log among
 * them) at 5 requests per 10 seconds per app and tenant ("Microsoft Graph service-specific
 * throttling limits"). Every reader of the log takes from one budget of those 5
 * (src/directory/reports-budget.ts, shared by replicas through the database); the watch fills at
 * most WATCH_REQUESTS_PER_WINDOW (3) of a window, so `revoke ip` and `status` always have 2 per
 * 10 s, and a 429 pauses every reader: at most 1,080 watch requests an hour, however many users are
 * watched. Users are asked about SIGN_IN_GROUP_SIZE (15) at a time (`userId eq … or …`), each sweep
 * from where the previous one began, less SWEEP_OVERLAP for records that reach the log late; a
 * 5,000-user watch is 334 requests a sweep, about 19 minutes at that pace.
 *
 * Durability. Each watch is a row leased like a job: one replica at a time runs it, renews the lease
 * every third of its length, and another resumes it (from the stored sweep position) once a dead
 * runner's lease runs out. Sign-ins are stored by Graph's ID, so a re-read reports nothing twice.
 */
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.js";
import type { Auditor } from "../audit/auditor.js";
import { isWatchUnavailable, SIGN_IN_GROUP_SIZE, type SignInEvent, type SignInLog } from "../directory/sign-in-log.js";
import { userMessageOf } from "../errors.js";
import type { SendLedger } from "../directory/pacer.js";
import { READER_SHARE, REPORTS_LIMIT, REPORTS_WINDOW_MS, ReportsBudget } from "../directory/reports-budget.js";
import { TakeCancelled } from "../directory/shared-limit.js";
import type { RequestStore } from "../revocation/request-store.js";
import type { Actor, RevocationRequest } from "../revocation/types.js";
import { freshSignIns, isIncident, pairKey, watchSignInsOf } from "./sign-in-batch.js";
import type { FailedStep, PendingSignIn, SignInOverflow, UnreportedSignIn, Watch, WatchControl, WatchedUser, WatchListing, WatchSignIn, WatchStore } from "./types.js";
import { countWatchSweep } from "../telemetry/instruments.js";

export { REPORTS_LIMIT, REPORTS_WINDOW_MS };
/** The watch's share of the reports budget; the rest stays for `revoke ip` and `status`. */
export const WATCH_REQUESTS_PER_WINDOW = READER_SHARE.watch;

/** What the watch says in the request's thread (implemented by the bot layer, src/bot/watch-thread.ts). */
export interface WatchThread {
  started(request: RevocationRequest, users: number, hours: number, incidentIp: string | null, failedSteps: readonly FailedStep[]): Promise<void>;
  report(request: RevocationRequest, reports: ReadonlyArray<{ displayName: string; upn: string; signIns: readonly UnreportedSignIn[] }>, more: number): Promise<void>;
  unavailable(request: RevocationRequest, reason: string): Promise<void>;
  ended(request: RevocationRequest, hours: number, signIns: number, alarms: number): Promise<void>;
  stopped(request: RevocationRequest, by: Actor, reason: string): Promise<void>;
}

export interface WatchRunnerOptions {
  /** WATCH_HOURS: how long after a revocation its users are watched; 0 = off. */
  hours: number;
  /** A watch's lease; renewed every third of it. */
  leaseMs: number;
  /** How often this process looks for watches nobody holds, and how long an idle watch waits. */
  tickMs: number;
  /** A new sweep of a watch's users starts at most this often. */
  sweepIntervalMs: number;
  /** Each sweep re-reads this far before the previous one began (sign-ins reach the log late). */
  sweepOverlapMs: number;
  /** Watches this process runs at once. */
  maxWatches: number;
  /** At most one thread message per watch this often. */
  postIntervalMs: number;
  /** At most one summary per user this often (a sign-in from the incident's address is not held back). */
  summaryIntervalMs: number;
  /** Users a report lists; the rest follow in the next. */
  usersPerReport: number;
  /** Sign-ins stored (and audited, reported) one by one per user and sweep; the rest are counted in one entry. */
  signInsPerUserPerSweep: number;
  /** New addresses looked up per user and sweep; past that the user "signed in from many new addresses". */
  addressLookupsPerUser: number;
  /** Address look-ups one step sends at most before the next group is read (they share the reports budget). */
  lookupsPerStep: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchRunnerOptions = {
  hours: 24,
  leaseMs: 30_000,
  tickMs: 5_000,
  sweepIntervalMs: 5 * 60_000,
  sweepOverlapMs: 15 * 60_000,
  maxWatches: 20,
  postIntervalMs: 60_000,
  summaryIntervalMs: 3_600_000,
  usersPerReport: 10,
  signInsPerUserPerSweep: 20,
  addressLookupsPerUser: 3,
  lookupsPerStep: 3,
};

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What `revoke ip` named, from the request's `request.created` entry (`revoke ip <address> --since …`). */
export function incidentIpOf(selection: unknown): string | null {
  if (typeof selection !== "string") return null;
  const match = /^revoke ip (\S+)/.exec(selection);
  return match?.[1] ?? null;
}

export class WatchRunner implements WatchControl {
  private readonly options: WatchRunnerOptions;
  /** The reports budget the watch takes its sign-in log reads from (shared with `status` and `revoke ip`). */
  readonly reports: ReportsBudget;
  private readonly running = new Map<string, Promise<void>>();
  private poller: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;
  /** Steps in progress (idle() waits for them, not for the loops, which run until the watch ends). */
  private readonly busy = new Set<Promise<unknown>>();
  private wake: () => void = () => undefined;
  private readonly closed = new Promise<void>((resolve) => {
    this.wake = resolve;
  });
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests sent to the sign-in log by this runner (benchmarks, tests). */
  requestsSent = 0;

  constructor(
    private readonly deps: {
      store: WatchStore;
      log: SignInLog;
      requests: Pick<RequestStore, "summary">;
      auditLog: Pick<AuditLog, "findForRequest">;
      auditor: Pick<Auditor, "record">;
      thread: WatchThread;
      logger: Logger;
      owner: string;
      /** The shared reports budget; without it, one of this runner's own over `ledger`. */
      reports?: ReportsBudget;
      ledger?: SendLedger;
      options?: Partial<WatchRunnerOptions>;
      now?: () => number;
      sleep?: (ms: number) => Promise<void>;
    },
  ) {
    this.options = { ...DEFAULT_WATCH_OPTIONS, ...deps.options };
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? realSleep;
    this.reports = deps.reports ?? new ReportsBudget({ tenantId: "this-tenant", ledger: deps.ledger, now: this.now, sleep: this.sleep });
  }

  get hours(): number {
    return this.options.hours;
  }

  /**
   * Starts the watch of a request whose job has ended (called by the job's listener). Nothing when
   * watching is off or nobody was revoked; a second call for the same request changes nothing.
   */
  async startFor(request: RevocationRequest): Promise<void> {
    // An `enable` revokes nobody: there is nothing to watch.
    if (this.options.hours <= 0 || this.stopping || request.action === "enable") return;
    const created = await this.deps.auditLog.findForRequest(request.id, "request.created");
    const incidentIp = incidentIpOf(created?.details.command);
    const now = this.now();
    const endsAt = new Date(now + this.options.hours * 3_600_000).toISOString();
    const users = await this.deps.store.create(request.id, new Date(now).toISOString(), endsAt, incidentIp);
    if (users === 0) return;
    // Revoked users whose password reset or compromise confirmation failed are watched too, and named.
    const failedSteps = await this.deps.store.failedSteps(request.id);
    await this.deps.auditor.record({
      actor: null,
      action: "watch.started",
      requestId: request.id,
      details: {
        watched: `${users} revoked user${users === 1 ? "" : "s"}`,
        until: endsAt,
        ...(incidentIp === null ? {} : { incidentAddress: incidentIp }),
        ...(failedSteps.length === 0 ? {} : { containmentNotDone: failedSteps.map((f) => `${f.upn}: ${f.step === "reset_password" ? "password not reset" : "not confirmed as compromised"}`) }),
      },
    });
    await this.say(request.id, (r) => this.deps.thread.started(r, users, this.options.hours, incidentIp, failedSteps));
    this.claimNow();
  }

  /**
   * Looks for watches nobody holds now and every tick; once at start, also starts the watches a
   * process that died between a job's end and its watch's start never began (within WATCH_HOURS).
   */
  startPolling(): void {
    if (this.options.hours <= 0) return;
    this.poller ??= setInterval(() => this.claimNow(), this.options.tickMs);
    this.poller.unref();
    this.claimNow();
    const catchUp = this.catchUp().catch((err: unknown) => this.deps.logger.warn({ err }, "starting missed sign-in watches failed"));
    this.busy.add(catchUp);
    void catchUp.finally(() => this.busy.delete(catchUp));
  }

  private async catchUp(): Promise<void> {
    const since = new Date(this.now() - this.options.hours * 3_600_000).toISOString();
    for (const requestId of await this.deps.store.unwatched(since, 100)) {
      const summary = await this.deps.requests.summary(requestId, 0);
      if (summary !== undefined) await this.startFor(summary.request);
    }
  }

  /** Stops this runner (shutdown): watch loops finish their step and give their lease up. */
  async close(): Promise<void> {
    this.stopping = true;
    this.wake();
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
    while (this.running.size > 0 || this.polling !== undefined || this.busy.size > 0) {
      await Promise.all([...this.running.values(), this.polling, ...this.busy]);
    }
  }

  /** Ends a watch by a person's word (audited as watch.stopped, said in the thread). */
  async stop(requestId: string, by: Actor, reason: string): Promise<"stopped" | "notFound" | "notActive"> {
    const watch = await this.deps.store.get(requestId);
    if (watch === undefined) return "notFound";
    const ended = await this.deps.store.end(requestId, "stopped", new Date(this.now()).toISOString(), reason === "" ? "stopped by a person" : reason, by);
    if (!ended) return "notActive";
    await this.deps.auditor.record({
      actor: by,
      action: "watch.stopped",
      requestId,
      details: { ...(reason === "" ? {} : { reason }), watched: `${watch.userCount} user${watch.userCount === 1 ? "" : "s"}` },
    });
    await this.say(requestId, (r) => this.deps.thread.stopped(r, by, reason));
    return "stopped";
  }

  list(limit: number): Promise<WatchListing[]> {
    return this.deps.store.listActive(limit);
  }

  listing(requestId: string): Promise<WatchListing | undefined> {
    return this.deps.store.listing(requestId);
  }

  /** Resolves when no claim and no step is in progress (tests); the watches themselves go on. */
  async idle(): Promise<void> {
    while (this.busy.size > 0 || this.polling !== undefined) {
      await Promise.all([...this.busy, this.polling]);
    }
  }

  private claimNow(): void {
    if (this.stopping || this.polling !== undefined || this.options.hours <= 0) return;
    const room = this.options.maxWatches - this.running.size;
    if (room <= 0) return;
    this.polling = this.deps.store
      .claim(this.deps.owner, this.options.leaseMs, new Date(this.now()), room)
      .then((ids) => {
        for (const id of ids) if (!this.running.has(id)) this.launch(id);
      })
      .catch((err: unknown) => this.deps.logger.warn({ err }, "looking for sign-in watches failed; will retry"))
      .finally(() => {
        this.polling = undefined;
      });
  }

  private launch(requestId: string): void {
    const loop = this.run(requestId)
      .catch((err: unknown) => this.deps.logger.error({ err, requestId }, "sign-in watch stopped by an error; it resumes after its lease runs out"))
      .finally(() => this.running.delete(requestId));
    this.running.set(requestId, loop);
  }

  /** One watch, while this runner holds it: query a group, report, repeat; idle between sweeps. */
  private async run(requestId: string): Promise<void> {
    const lease = { lost: false };
    const renew = setInterval(() => {
      this.deps.store.renew(requestId, this.deps.owner, this.options.leaseMs, new Date(this.now())).then(
        (ok) => {
          if (!ok) lease.lost = true;
        },
        (err: unknown) => this.deps.logger.warn({ err, requestId }, "watch lease renewal failed; retrying"),
      );
    }, Math.max(Math.floor(this.options.leaseMs / 3), 50));
    renew.unref();
    try {
      while (!this.stopping && !lease.lost) {
        const stepping = this.step(requestId).catch((err: unknown) => {
          // A database or Teams hiccup must not end the watch: the next tick tries again.
          this.deps.logger.warn({ err, requestId }, "sign-in watch step failed; trying again");
          return "idle" as const;
        });
        this.busy.add(stepping);
        const outcome = await stepping.finally(() => this.busy.delete(stepping));
        if (outcome === "done") break;
        if (outcome === "idle") await Promise.race([this.sleep(this.options.tickMs), this.closed]);
      }
      // Shutting down: the lease is handed back so another runner (or the next start) goes on at once.
      if (this.stopping && !lease.lost) await this.deps.store.release(requestId, this.deps.owner);
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * One step of a watch: when its time is up, one last sweep from each user's revocation, then the
   * end; else report what is due, judge a few addresses, then query the next group of users (or
   * wait for the next sweep). "queried" when it sent a request, "idle" when it waits, "done" when
   * the watch is no longer active.
   */
  async step(requestId: string): Promise<"queried" | "idle" | "done"> {
    const watch = await this.deps.store.get(requestId);
    if (watch === undefined || watch.state !== "active") return "done";
    const now = this.now();
    if (now >= Date.parse(watch.endsAt) && !watch.finalSweep) {
      // Records reach the log late (minutes, up to about two hours): the last sweep re-reads
      // everything since each user's revocation; sign-ins already stored are not reported twice.
      const moved = await this.deps.store.advance(requestId, this.deps.owner, {
        finalSweep: true,
        nextPosition: 0,
        sweepCursor: null,
        sweepStartedAt: new Date(now).toISOString(),
      });
      return moved ? "queried" : "done";
    }
    await this.report(requestId);
    try {
      await this.judgePending(watch, this.options.lookupsPerStep);
    } catch (err) {
      if (err instanceof WatchClosing) return "done";
      throw err;
    }
    if (!watch.finalSweep && watch.nextPosition === 0 && watch.sweepStartedAt === null && now < Date.parse(watch.nextSweepAt)) return "idle";
    const users = await this.deps.store.usersFrom(requestId, watch.nextPosition, SIGN_IN_GROUP_SIZE);
    if (users.length === 0) {
      if (watch.finalSweep) {
        // Whatever is still to be judged is reported as not checked rather than holding the end.
        try {
          await this.judgePending(watch, 0);
        } catch (err) {
          if (err instanceof WatchClosing) return "done";
          throw err;
        }
        await this.finish(watch);
        return "done";
      }
      // The sweep is done: the next reads from a little before this one began.
      countWatchSweep();
      const began = watch.sweepStartedAt === null ? now : Date.parse(watch.sweepStartedAt);
      await this.deps.store.advance(requestId, this.deps.owner, {
        nextPosition: 0,
        sweepStartedAt: null,
        sweepCursor: new Date(began - this.options.sweepOverlapMs).toISOString(),
        nextSweepAt: new Date(began + this.options.sweepIntervalMs).toISOString(),
      });
      return "idle";
    }
    const sweepStartedAt = watch.sweepStartedAt ?? new Date(now).toISOString();
    let events: SignInEvent[];
    try {
      events = await this.read(users, watch.finalSweep ? null : watch.sweepCursor);
    } catch (err) {
      if (err instanceof WatchClosing) return "done";
      return this.failed(watch, err);
    }
    // Stored and alarmed first; addresses are judged afterwards (judgePending), a few at a time.
    const stored = await this.deps.store.knownIds(requestId, events.map((e) => e.id));
    const { kept, overflow } = freshSignIns(watch.incidentIp, users, events, stored, this.options.signInsPerUserPerSweep);
    const verdicts = new Map<string, boolean | null>();
    for (const e of kept) {
      const key = pairKey(e.userId, e.ipAddress);
      if (isIncident(watch.incidentIp, e.ipAddress) || e.ipAddress === "" || verdicts.has(key)) continue;
      const known = await this.deps.store.knownVerdict(requestId, e.userId, e.ipAddress);
      if (known !== undefined) verdicts.set(key, known);
    }
    const fresh = await this.deps.store.addSignIns(requestId, watchSignInsOf(watch.incidentIp, kept, verdicts, this.options.addressLookupsPerUser));
    for (const s of fresh) if (s.addressCheck !== "pending") await this.auditSignIn(watch.requestId, userName(users, s.userId), s);
    if (overflow.length > 0) {
      await this.deps.store.addOverflow(requestId, overflow);
      for (const o of overflow) await this.auditOverflow(watch.requestId, userName(users, o.userId), o);
    }
    const moved = await this.deps.store.advance(requestId, this.deps.owner, {
      nextPosition: watch.nextPosition + users.length,
      sweepStartedAt,
      failures: 0,
    });
    if (!moved) return "done";
    if (fresh.length > 0 || overflow.length > 0) await this.report(requestId);
    return "queried";
  }

  /** The group's successful sign-ins since the cursor (or each user's revocation), every page, paced. */
  private async read(users: readonly WatchedUser[], cursor: string | null): Promise<SignInEvent[]> {
    const earliest = Math.min(...users.map((u) => Date.parse(u.since)));
    const since = cursor === null ? earliest : Math.max(earliest, Date.parse(cursor));
    const events: SignInEvent[] = [];
    const pages = this.deps.log.successfulSignIns(
      users.map((u) => u.userId),
      new Date(since),
      { beforeRequest: () => this.paced() },
    );
    for await (const page of pages) events.push(...page);
    return events;
  }

  /** Waits for the reports API's budget; a runner closing meanwhile abandons the step (nothing was sent). */
  private async paced(): Promise<void> {
    try {
      await this.reports.take("watch", () => this.stopping);
    } catch (err) {
      if (err instanceof TakeCancelled) throw new WatchClosing();
      throw err;
    }
    if (this.stopping) throw new WatchClosing();
    this.requestsSent += 1;
  }

  /**
   * Judges up to `lookups` (user, address) pairs of stored sign-ins waiting for it: seen before the
   * revocation or not (one paced look-up each, unless this watch already knows). With 0 look-ups
   * (the last sweep's end), what is left is recorded as not checked.
   */
  private async judgePending(watch: Watch, lookups: number): Promise<void> {
    const pending = await this.deps.store.pendingChecks(watch.requestId, 500);
    if (pending.length === 0) return;
    const pairs = new Map<string, PendingSignIn[]>();
    for (const s of pending) {
      const key = pairKey(s.userId, s.ip);
      pairs.set(key, [...(pairs.get(key) ?? []), s]);
    }
    let asked = 0;
    for (const signIns of pairs.values()) {
      const first = signIns[0];
      if (first === undefined) continue;
      let seenBefore: boolean | null = null;
      if (asked < lookups) {
        const known = await this.deps.store.knownVerdict(watch.requestId, first.userId, first.ip);
        if (known === undefined) asked += 1;
        seenBefore = known !== undefined ? known : await this.seenBefore(first.userId, first.ip, first.since);
      } else if (lookups > 0) {
        return;
      }
      // Audited before it is marked: a crash in between records it twice rather than never.
      for (const s of signIns) await this.auditSignIn(watch.requestId, { displayName: s.displayName, upn: s.upn }, { ...s, seenBefore, addressCheck: null });
      await this.deps.store.judged(watch.requestId, first.userId, first.ip, seenBefore, null);
    }
  }

  /** One paced query; unknown (null) when it fails: the report says it could not tell. */
  private async seenBefore(userId: string, ip: string, since: string): Promise<boolean | null> {
    try {
      return await this.deps.log.seenBefore(userId, ip, new Date(Date.parse(since) - 1000), { beforeRequest: () => this.paced() });
    } catch (err) {
      if (err instanceof WatchClosing) throw err;
      this.deps.logger.warn({ err, userId }, "could not tell whether a user signed in from an address before");
      return null;
    }
  }

  private async auditSignIn(requestId: string, user: { displayName: string; upn: string } | undefined, s: WatchSignIn): Promise<void> {
    const note = s.incidentIp
      ? " — the address this request named"
      : s.seenBefore === true
        ? " — used by this user before the revocation"
        : s.seenBefore === false
          ? " — not used by this user before"
          : s.addressCheck === "many"
            ? " — one of many new addresses of this user, not checked"
            : "";
    const details = {
      user: user === undefined ? s.userId : `${user.displayName} (${user.upn})`,
      signedIn: s.createdAt,
      address: `${s.ip}${note}`,
      location: s.location === "" ? "unknown" : s.location,
      app: s.app === "" ? "unnamed" : s.app,
      client: s.client === "" ? "unknown" : s.client,
      signInId: s.signInId,
    };
    await this.deps.auditor.record({ actor: null, action: "watch.signin", requestId, details });
    if (s.incidentIp) await this.deps.auditor.record({ actor: null, action: "watch.alarm", requestId, details });
  }

  /** One entry for a user's sign-ins past the cap of a sweep (and one alarm when any came from the incident's address). */
  private async auditOverflow(requestId: string, user: { displayName: string; upn: string } | undefined, o: SignInOverflow): Promise<void> {
    const details = {
      user: user === undefined ? o.userId : `${user.displayName} (${user.upn})`,
      signIns: o.count,
      fromIncidentAddress: o.fromIncident,
      first: o.first,
      last: o.last,
      addresses: o.addresses,
    };
    await this.deps.auditor.record({ actor: null, action: "watch.signin", requestId, details });
    if (o.fromIncident > 0) await this.deps.auditor.record({ actor: null, action: "watch.alarm", requestId, details });
  }

  /**
   * Posts what is due in the thread: at most one message per postIntervalMs, each user at most once
   * per summaryIntervalMs unless one of their sign-ins came from the incident's address.
   */
  private async report(requestId: string): Promise<void> {
    const watch = await this.deps.store.get(requestId);
    if (watch === undefined || watch.state !== "active") return;
    const now = this.now();
    if (watch.lastPostAt !== null && now - Date.parse(watch.lastPostAt) < this.options.postIntervalMs) return;
    const pending = await this.deps.store.unreported(watch.requestId, 1000);
    if (pending.length === 0) return;
    const byUser = new Map<string, UnreportedSignIn[]>();
    for (const s of pending) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s]);
    const due = [...byUser.values()].filter((list) => {
      const first = list[0];
      if (first === undefined) return false;
      const alarm = list.some((s) => s.incidentIp);
      return alarm || first.lastSummaryAt === null || now - Date.parse(first.lastSummaryAt) >= this.options.summaryIntervalMs;
    });
    if (due.length === 0) return;
    due.sort((a, b) => Number(b.some((s) => s.incidentIp)) - Number(a.some((s) => s.incidentIp)));
    const listed = due.slice(0, this.options.usersPerReport);
    const reports = listed.map((list) => ({ displayName: list[0]?.displayName ?? "", upn: list[0]?.upn ?? "", signIns: list }));
    const posted = await this.say(watch.requestId, (r) => this.deps.thread.report(r, reports, due.length - listed.length));
    if (!posted) return;
    const at = new Date(now).toISOString();
    const ids = listed.flatMap((list) => list.map((s) => s.signInId));
    await this.deps.store.markReported(watch.requestId, ids, listed.map((list) => list[0]?.userId ?? ""), at);
    await this.deps.auditor.record({
      actor: null,
      action: "watch.report",
      requestId: watch.requestId,
      details: {
        reported: reports.map((r) => `${r.displayName} (${r.upn}): ${r.signIns.length} sign-in${r.signIns.length === 1 ? "" : "s"}${r.signIns.some((s) => s.incidentIp) ? ", from the incident's address" : ""}`),
      },
    });
  }

  /** A failed query: the watch ends for good without the permission or licence; otherwise it tries again. */
  private async failed(watch: Watch, err: unknown): Promise<"idle" | "done"> {
    if (isWatchUnavailable(err)) {
      const reason = userMessageOf(err);
      const ended = await this.deps.store.end(watch.requestId, "unavailable", new Date(this.now()).toISOString(), reason, null);
      if (ended) {
        await this.deps.auditor.record({ actor: null, action: "watch.unavailable", requestId: watch.requestId, details: { reason } });
        await this.say(watch.requestId, (r) => this.deps.thread.unavailable(r, reason));
      }
      return "done";
    }
    this.deps.logger.warn({ err, requestId: watch.requestId, failures: watch.failures + 1 }, "sign-in watch query failed; retrying");
    await this.deps.store.advance(watch.requestId, this.deps.owner, { failures: watch.failures + 1 });
    return "idle";
  }

  /** The watch's time is up: a last report of what is left, then the end. */
  private async finish(watch: Watch): Promise<void> {
    const ended = await this.deps.store.end(watch.requestId, "ended", new Date(this.now()).toISOString(), "its time ran out", null);
    if (!ended) return;
    const listing = await this.deps.store.listing(watch.requestId);
    const signIns = listing?.signIns ?? 0;
    const alarms = listing?.alarms ?? 0;
    await this.deps.auditor.record({
      actor: null,
      action: "watch.ended",
      requestId: watch.requestId,
      details: { signInsAfterRevocation: String(signIns), fromIncidentAddress: String(alarms) },
    });
    await this.say(watch.requestId, (r) => this.deps.thread.ended(r, this.options.hours, signIns, alarms));
  }

  /** Says something in the request's thread; false (logged) when the request or Teams is not there. */
  private async say(requestId: string, speak: (request: RevocationRequest) => Promise<void>): Promise<boolean> {
    try {
      const summary = await this.deps.requests.summary(requestId, 0);
      if (summary === undefined) return false;
      await speak(summary.request);
      return true;
    } catch (err) {
      this.deps.logger.warn({ err, requestId }, "could not post in the request's thread; the watch goes on and tries again");
      return false;
    }
  }
}

/** The runner is closing: a step waiting for the budget gives up without sending anything. */
class WatchClosing extends Error {
  constructor() {
    super("the sign-in watch runner is closing");
  }
}

/** A user's names, for an audit entry. */
function userName(users: readonly WatchedUser[], userId: string): { displayName: string; upn: string } | undefined {
  return users.find((u) => u.userId === userId);
}
