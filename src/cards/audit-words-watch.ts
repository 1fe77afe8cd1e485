/**
 * The headlines and facts of the sign-in watch's audit posts (started, each sign-in, each ALARM,
 * a report in the thread, stopped, ended, unavailable, a refused stop), and the one post that
 * gathers a request's ALARMs within a minute.
 */
import type { AuditAction, AuditEntry } from "../audit/audit-log.js";
import { formatTime, plain, plural } from "./format.js";
import { fact, lines, num, oneLine, str, timeOf, type Worded, type WordsContext } from "./audit-values.js";

const WATCH_ACTIONS = [
  "watch.started",
  "watch.signin",
  "watch.alarm",
  "watch.report",
  "watch.stopped",
  "watch.ended",
  "watch.unavailable",
  "watch.refused",
] as const satisfies readonly AuditAction[];

/** The actions of a post-revocation watch. */
export type WatchAction = (typeof WATCH_ACTIONS)[number];

export function isWatchAction(action: AuditAction): action is WatchAction {
  return (WATCH_ACTIONS as readonly string[]).includes(action);
}

/** The headline and facts of a watch's entry. */
export function watchWords(entry: AuditEntry & { action: WatchAction }, { d, who, req, reason }: WordsContext): Worded {
  switch (entry.action) {
    case "watch.started":
      return {
        title: `Watching the sign-ins of ${str(d.watched) ?? "the revoked users"} after ${req}`,
        facts: [fact("Until", timeOf(d.until)), fact("Incident address", str(d.incidentAddress)), fact("Containment not done", lines(d.containmentNotDone))],
        covers: ["watched", "until", "incidentAddress", "containmentNotDone"],
      };
    case "watch.signin":
    case "watch.alarm": {
      const alarm = entry.action === "watch.alarm";
      // Another request watching the same user named the address (issue 21): its ID says whose.
      const other = str(d.incidentAddressOf);
      const whoseAddress = other === undefined ? "the incident's address" : `the incident address of ${other}`;
      const signIns = num(d.signIns);
      if (signIns !== undefined) {
        // One entry for the sign-ins of a user past the per-sweep cap: counted, first and last.
        const incident = num(d.fromIncidentAddress) ?? 0;
        return {
          title: `${alarm ? "🚨 ALARM: " : ""}${oneLine(str(d.user) ?? "A revoked user")} signed in ${plural(signIns, "more time")} after ${req}${alarm ? `, ${incident === signIns ? "all" : incident.toLocaleString("en-US")} from ${whoseAddress}` : ""}`,
          facts: [fact("First", timeOf(d.first)), fact("Last", timeOf(d.last)), fact("Addresses", num(d.addresses)?.toLocaleString("en-US"))],
          details: [fact("Why one entry", "More sign-ins than are recorded one by one per user and sweep: counted here, each sign-in is in the tenant's sign-in log")],
          covers: ["user", "signIns", "fromIncidentAddress", "first", "last", "addresses", "incidentAddressOf"],
        };
      }
      return {
        title: `${alarm ? "🚨 ALARM: " : ""}${oneLine(str(d.user) ?? "A revoked user")} signed in again after ${req}${alarm ? `, from ${whoseAddress}` : ""}`,
        facts: [fact("When", timeOf(d.signedIn)), fact("Address", str(d.address)), fact("Location", str(d.location)), fact("App", str(d.app))],
        details: [fact("Client", str(d.client)), fact("Sign-in", str(d.signInKind)), fact("Sign-in ID", str(d.signInId))],
        covers: ["user", "signedIn", "address", "location", "app", "client", "signInKind", "signInId", "incidentAddressOf"],
      };
    }
    case "watch.report":
      return {
        title: `Sign-ins after ${req} reported in its thread`,
        facts: [],
        details: [fact("Reported", Array.isArray(d.reported) ? d.reported.map((r) => oneLine(String(r))).join("\n") : undefined)],
        covers: ["reported"],
      };
    case "watch.stopped":
      return { title: `${who} stopped the sign-in watch of ${req}`, facts: [reason, fact("Watched", str(d.watched))], covers: ["reason", "watched"] };
    case "watch.ended":
      return {
        title: `The sign-in watch of ${req} ended`,
        facts: [fact("Sign-ins after the revocation", str(d.signInsAfterRevocation)), fact("From the incident's address", str(d.fromIncidentAddress))],
        covers: ["signInsAfterRevocation", "fromIncidentAddress"],
      };
    case "watch.unavailable":
      return { title: `The sign-in watch of ${req} is unavailable`, facts: [reason], covers: ["reason"] };
    case "watch.refused":
      return { title: `${who}'s “watch stop” was refused`, facts: [reason], covers: ["reason"] };
  }
}

/**
 * One post for the sign-ins from the incident's address that followed a request's first ALARM
 * within a minute: "🚨 R-…: 12 more sign-ins from the incident's address in the last minute; the
 * last by Alice Wood (alice@contoso.com) at 3 Nov, 10:00 UTC. Audit entries #12 to #48 record each one."
 */
export function alarmAggregateText(last: AuditEntry, aggregate: { count: number; firstSeq: number; lastSeq: number }): string {
  const who = str(last.details.user);
  const when = timeOf(last.details.signedIn) ?? timeOf(last.details.last) ?? formatTime(last.at);
  const entries = aggregate.firstSeq === aggregate.lastSeq ? `Audit entry #${aggregate.firstSeq} records them` : `Audit entries #${aggregate.firstSeq} to #${aggregate.lastSeq} record each one`;
  return (
    `🚨 ALARM, ${last.requestId ?? "a request"}: ${plural(aggregate.count, "more sign-in")} from the incident's address in the last minute; ` +
    `the last${who === undefined ? "" : ` by ${plain(who)}`} at ${when}. ${entries}. The request's thread lists them.`
  );
}
