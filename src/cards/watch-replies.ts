/**
 * Every chat sentence of the post-revocation watch, in one place (the thread's reports, `watch`,
 * `watch stop`). Names, addresses and apps come from the directory or the sign-in log: escaped.
 */
import type { FailedStep, UnreportedSignIn, WatchListing } from "../watch/types.js";
import { escapeMarkdown } from "./markdown.js";
import { listInWords } from "./format.js";
import { formatTime } from "./present.js";

/** One user's sign-ins for a report. */
export interface UserReport {
  displayName: string;
  upn: string;
  signIns: readonly UnreportedSignIn[];
}

function hoursText(hours: number): string {
  return hours === 1 ? "1 hour" : `${hours} hours`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Posted in the request's thread when its watch begins. */
export function watchStartedText(requestId: string, users: number, hours: number, incidentIp: string | null, failedSteps: readonly FailedStep[] = []): string {
  const ip =
    incidentIp === null
      ? " A sign-in from the incident address of another request watching the same user is reported as an alarm."
      : ` A sign-in from ${incidentIp}, the address this request named, is reported as an alarm, and so is one from the incident address of another request watching the same user.`;
  const text =
    `Watching the sign-in log of the ${plural(users, "revoked user")} of ${requestId} for the next ${hoursText(hours)}: ` +
    `every successful sign-in after the revocation is reported here, at most one summary per user an hour.${ip} ` +
    `\`watch stop ${requestId}\` ends it early.`;
  if (failedSteps.length === 0) return text;
  const lines = failedSteps.map((f) => `- **${escapeMarkdown(f.displayName)}** (${escapeMarkdown(f.upn)}): ${STEP_NOT_DONE[f.step] ?? "a containment step was not done"}`);
  return [
    text,
    "⚠ These users' sessions were revoked, but a containment step failed: whoever holds their credentials can sign in again. They are watched like the others; do the step by hand (the request's card says why it failed).",
    ...lines,
  ].join("\n");
}

const STEP_NOT_DONE: Readonly<Record<string, string>> = {
  reset_password: "the password was not reset",
  confirm_compromised: "not confirmed as compromised in Identity Protection",
};

/** Whose incident address a sign-in came from: this request's, or another's watching the same user. */
function incidentWords(requestId: string, s: UnreportedSignIn): string {
  const whose = s.incidentRequestId ?? requestId;
  return whose === requestId ? `the incident address of ${requestId} (this request)` : `the incident address of ${whose}, another request watching this user`;
}

function addressWords(requestId: string, s: UnreportedSignIn): string {
  if (s.incidentIp) return `**${incidentWords(requestId, s)}**`;
  if (s.seenBefore === true) return "an address this user signed in from before the revocation";
  if (s.seenBefore === false) return "**an address this user had not signed in from before**";
  if (s.addressCheck === "many") return "**one of many new addresses** (not each checked against earlier sign-ins)";
  return "an address the bot could not check against earlier sign-ins";
}

function signInLine(requestId: string, s: UnreportedSignIn): string {
  const where = s.location === "" ? "location unknown" : escapeMarkdown(s.location);
  const app = s.app === "" ? "an unnamed app" : escapeMarkdown(s.app);
  const client = s.client === "" ? "" : ` with ${escapeMarkdown(s.client)}`;
  // Interactive sign-ins only: the v1.0 sign-in log holds no others (docs/sign-in-watch.md, "What the watch cannot see").
  return `  - ${formatTime(s.createdAt)} from ${escapeMarkdown(s.ip)} (${where}), ${addressWords(requestId, s)}: ${app}${client}`;
}

/** Lines of one report: the alarm first when a sign-in came from an incident address (this request's or another's watching the user). */
export function watchReportText(requestId: string, reports: readonly UserReport[], more: number): string {
  const alarms = reports.flatMap((r) => r.signIns).filter((s) => s.incidentIp);
  const total = reports.reduce((n, r) => n + r.signIns.length, 0);
  const lines: string[] = [];
  if (alarms.length > 0) {
    // Whose addresses: a sign-in from another watching request's incident address is the same ALARM there and here.
    const others = [...new Set(alarms.map((s) => s.incidentRequestId ?? requestId).filter((id) => id !== requestId))];
    const own = alarms.some((s) => (s.incidentRequestId ?? requestId) === requestId);
    const from = others.length === 0 ? "the incident's address" : `${own ? "this request's incident address and " : ""}the incident address of ${listInWords(others)}`;
    lines.push(
      `🚨 **ALARM: ${plural(alarms.length, "successful sign-in")} from ${from} after the revocation of ${requestId}.** ` +
        "Whoever holds these credentials signed in again: reset the password (or disable the account) and review the user's MFA methods now.",
    );
  }
  lines.push(`Sign-in watch of ${requestId}: ${plural(total, "successful sign-in")} after the revocation.`);
  for (const r of reports) {
    const many = r.signIns.some((s) => s.addressCheck === "many") ? ", **signed in from many new addresses**" : "";
    lines.push(`- **${escapeMarkdown(r.displayName)}** (${escapeMarkdown(r.upn)}): ${plural(r.signIns.length, "sign-in")}${many}`);
    for (const s of r.signIns.slice(0, 5)) lines.push(signInLine(requestId, s));
    if (r.signIns.length > 5) lines.push(`  - and ${r.signIns.length - 5} more (each is in the audit log)`);
  }
  if (more > 0) lines.push(`${plural(more, "more user")} signed in; they follow in the next summary (at most one message a minute).`);
  return lines.join("\n");
}

/** Posted once when the sign-in log cannot be read; the watch then ends. */
export function watchUnavailableText(requestId: string, reason: string): string {
  return `Sign-ins after the revocation of ${requestId} cannot be watched: ${reason} The watch has ended; nothing will be retried. Once that is fixed, \`status <user>\` shows each user's sign-ins again.`;
}

/** Posted when a watch's time is up. */
export function watchEndedText(requestId: string, hours: number, signIns: number, alarms: number, alarmsFromOthers = 0): string {
  const own = alarms - alarmsFromOthers;
  const from = [
    own > 0 ? `${own.toLocaleString("en-US")} from this incident's address` : "",
    alarmsFromOthers > 0 ? `${alarmsFromOthers.toLocaleString("en-US")} from the incident address of another request watching the same user` : "",
  ].filter((part) => part !== "");
  const found =
    signIns === 0
      ? "no revoked user signed in successfully after the revocation"
      : `${plural(signIns, "successful sign-in")} after the revocation${from.length > 0 ? ` (${from.join(", ")})` : ""}`;
  return `The ${hours}-hour sign-in watch of ${requestId} has ended: ${found}.`;
}

/** Posted in the thread when a person stops the watch. */
export function watchStoppedThreadText(requestId: string, by: string, reason: string): string {
  return `${escapeMarkdown(by)} stopped the sign-in watch of ${requestId}${reason === "" ? "" : ` (reason: ${escapeMarkdown(reason)})`}. Sign-ins after now are not reported.`;
}

/** `watch`: the active watches. */
/** "Alice Wood, Bob Stone and Carol Diaz", "Alice Wood, Bob Stone, Carol Diaz and 57 more". */
function watchedUsers(first: ReadonlyArray<{ displayName: string; upn: string }>, total: number): string {
  const names = first.map((u) => escapeMarkdown(u.displayName === "" ? u.upn : u.displayName));
  if (names.length === 0) return plural(total, "user");
  const more = total - names.length;
  return more > 0 ? `${names.join(", ")} and ${more.toLocaleString("en-US")} more` : listInWords(names);
}

export function watchListText(listings: readonly WatchListing[], hours: number): string {
  if (hours === 0) return "Sign-in watching is turned off in this bot's settings: revocations are not followed by a watch.";
  if (listings.length === 0) return `No sign-in watch is active. A watch starts when a revocation finishes and lasts ${hoursText(hours)}.`;
  const lines = [`${plural(listings.length, "active sign-in watch", "active sign-in watches")}:`];
  for (const { watch, signIns, alarms, alarmsFromOthers = 0, firstUsers = [] } of listings) {
    const seen = signIns === 0 ? "no sign-in after the revocation so far" : `${plural(signIns, "sign-in")} after the revocation so far`;
    const own = alarms - alarmsFromOthers;
    const alarm = [
      own > 0 ? `, 🚨 ${own.toLocaleString("en-US")} from the incident's address` : "",
      alarmsFromOthers > 0 ? `, 🚨 ${alarmsFromOthers.toLocaleString("en-US")} from another watching request's incident address` : "",
    ].join("");
    const ip = watch.incidentIp === null ? "" : ` (incident address ${watch.incidentIp})`;
    lines.push(`- **${watch.requestId}**: ${watchedUsers(firstUsers, watch.userCount)}${ip}, watched until ${formatTime(watch.endsAt)}; ${seen}${alarm}.`);
  }
  const first = listings[0]?.watch.requestId;
  if (first !== undefined) lines.push(`\`watch stop ${first}\` ends one (with its request ID).`);
  return lines.join("\n");
}

export const WATCH_STOP_REPLIES = {
  notFound: (id: string) => `Request ${id} has no sign-in watch. Type \`watch\` to list the active ones.`,
  notActive: (id: string, state: string) => `The sign-in watch of ${id} is not active (it ${state}). Nothing was changed.`,
  refused: "Only an approver, or the person who asked for the revocation, may stop its sign-in watch. Nothing was changed.",
  roleRequired: "Only members of a revoker or approver group can list sign-in watches.",
  stopped: (id: string) => `The sign-in watch of ${id} is stopped; it is recorded in the audit log.`,
} as const;

/** The way a watch ended, as `watch stop` says it. */
export function endedWords(state: string): string {
  switch (state) {
    case "stopped":
      return "was stopped";
    case "ended":
      return "ran its full time";
    default:
      return "could not read the sign-in log";
  }
}

/** `status <user>`'s sign-in lines: last sign-ins, sign-ins since the last revocation, requests. */
export interface StatusSignIns {
  /** Undefined when not read; a string is why it could not be. */
  activity?: { lastInteractive: string | null; lastNonInteractive: string | null } | string;
  /** Null: never revoked. */
  since?: { revokedAt: string; count: number; more: boolean; lastIp: string | null; lastApp: string | null } | string | null;
  requests?: ReadonlyArray<{ requestId: string; createdAt: string; state: string; outcome: string | null }> | string;
}

const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  revoked_verified: "revoked and verified",
  revoked_unverified: "revoked, not yet verified",
  not_found: "not found in the directory",
  skipped: "skipped",
  failed: "failed",
};

