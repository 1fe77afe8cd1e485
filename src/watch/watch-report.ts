/**
 * What the watch says: its reports in the request's thread (at most one message a minute, one
 * summary per user an hour, an ALARM not held back) and its audit entries (each sign-in, each
 * ALARM once across the user's watches, each report, the end).
 */
import type { WatchDeps, WatchRunnerOptions } from "./watch-context.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { SignInOverflow, UnreportedSignIn, Watch, WatchSignIn } from "./types.js";

/** A user's names, for an audit entry. */
export type UserNames = { displayName: string; upn: string } | undefined;

/** How an audit entry names a sign-in's address: whose incident address, or what the look-up found. */
function addressNote(requestId: string, s: WatchSignIn): string {
  if (s.incidentIp) {
    return s.incidentRequestId === null || s.incidentRequestId === requestId
      ? " — the address this request named"
      : ` — the incident address of ${s.incidentRequestId}, another request watching this user`;
  }
  if (s.seenBefore === true) return " — used by this user before the revocation";
  if (s.seenBefore === false) return " — not used by this user before";
  if (s.addressCheck === "many") return " — one of many new addresses of this user, not checked";
  return "";
}

export class WatchReport {
  constructor(
    private readonly deps: Pick<WatchDeps, "store" | "requests" | "auditor" | "thread" | "logger">,
    private readonly options: WatchRunnerOptions,
    private readonly now: () => number,
  ) {}

  /**
   * Audits newly stored sign-ins: each one under this request, and an ALARM for those from an
   * incident address that no other watch of the same user claimed first (one ALARM per sign-in,
   * whichever watch reads it first; the audit channel's flood limit stays per request).
   */
  async signIns(requestId: string, fresh: readonly WatchSignIn[], names: (userId: string) => UserNames): Promise<void> {
    const alarms = fresh.filter((s) => s.incidentIp && s.addressCheck !== "pending").map((s) => s.signInId);
    const claimed = alarms.length === 0 ? new Set<string>() : await this.deps.store.claimAlarms(requestId, alarms, new Date(this.now()).toISOString());
    for (const s of fresh) if (s.addressCheck !== "pending") await this.signIn(requestId, names(s.userId), s, claimed.has(s.signInId));
  }

  /** One sign-in's entry (and its ALARM when this watch claimed it). */
  async signIn(requestId: string, user: UserNames, s: WatchSignIn, alarm: boolean): Promise<void> {
    const details = {
      user: user === undefined ? s.userId : `${user.displayName} (${user.upn})`,
      signedIn: s.createdAt,
      address: `${s.ip}${addressNote(requestId, s)}`,
      location: s.location === "" ? "unknown" : s.location,
      app: s.app === "" ? "unnamed" : s.app,
      client: s.client === "" ? "unknown" : s.client,
      signInId: s.signInId,
      ...(s.incidentRequestId === null || s.incidentRequestId === requestId ? {} : { incidentAddressOf: s.incidentRequestId }),
    };
    await this.deps.auditor.record({ actor: null, action: "watch.signin", requestId, details });
    if (alarm) await this.deps.auditor.record({ actor: null, action: "watch.alarm", requestId, details });
  }

  /**
   * One entry for a user's sign-ins past the cap of a sweep, and one ALARM when any of them came
   * from an incident address and this watch claimed them first (counting only those it claimed).
   */
  async overflow(requestId: string, user: UserNames, o: SignInOverflow): Promise<void> {
    const others = o.incidentRequests.filter((id) => id !== requestId);
    const details = {
      user: user === undefined ? o.userId : `${user.displayName} (${user.upn})`,
      signIns: o.count,
      fromIncidentAddress: o.fromIncident,
      first: o.first,
      last: o.last,
      addresses: o.addresses,
      ...(others.length === 0 ? {} : { incidentAddressOf: others.join(", ") }),
    };
    await this.deps.auditor.record({ actor: null, action: "watch.signin", requestId, details });
    if (o.incidentIds.length === 0) return;
    const claimed = await this.deps.store.claimAlarms(requestId, o.incidentIds, new Date(this.now()).toISOString());
    if (claimed.size > 0) await this.deps.auditor.record({ actor: null, action: "watch.alarm", requestId, details: { ...details, fromIncidentAddress: claimed.size } });
  }

  /**
   * Posts what is due in the thread: at most one message per postIntervalMs, each user at most once
   * per summaryIntervalMs unless one of their sign-ins came from an incident address.
   */
  async due(requestId: string): Promise<void> {
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
      details: { reported: reports.map((r) => `${r.displayName} (${r.upn}): ${r.signIns.length} sign-in${r.signIns.length === 1 ? "" : "s"}${fromWhere(watch.requestId, r.signIns)}`) },
    });
  }

  /** The watch's time is up: the end, audited and said in the thread. */
  async finish(watch: Watch): Promise<void> {
    const ended = await this.deps.store.end(watch.requestId, "ended", new Date(this.now()).toISOString(), "its time ran out", null);
    if (!ended) return;
    const listing = await this.deps.store.listing(watch.requestId);
    const signIns = listing?.signIns ?? 0;
    const alarms = listing?.alarms ?? 0;
    const alarmsFromOthers = listing?.alarmsFromOthers ?? 0;
    await this.deps.auditor.record({
      actor: null,
      action: "watch.ended",
      requestId: watch.requestId,
      details: { signInsAfterRevocation: String(signIns), fromIncidentAddress: String(alarms) },
    });
    await this.say(watch.requestId, (r) => this.deps.thread.ended(r, this.options.hours, signIns, alarms, alarmsFromOthers));
  }

  /** The sign-in log cannot be read (no permission or licence): the watch ends, said once. */
  async unavailable(watch: Watch, reason: string): Promise<void> {
    const ended = await this.deps.store.end(watch.requestId, "unavailable", new Date(this.now()).toISOString(), reason, null);
    if (!ended) return;
    await this.deps.auditor.record({ actor: null, action: "watch.unavailable", requestId: watch.requestId, details: { reason } });
    await this.say(watch.requestId, (r) => this.deps.thread.unavailable(r, reason));
  }

  /** Says something in the request's thread; false (logged) when the request or Teams is not there. */
  async say(requestId: string, speak: (request: RevocationRequest) => Promise<void>): Promise<boolean> {
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

/** ", from the incident's address" / ", from the incident address of R-…" for a report's audit line. */
function fromWhere(requestId: string, signIns: readonly WatchSignIn[]): string {
  const whose = [...new Set(signIns.filter((s) => s.incidentIp).map((s) => s.incidentRequestId ?? requestId))];
  if (whose.length === 0) return "";
  const others = whose.filter((id) => id !== requestId);
  if (others.length === 0) return ", from the incident's address";
  return `, from ${whose.includes(requestId) ? "the incident's address and " : ""}the incident address of ${others.join(" and ")}`;
}
