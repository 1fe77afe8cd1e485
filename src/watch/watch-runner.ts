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
import type { SendLedger } from "../directory/pacer.js";
import { READER_SHARE, REPORTS_LIMIT, REPORTS_WINDOW_MS, ReportsBudget } from "../directory/reports-budget.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { Actor } from "../domain/actor.js";
import { incidentIpOf } from "./judgement.js";
import type { WatchControl, WatchListing } from "./types.js";
import { DEFAULT_WATCH_OPTIONS, type WatchDeps, type WatchRunnerOptions } from "./watch-context.js";
import { WatchReport } from "./watch-report.js";
import { WatchSweep } from "./watch-sweep.js";

export { REPORTS_LIMIT, REPORTS_WINDOW_MS, DEFAULT_WATCH_OPTIONS, incidentIpOf };
export type { WatchRunnerOptions };
export type { WatchThread } from "./watch-context.js";
/** The watch's share of the reports budget; the rest stays for `revoke ip` and `status`. */
export const WATCH_REQUESTS_PER_WINDOW = READER_SHARE.watch;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
  private readonly report: WatchReport;
  private readonly sweep: WatchSweep;

  constructor(
    private readonly deps: WatchDeps & {
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
    this.report = new WatchReport(deps, this.options, this.now);
    this.sweep = new WatchSweep(deps, this.options, this.reports, this.report, this.now, () => this.stopping);
  }

  /** Requests sent to the sign-in log by this runner (benchmarks, tests). */
  get requestsSent(): number {
    return this.sweep.requestsSent;
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
    await this.report.say(request.id, (r) => this.deps.thread.started(r, users, this.options.hours, incidentIp, failedSteps));
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
    await this.report.say(requestId, (r) => this.deps.thread.stopped(r, by, reason));
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

  /** One step of a watch (see WatchSweep.step). */
  step(requestId: string): Promise<"queried" | "idle" | "done"> {
    return this.sweep.step(requestId);
  }
}