const STATE_WORDS: Readonly<Record<string, string>> = {
  pending: "waiting for approval",
  approved: "approved, about to run",
  running: "running",
  completed: "finished before reaching this user",
  failed: "finished before reaching this user",
  rejected: "rejected",
  cancelled: "withdrawn",
  expired: "expired unapproved",
};

function neverOr(iso: string | null): string {
  return iso === null ? "none recorded" : formatTime(iso);
}

export function statusSignInLines(info: StatusSignIns): string[] {
  const lines: string[] = [];
  if (info.activity !== undefined) {
    lines.push(
      typeof info.activity === "string"
        ? `- Last sign-ins: not shown. ${info.activity}`
        : `- Last interactive sign-in: ${neverOr(info.activity.lastInteractive)}; last non-interactive sign-in: ${neverOr(info.activity.lastNonInteractive)}`,
    );
  }
  if (info.since !== undefined) {
    if (info.since === null) lines.push("- Successful sign-ins since the last revocation: sessions were never revoked");
    else if (typeof info.since === "string") lines.push(`- Successful sign-ins since the last revocation: not shown. ${info.since}`);
    else if (info.since.count === 0) lines.push(`- Successful sign-ins since the last revocation (${formatTime(info.since.revokedAt)}): none`);
    else {
      const last = info.since.lastIp === null ? "" : `; the latest from ${escapeMarkdown(info.since.lastIp)}${info.since.lastApp === null || info.since.lastApp === "" ? "" : ` with ${escapeMarkdown(info.since.lastApp)}`}`;
      lines.push(`- Successful sign-ins since the last revocation (${formatTime(info.since.revokedAt)}): ${info.since.more ? "at least " : ""}${info.since.count}${last}`);
    }
  }
  if (info.requests !== undefined) {
    if (typeof info.requests === "string") lines.push(`- Requests that named this user: not shown. ${info.requests}`);
    else if (info.requests.length === 0) lines.push("- Requests that named this user: none");
    else {
      lines.push("- Requests that named this user (newest first):");
      for (const r of info.requests) {
        const what = r.outcome !== null ? (OUTCOME_WORDS[r.outcome] ?? "recorded") : (STATE_WORDS[r.state] ?? "in progress");
        lines.push(`  - ${r.requestId}, asked ${formatTime(r.createdAt)}: ${what}`);
      }
    }
  }
  return lines;
}
