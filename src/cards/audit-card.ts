/**
 * Audit channel posts (cards/audit-entry.json) and all their wording: a one-line headline in
 * words, when and which request, at most four facts, the rest behind Details. Field names, enum
 * keys, booleans, ISO times, runner IDs, thread IDs and configuration names stay in the log and
 * the export; a person reads words.
 *
 * The card's data is plain text, escaped as a whole when it is rendered (CARD_ESCAPING in
 * src/cards/render.ts), so nothing here escapes markdown and no value can bypass it: an app name
 * from a sign-in, a forced click's request ID or a foreign tenant's ID reads as typed. Outside
 * values are kept to one line here (`oneLine`), so one cannot add a line of its own to a fact.
 */
import type { AuditAction, AuditEntry } from "../audit/audit-log.js";
import { formatTime, plain, plural, withoutConfigNames } from "./format.js";
import { escapeMarkdown } from "./markdown.js";
import type { AuditCardData, Fact } from "./models.js";
import { revokeWhat, sessionsPhrase, type SetFacts } from "./request-title.js";
import { OUTCOME_TEXT, humanTimes } from "./result-card.js";
import { adminResetAuditText } from "./admin-reset-words.js";
import { selectionFrom } from "../revocation/types.js";

/** Facts shown on a post at most; the rest go behind Details. */
const MAX_FACTS = 4;
/** Users named in a post's Details at most. */
const LISTED_USERS = 10;

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

/** The buttons as the card names them. */
const VERB_WORDS: Readonly<Record<string, string>> = { approve: "Approve", reject: "Reject", cancel: "Withdraw", refresh: "the card's refresh" };

/** Text on one line: each line break becomes a space. */
function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, " ");
}

/**
 * Text written for the log shown to a person, on one line: configuration names in brackets
 * ("(FOUR_EYES_MIN_TARGETS)") and "NAME=value" go, ISO times become "1 Dec, 10:02 UTC". Not
 * escaped: the card escapes it when rendered; a text message escapes it itself.
 */
export function readable(text: string): string {
  const withoutThreads = text.replace(/19:[^\s()]*@thread[\w.]*/g, "a channel");
  return oneLine(humanTimes(withoutConfigNames(withoutThreads)));
}

