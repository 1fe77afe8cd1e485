/**
 * The sweep of one watch: which of its users are due (SIGN_IN_GROUP_SIZE at a time, each sweep
 * from a little before the previous one began, one last sweep from each user's revocation when its
 * time is up), reading their sign-ins within the shared reports budget, storing what is new, and
 * handing it to the judgement (watch-judge.ts) and the report (watch-report.ts).
 */
import { isWatchUnavailable, SIGN_IN_GROUP_SIZE, type SignInEvent } from "../directory/sign-in-log.js";
import type { ReportsBudget } from "../directory/reports-budget.js";
import { TakeCancelled } from "../directory/shared-limit.js";
import { userMessageOf } from "../errors.js";
import { countWatchSweep } from "../telemetry/instruments.js";
import { freshSignIns, watchSignInsOf } from "./sign-in-batch.js";
import type { Watch, WatchedUser } from "./types.js";
import { WatchClosing, type WatchDeps, type WatchRunnerOptions } from "./watch-context.js";
import { WatchJudge } from "./watch-judge.js";
import type { WatchReport } from "./watch-report.js";

export class WatchSweep {
  /** Requests sent to the sign-in log (benchmarks, tests). */
  requestsSent = 0;
  readonly judge: WatchJudge;

  constructor(
    private readonly deps: Pick<WatchDeps, "store" | "log" | "logger" | "owner">,
    private readonly options: WatchRunnerOptions,
    private readonly reports: ReportsBudget,
    private readonly report: WatchReport,
    private readonly now: () => number,
    /** True once the runner is closing: a step waiting for the budget gives up. */
    private readonly stopping: () => boolean,
  ) {
    this.judge = new WatchJudge(deps, report, () => this.paced());
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
    await this.report.due(requestId);
    if (!(await this.judged(watch, this.options.lookupsPerStep))) return "done";
    if (!watch.finalSweep && watch.nextPosition === 0 && watch.sweepStartedAt === null && now < Date.parse(watch.nextSweepAt)) return "idle";
    const users = await this.deps.store.usersFrom(requestId, watch.nextPosition, SIGN_IN_GROUP_SIZE);
    if (users.length === 0) {
      if (watch.finalSweep) {
        // Whatever is still to be judged is reported as not checked rather than holding the end.
        if (!(await this.judged(watch, 0))) return "done";
        await this.report.finish(watch);
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
    const stored = await this.store(watch, users, events);
    const moved = await this.deps.store.advance(requestId, this.deps.owner, {
      nextPosition: watch.nextPosition + users.length,
      sweepStartedAt,
      failures: 0,
    });
    if (!moved) return "done";
    if (stored) await this.report.due(requestId);
    return "queried";
  }

  /**
   * Stores and audits a read's new sign-ins, judged against every incident address the users'
   * active watches know; alarmed first, other addresses judged afterwards (judge.pending), a few at
   * a time. True when anything was stored or counted.
   */
  private async store(watch: Watch, users: readonly WatchedUser[], events: readonly SignInEvent[]): Promise<boolean> {
    const requestId = watch.requestId;
    const incidents = await this.judge.incidents(watch, users);
    const known = await this.deps.store.knownIds(requestId, events.map((e) => e.id));
    const { kept, overflow } = freshSignIns(incidents, users, events, known, this.options.signInsPerUserPerSweep);
    const verdicts = await this.judge.knownVerdicts(requestId, kept, incidents);
    const fresh = await this.deps.store.addSignIns(requestId, watchSignInsOf(incidents, kept, verdicts, this.options.addressLookupsPerUser));
    const names = (userId: string) => users.find((u) => u.userId === userId);
    await this.report.signIns(requestId, fresh, names);
    if (overflow.length > 0) {
      await this.deps.store.addOverflow(requestId, overflow);
      for (const o of overflow) await this.report.overflow(requestId, names(o.userId), o);
    }
    return fresh.length > 0 || overflow.length > 0;
  }

  /** Judges pending addresses; false when the runner closed meanwhile. */
  private async judged(watch: Watch, lookups: number): Promise<boolean> {
    try {
      await this.judge.pending(watch, lookups);
      return true;
    } catch (err) {
      if (err instanceof WatchClosing) return false;
      throw err;
    }
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
      await this.reports.take("watch", () => this.stopping());
    } catch (err) {
      if (err instanceof TakeCancelled) throw new WatchClosing();
      throw err;
    }
    if (this.stopping()) throw new WatchClosing();
    this.requestsSent += 1;
  }

  /** A failed query: the watch ends for good without the permission or licence; otherwise it tries again. */
  private async failed(watch: Watch, err: unknown): Promise<"idle" | "done"> {
    if (isWatchUnavailable(err)) {
      await this.report.unavailable(watch, userMessageOf(err));
      return "done";
    }
    this.deps.logger.warn({ err, requestId: watch.requestId, failures: watch.failures + 1 }, "sign-in watch query failed; retrying");
    await this.deps.store.advance(watch.requestId, this.deps.owner, { failures: watch.failures + 1 });
    return "idle";
  }
}
