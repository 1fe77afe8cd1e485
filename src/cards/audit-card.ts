/**
 * Audit channel posts (cards/audit-entry.json): a one-line headline in words, when and which
 * request, at most four facts, the rest behind Details. The headlines of a request's entries are
 * in audit-words-request.ts, of a watch's in audit-words-watch.ts, the words they share in
 * audit-values.ts; the layout, the bot's own entries and the gathered posts are here. Field names, enum
 * keys, booleans, ISO times, runner IDs, thread IDs and configuration names stay in the log and
 * the export; a person reads words.
 *
 * The card's data is plain text, escaped as a whole when it is rendered (CARD_ESCAPING in
 * src/cards/render.ts), so nothing here escapes markdown and no value can bypass it: an app name
 * from a sign-in, a forced click's request ID or a foreign tenant's ID reads as typed. Outside
 * values are kept to one line here (`oneLine`), so one cannot add a line of its own to a fact.
 */
import type { AuditAction, AuditEntry } from "../audit/audit-log.js";
import { formatTime, plain } from "./format.js";
import { escapeMarkdown } from "./markdown.js";
import type { AuditCardData, Fact } from "./models.js";
import { contextOf, describe, fact, label, oneLine, readable, str, type Worded } from "./audit-values.js";
import { isRequestAction, requestWords } from "./audit-words-request.js";
import { alarmAggregateText, isWatchAction, watchWords } from "./audit-words-watch.js";

export { readable, countsInWords } from "./audit-values.js";
export { alarmAggregateText };

/** Facts shown on a post at most; the rest go behind Details. */
const MAX_FACTS = 4;

const STYLE: Record<AuditAction, string> = {
  "request.created": "accent",
  "request.refused": "attention",
  "request.approved": "accent",
  "request.cancelled": "warning",
  "request.rejected": "warning",
  "request.expired": "warning",
  "decision.refused": "attention",
  "revocation.started": "accent",
  "revocation.resumed": "warning",
  "target.outcome": "default",
  "revocation.completed": "good",
  "revocation.failed": "attention",
  "audit.channel.set": "accent",
  "activity.refused": "attention",
  "status.viewed": "default",
  "audit.channel.moved": "warning",
  "revocation.refused": "attention",
  "audit.keyed": "warning",
  "target.containment": "default",
  "watch.started": "accent",
  "watch.signin": "warning",
  "watch.alarm": "attention",
  "watch.report": "warning",
  "watch.stopped": "warning",
  "watch.ended": "default",
  "watch.unavailable": "attention",
  "watch.refused": "attention",
};

/** The headline and facts of each action: a request's, a watch's (their own files), or the bot's own. */
function words(entry: AuditEntry): Worded {
  const context = contextOf(entry);
  const { action } = entry;
  if (isRequestAction(action)) return requestWords({ ...entry, action }, context);
  if (isWatchAction(action)) return watchWords({ ...entry, action }, context);
  const { d, who, reason } = context;
  switch (action) {
    case "audit.channel.set":
      return { title: `${who} chose this channel for the audit posts`, facts: [], covers: ["channel"] };
    case "audit.channel.moved":
      return { title: `${who} moved the audit posts to this channel`, facts: [], covers: ["from", "to"] };
    case "activity.refused":
      return {
        title: "A message from outside the allowed tenants was refused",
        facts: [reason, fact("Tenant", str(d.tenantId))],
        covers: ["reason", "tenantId", "channelId"],
      };
    case "status.viewed":
      return {
        title: `${who} looked up ${oneLine(str(d.upn) ?? str(d.lookedUp) ?? "an account")}`,
        facts: [{ title: "Found", value: d.found === true ? "Yes" : "No such user" }],
        covers: ["lookedUp", "found", "upn", "userId"],
      };
    case "audit.keyed":
      return {
        title: str(d.previousKeyId) === undefined ? "The audit log is now signed with a key" : "The audit log's signing key changed",
        facts: [fact("Key", str(d.keyId)), fact("Previous key", str(d.previousKeyId))],
        covers: ["keyId", "previousKeyId"],
      };
  }
}

/** Data for the audit channel post of one audit entry. */
export function auditCardData(entry: AuditEntry): AuditCardData {
  const w = words(entry);
  const facts = w.facts.filter((f): f is Fact => f !== undefined);
  const details = (w.details ?? []).filter((f): f is Fact => f !== undefined);
  // Whatever the words above do not cover (details added later) still shows, in words.
  for (const [key, value] of Object.entries(entry.details)) {
    if (!w.covers.includes(key)) details.push({ title: label(key), value: describe(value) });
  }
  details.push({ title: "Who", value: entry.actor === null ? "The bot" : `${oneLine(entry.actor.name)} (object ID ${entry.actor.aadObjectId})` });
  const shown = facts.slice(0, MAX_FACTS);
  return {
    title: w.title,
    style: STYLE[entry.action],
    subtitle: [formatTime(entry.at), entry.requestId === null ? "" : `request ${entry.requestId}`, `audit #${entry.seq}`].filter((p) => p !== "").join(" · "),
    facts: shown,
    details: [...facts.slice(MAX_FACTS), ...details],
  };
}

/** A post's notification text: "Audit #4711: Dana Analyst asked to revoke 60 users" (plain text, not markdown). */
export function auditSummary(entry: AuditEntry): string {
  return `Audit #${entry.seq}: ${words(entry).title}`;
}

/** The headline of an entry, markdown-escaped, for a line of a chat message (`history`). */
export function auditHeadline(entry: AuditEntry): string {
  return escapeMarkdown(words(entry).title);
}

/** Who a run of refusals belongs to, in words. */
function whoRefused(entry: AuditEntry): string {
  if (entry.action === "activity.refused") return "Messages from outside the allowed tenants";
  if (entry.actor !== null) return plain(entry.actor.name === "" ? entry.actor.aadObjectId : entry.actor.name);
  const tenant = entry.details.tenantId;
  if (typeof tenant === "string") return `An unidentified sender in tenant ${plain(tenant)}`;
  return entry.action === "revocation.refused" ? "Revocation jobs the bot would not run" : "The bot";
}

/**
 * One post for a run of refusals: "Dana Analyst: 37 refused actions in the last minute; the last,
 * at 3 Nov, 10:00 UTC: not a revoker. Audit entries #12 to #48 record each one."
 */
export function aggregateText(last: AuditEntry, aggregate: { count: number; firstSeq: number; lastSeq: number }): string {
  if (last.action === "watch.alarm") return alarmAggregateText(last, aggregate);
  const reason = typeof last.details.reason === "string" && last.details.reason !== "" ? `: ${escapeMarkdown(readable(last.details.reason))}` : "";
  return (
    `${whoRefused(last)}: ${aggregate.count} refused actions in the last minute; the last, at ${formatTime(last.at)}${reason}. ` +
    `Audit entries #${aggregate.firstSeq} to #${aggregate.lastSeq} record each one.`
  );
}