/** A detail's text on one line, or undefined when it is not a non-empty string. */
function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? oneLine(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A recorded time ("2026-11-01T10:02:00.000Z", or the older "2026-11-01 10:02 UTC") in the cards' one format. */
function timeOf(v: unknown): string | undefined {
  const text = str(v);
  return text === undefined ? undefined : Number.isNaN(Date.parse(text)) ? readable(text) : formatTime(text);
}

/** A list of strings, one per line. */
function lines(v: unknown): string | undefined {
  return Array.isArray(v) && v.length > 0 ? v.map((x) => readable(String(x))).join("\n") : undefined;
}

/** "failed" → "Failed"; an outcome status in words. */
function statusWords(status: unknown): string {
  return typeof status === "string" && status in OUTCOME_TEXT ? OUTCOME_TEXT[status as keyof typeof OUTCOME_TEXT].text : "no outcome";
}

/** Outcome counts in words, failures first: "2 failed, 58 revoked and verified". */
export function countsInWords(counts: unknown): string {
  if (!isRecord(counts)) return "";
  const n = (k: string) => num(counts[k]) ?? 0;
  // Failed targets whose sessions were revoked before a later step (a password reset, a risk
  // confirmation, a disable) failed: revoked, and said so apart from the failures.
  const revokedStepFailed = Math.min(n("revoked_step_failed"), n("failed"));
  const failed = n("failed") - revokedStepFailed;
  const parts = [
    failed > 0 ? `${failed} failed` : "",
    revokedStepFailed > 0 ? `${revokedStepFailed} revoked, a later step not done` : "",
    n("not_found") > 0 ? `${n("not_found")} not found` : "",
    n("revoked_unverified") > 0 ? `${n("revoked_unverified")} revoked, not yet verified` : "",
    n("revoked_verified") > 0 ? `${n("revoked_verified")} revoked and verified` : "",
    n("enabled") > 0 ? `${n("enabled")} enabled` : "",
    n("skipped") > 0 ? `${n("skipped")} skipped` : "",
  ].filter((p) => p !== "");
  return parts.length === 0 ? "nothing done" : parts.join(", ");
}

/** Lines naming users ("alice@contoso.com — ✖ Failed: …"), at most LISTED_USERS, then a count. */
function userLines(list: unknown, more?: unknown): string {
  if (!Array.isArray(list) || list.length === 0) return "";
  const lines = list.slice(0, LISTED_USERS).map((item) => {
    if (!isRecord(item)) return readable(String(item));
    const upn = oneLine(str(item.upn) ?? str(item.id) ?? "a user");
    const why = item.why === "guest" ? " (guest)" : item.why === "protected" ? " (protected)" : "";
    const status = item.status === undefined ? "" : ` — ${statusWords(item.status)}`;
    const detail = str(item.detail) === undefined || item.status === "revoked_verified" ? "" : `: ${readable(str(item.detail) ?? "")}`;
    return `${upn}${why}${status}${detail}`;
  });
  const rest = list.length - LISTED_USERS + (typeof more === "string" ? Number(/^\d+/.exec(more)?.[0] ?? 0) : 0);
  return `${lines.join("\n")}${rest > 0 ? `\nand ${rest} more` : ""}`;
}

/** A value of a detail the post has no words for, as a person reads it. */
function describe(value: unknown): string {
  if (typeof value === "string") return value === "" ? "None" : readable(value);
  if (typeof value === "number") return value.toLocaleString("en-US");
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return value.length === 0 ? "None" : userLines(value);
  if (isRecord(value)) {
    return Object.entries(value)
      .map(([k, v]) => `${label(k)}: ${describe(v)}`)
      .join(", ");
  }
  return "None";
}

/** "previousKeyId" → "Previous key ID"; a detail's key as a label. */
function label(key: string): string {
  const words = key
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .replace(/\bid\b/g, "ID");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fact(title: string, value: string | undefined): Fact | undefined {
  return value === undefined || value === "" ? undefined : { title, value };
}

interface Worded {
  title: string;
  facts: Array<Fact | undefined>;
  details?: Array<Fact | undefined>;
  /** Detail keys these words already cover (left out of the generic rest). */
  covers: string[];
}

/** The names of every target an entry lists (`names`, or `targets` with name or sign-in name), or undefined. */
function namesIn(d: Record<string, unknown>, count: number): string[] | undefined {
  const raw = Array.isArray(d.names)
    ? d.names.map((x) => str(x))
    : Array.isArray(d.targets)
      ? d.targets.map((t) => (isRecord(t) ? (str(t.name) ?? str(t.upn)) : undefined))
      : undefined;
  if (raw === undefined || raw.length !== count || raw.some((x) => x === undefined)) return undefined;
  return raw.map((x) => x ?? "");
}

/** The set an entry is about, from what it records (titleDetails, request.created's lists); undefined without a count. */
function setIn(d: Record<string, unknown>, count: number | undefined): SetFacts | undefined {
  if (count === undefined) return undefined;
  const selection = selectionFrom(d.selection);
  const names = namesIn(d, count);
  return { n: count, escape: oneLine, ...(selection === undefined ? {} : { selection }), ...(names === undefined ? {} : { names }) };
}

/**
 * What an entry's request does, after "the request to" or as a gerund: "revoke Alice Wood's
 * sessions" / "Revoking …", "enable Alice Wood's account" / "Enabling …"; undefined without a count.
 */
function subjectIn(d: Record<string, unknown>, count: number | undefined): { verb: "revoke" | "enable"; what: string } | undefined {
  const set = setIn(d, count);
  if (set === undefined) return undefined;
  if (d.action === "enable the account") return { verb: "enable", what: set.names?.length === 1 ? `${set.names[0] ?? ""}'s account` : "an account" };
  return { verb: "revoke", what: sessionsPhrase(set) };
}

/** "the request to revoke Alice Wood's sessions (R-…)", or the request's ID alone when the entry says too little. */
function theRequest(d: Record<string, unknown>, count: number | undefined, req: string): string {
  const subject = subjectIn(d, count);
  return subject === undefined ? req : `the request to ${subject.verb} ${subject.what} (${req})`;
}

/** The details titleDetails adds, worded in the headline. */
const ABOUT = ["action", "selection", "names"];

function upperFirst(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** The headline and facts of each action. */
function words(entry: AuditEntry): Worded {
  const d = entry.details;
  const who = entry.actor === null ? "The bot" : oneLine(entry.actor.name === "" ? "Someone" : entry.actor.name);
  const req = entry.requestId ?? "a request";
  const count = num(d.targetCount);
  const comment = fact("Comment", str(d.comment) === undefined ? undefined : readable(str(d.comment) ?? ""));
  const reason = fact("Why", str(d.reason) === undefined ? undefined : readable(str(d.reason) ?? ""));
  switch (entry.action) {
    case "request.created": {
      const only = Array.isArray(d.targets) && count === 1 && isRecord(d.targets[0]) ? (str(d.targets[0].name) ?? str(d.targets[0].upn)) : undefined;
      if (d.action === "enable the account") {
        return {
          title: `${who} asked to enable ${only === undefined ? "an account" : `${oneLine(only)}'s account`}`,
          facts: [
            { title: "Reason", value: str(d.reason) === undefined ? "None given" : readable(str(d.reason) ?? "") },
            fact("Disabled by", str(d.disabledBy)),
            fact("Undoes", str(d.againstDisable) === undefined ? undefined : d.againstDisable === "none" ? "no disable by this bot" : `the disable of request ${plain(str(d.againstDisable) ?? "")}`),
            fact("Expires", str(d.expiresAt) === undefined ? undefined : formatTime(str(d.expiresAt) ?? null)),
          ],
          details: [fact("Users", userLines(d.targets, d.moreTargets)), fact("Set fingerprint", str(d.targetsSha256))],
          covers: ["reason", "expiresAt", "fourEyes", "excludedCount", "targets", "moreTargets", "excluded", "approvalChannel", "targetsSha256", "targetCount", "disable", "action", "disabledBy", "againstDisable"],
        };
      }
      const incident = isRecord(d.incident) ? str(d.incident.id) : undefined;
      const set = setIn(d, count);
      const options = { disable: d.disable === true, containment: { resetPassword: d.resetPassword === true, confirmCompromised: d.confirmCompromised === true } };
      const excluded = num(d.excludedCount);
      return {
        title: `${who} asked to ${set === undefined ? "revoke sessions" : revokeWhat(set, options)}${incident === undefined ? "" : ` — ${oneLine(incident)}`}`,
        facts: [
          { title: "Reason", value: str(d.reason) === undefined ? "None given" : readable(str(d.reason) ?? "") },
          fact("Expires", str(d.expiresAt) === undefined ? undefined : formatTime(str(d.expiresAt) ?? null)),
          d.fourEyes === true ? { title: "Approval", value: "A second person must approve" } : undefined,
          excluded !== undefined && excluded > 0 ? { title: "Left out", value: plural(excluded, "user") } : undefined,
          fact("Password resets", adminResetAuditText(d.passwordResetRoles)),
        ],
        details: [
          fact("Users", userLines(d.targets, d.moreTargets)),
          fact("Left out", userLines(d.excluded)),
          fact("Approvers asked", d.approvalChannel === undefined ? undefined : "in the approval channel"),
          fact("Set fingerprint", str(d.targetsSha256)),
        ],
        covers: ["reason", "expiresAt", "fourEyes", "excludedCount", "targets", "moreTargets", "excluded", "approvalChannel", "targetsSha256", "targetCount", "disable", "incident", "selection", "resetPassword", "confirmCompromised", "passwordResetRoles"],
      };
    }
    case "request.refused":
      return {
        title: `${who}'s ${str(d.command) === undefined ? "request" : `“${str(d.command) ?? ""}”`} was refused`,
        facts: [reason],
        covers: ["command", "reason"],
      };
    case "request.approved":
      return {
        title: `${who} approved ${theRequest(d, count, req)}`,
        facts: [comment, fact("Allowed because", str(d.reason) === undefined ? undefined : readable(str(d.reason) ?? "")), fact("Confirmed", str(d.confirmed))],
        covers: ["comment", "reason", "targetCount", "fourEyes", "confirmed", ...ABOUT],
      };
    case "request.cancelled":
      return {
        title: `${who} withdrew ${theRequest(d, count, req)}`,
        // The bot withdraws a pending enable when a --disable of its account is approved: it says why.
        facts: [comment, ...(entry.actor === null ? [reason] : [])],
        covers: ["comment", "reason", "targetCount", "fourEyes", "disableRequest", ...ABOUT],
      };
    case "request.rejected":
      return { title: `${who} rejected ${theRequest(d, count, req)}`, facts: [comment], covers: ["comment", "reason", "targetCount", "fourEyes", ...ABOUT] };
    case "request.expired":
      return {
        title: `${upperFirst(theRequest(d, count, req))} expired: nobody decided in time`,
        facts: [fact("Users", count === undefined ? undefined : count.toLocaleString("en-US")), fact("Expired", str(d.expiresAt) === undefined ? undefined : formatTime(str(d.expiresAt) ?? null))],
        covers: ["targetCount", "expiresAt", ...ABOUT],
      };
    case "decision.refused": {
      const verb = str(d.verb);
      const button = verb === undefined ? "a card action" : (VERB_WORDS[verb] ?? "an unknown card action");
      return {
        title: `${who}'s click on ${button} was refused`,
        facts: [reason, comment, fact("Request named", str(d.claimedRequestId))],
        covers: ["verb", "reason", "comment", "claimedRequestId", "conversation", "roles"],
      };
    }
    case "revocation.started": {
      const subject = subjectIn(d, count);
      const title = subject === undefined ? `Revoking ${req}` : `${subject.verb === "enable" ? "Enabling" : "Revoking"} ${subject.what} (${req})`;
      return { title, facts: [], covers: ["runner", "targetCount", ...ABOUT] };
    }
    case "revocation.resumed": {
      const left = num(d.remaining);
      return {
        title: `${req} resumed after an interruption${left === undefined ? "" : `: ${plural(left, "user")} left`}`,
        facts: [],
        covers: ["runner", "previousRunner", "remaining"],
      };
    }
    case "revocation.completed":
    case "revocation.failed": {
      const total = Object.values(isRecord(d.counts) ? d.counts : {}).reduce<number>((a, b) => a + (num(b) ?? 0), 0);
      const subject = subjectIn(d, isRecord(d.counts) ? total : undefined);
      const enable = subject?.verb === "enable";
      const about = subject === undefined ? req : `${subject.what} (${req})`;
      const title =
        entry.action === "revocation.completed"
          ? subject === undefined
            ? `${req} complete`
            : `${enable ? "Enabled" : "Revoked"} ${about}`
          : `${subject === undefined ? req : `${enable ? "Enabling" : "Revoking"} ${about}`} finished with failures`;
      return {
        title: `${title}: ${countsInWords(d.counts)}`,
        facts: [],
        details: [fact(entry.action === "revocation.completed" ? "Users" : "Failures", userLines(d.outcomes, d.moreOutcomes))],
        covers: ["counts", "outcomes", "moreOutcomes", ...ABOUT],
      };
    }
    case "revocation.refused":
      return { title: `${req} was not run`, facts: [reason, fact("Users", count === undefined ? undefined : count.toLocaleString("en-US"))], covers: ["reason", "targetCount", "requester"] };
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
    case "target.containment":
      return {
        title: `${oneLine(str(d.upn) ?? "A user")}: ${str(d.step) ?? "containment step"} ${d.outcome === "done" ? "done" : "not done"}`,
        facts: [fact("Detail", str(d.detail) === undefined ? undefined : readable(str(d.detail) ?? ""))],
        covers: ["upn", "id", "step", "outcome", "detail"],
      };
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
          title: `${alarm ? "🚨 ALARM: " : ""}${plain(str(d.user) ?? "A revoked user")} signed in ${plural(signIns, "more time")} after ${req}${alarm ? `, ${incident === signIns ? "all" : incident.toLocaleString("en-US")} from ${whoseAddress}` : ""}`,
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
    case "target.outcome":
      return {
        title: `${oneLine(str(d.upn) ?? "A user")}: ${statusWords(d.status)}`,
        facts: [fact("Detail", str(d.detail) === undefined ? undefined : readable(str(d.detail) ?? ""))],
        covers: ["upn", "status", "detail", "id", "sessionsValidFrom", "disabled"],
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
