/**
 * The judgement of the addresses a watch's users signed in from: an incident address (this
 * request's or another active watch's of the same user: no look-up, an ALARM), an address the user
 * signed in from before the revocation, or one they had not (one paced look-up per user and
 * address, at most a few per step; an address already judged for the user is not asked again).
 */
import type { SignInEvent } from "../directory/sign-in-log.js";
import { IncidentAddresses, pairKey } from "./judgement.js";
import type { PendingSignIn, Watch, WatchedUser } from "./types.js";
import { WatchClosing, type WatchDeps } from "./watch-context.js";
import type { WatchReport } from "./watch-report.js";

export class WatchJudge {
  constructor(
    private readonly deps: Pick<WatchDeps, "store" | "log" | "logger">,
    private readonly report: WatchReport,
    /** Waits for a place in the reports budget before each look-up (throws WatchClosing when the runner closes). */
    private readonly paced: () => Promise<void>,
  ) {}

  /** The incident addresses a group of users' sign-ins are judged against: this watch's and their other active watches'. */
  async incidents(watch: Watch, users: readonly WatchedUser[]): Promise<IncidentAddresses> {
    const others = await this.deps.store.incidentAddresses(
      watch.requestId,
      users.map((u) => u.userId),
    );
    return new IncidentAddresses({ requestId: watch.requestId, ip: watch.incidentIp }, others);
  }

  /** What this watch already found about the (user, address) pairs of a read, so they are not looked up again. */
  async knownVerdicts(requestId: string, events: readonly SignInEvent[], incidents: IncidentAddresses): Promise<Map<string, boolean | null>> {
    const verdicts = new Map<string, boolean | null>();
    for (const e of events) {
      const key = pairKey(e.userId, e.ipAddress);
      if (incidents.match(e.userId, e.ipAddress) !== null || e.ipAddress === "" || verdicts.has(key)) continue;
      const known = await this.deps.store.knownVerdict(requestId, e.userId, e.ipAddress);
      if (known !== undefined) verdicts.set(key, known);
    }
    return verdicts;
  }

  /**
   * Judges up to `lookups` (user, address) pairs of stored sign-ins waiting for it: seen before the
   * revocation or not (one paced look-up each, unless this watch already knows). With 0 look-ups
   * (the last sweep's end), what is left is recorded as not checked.
   */
  async pending(watch: Watch, lookups: number): Promise<void> {
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
      for (const s of signIns) await this.report.signIn(watch.requestId, { displayName: s.displayName, upn: s.upn }, { ...s, seenBefore, addressCheck: null }, false);
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
}
