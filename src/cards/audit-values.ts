/**
 * The words every audit post is made of: an entry's details read as text on one line, times in
 * the cards' one format, users, counts and outcomes in words, and what a request of the entry was
 * about ("the request to revoke Alice Wood's sessions (R-…)"). The headlines per event family are
 * in audit-words-request.ts and audit-words-watch.ts; the card's layout in audit-card.ts.
 *
 * Nothing here escapes markdown: the card escapes its data as a whole when it is rendered
 * (CARD_ESCAPING in src/cards/render.ts). Outside values are kept to one line (`oneLine`).
 */
import type { AuditEntry } from "../audit/audit-log.js";
import { formatTime, withoutConfigNames } from "./format.js";
import type { Fact } from "./models.js";
import { sessionsPhrase, type SetFacts } from "./request-title.js";
import { OUTCOME_TEXT, humanTimes } from "./result-card.js";
import { selectionFrom } from "../domain/selection.js";

/** Users named in a post's Details at most. */
export const LISTED_USERS = 10;

/** The buttons as the card names them. */
export const VERB_WORDS: Readonly<Record<string, string>> = { approve: "Approve", reject: "Reject", cancel: "Withdraw", refresh: "the card's refresh" };

/** Text on one line: each line break becomes a space. */
export function oneLine(text: string): string {
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
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? oneLine(v) : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A recorded time ("2026-11-01T10:02:00.000Z", or the older "2026-11-01 10:02 UTC") in the cards' one format. */
export function timeOf(v: unknown): string | undefined {
  const text = str(v);
  return text === undefined ? undefined : Number.isNaN(Date.parse(text)) ? readable(text) : formatTime(text);
}

/** A list of strings, one per line. */
export function lines(v: unknown): string | undefined {
  return Array.isArray(v) && v.length > 0 ? v.map((x) => readable(String(x))).join("\n") : undefined;
}

/** "failed" → "Failed"; an outcome status in words. */
export function statusWords(status: unknown): string {
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
export function userLines(list: unknown, more?: unknown): string {
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
export function describe(value: unknown): string {
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
export function label(key: string): string {
  const words = key
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .replace(/\bid\b/g, "ID");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fact(title: string, value: string | undefined): Fact | undefined {
  return value === undefined || value === "" ? undefined : { title, value };
}

export interface Worded {
  title: string;
  facts: Array<Fact | undefined>;
  details?: Array<Fact | undefined>;
  /** Detail keys these words already cover (left out of the generic rest). */
  covers: string[];
}

/** The names of every target an entry lists (`names`, or `targets` with name or sign-in name), or undefined. */
export function namesIn(d: Record<string, unknown>, count: number): string[] | undefined {
  const raw = Array.isArray(d.names)
    ? d.names.map((x) => str(x))
    : Array.isArray(d.targets)
      ? d.targets.map((t) => (isRecord(t) ? (str(t.name) ?? str(t.upn)) : undefined))
      : undefined;
  if (raw === undefined || raw.length !== count || raw.some((x) => x === undefined)) return undefined;
  return raw.map((x) => x ?? "");
}

/** The set an entry is about, from what it records (titleDetails, request.created's lists); undefined without a count. */
export function setIn(d: Record<string, unknown>, count: number | undefined): SetFacts | undefined {
  if (count === undefined) return undefined;
  const selection = selectionFrom(d.selection);
  const names = namesIn(d, count);
  return { n: count, escape: oneLine, ...(selection === undefined ? {} : { selection }), ...(names === undefined ? {} : { names }) };
}

/**
 * What an entry's request does, after "the request to" or as a gerund: "revoke Alice Wood's
 * sessions" / "Revoking …", "enable Alice Wood's account" / "Enabling …"; undefined without a count.
 */
export function subjectIn(d: Record<string, unknown>, count: number | undefined): { verb: "revoke" | "enable"; what: string } | undefined {
  const set = setIn(d, count);
  if (set === undefined) return undefined;
  if (d.action === "enable the account") return { verb: "enable", what: set.names?.length === 1 ? `${set.names[0] ?? ""}'s account` : "an account" };
  return { verb: "revoke", what: sessionsPhrase(set) };
}

/** "the request to revoke Alice Wood's sessions (R-…)", or the request's ID alone when the entry says too little. */
export function theRequest(d: Record<string, unknown>, count: number | undefined, req: string): string {
  const subject = subjectIn(d, count);
  return subject === undefined ? req : `the request to ${subject.verb} ${subject.what} (${req})`;
}

/** The details titleDetails adds, worded in the headline. */
export const ABOUT = ["action", "selection", "names"];

export function upperFirst(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** What every family's words start from: the entry's details, who did it, its request, its count, comment and reason. */
export interface WordsContext {
  d: Record<string, unknown>;
  who: string;
  req: string;
  count: number | undefined;
  comment: Fact | undefined;
  reason: Fact | undefined;
}

export function contextOf(entry: AuditEntry): WordsContext {
  const d = entry.details;
  return {
    d,
    who: entry.actor === null ? "The bot" : oneLine(entry.actor.name === "" ? "Someone" : entry.actor.name),
    req: entry.requestId ?? "a request",
    count: num(d.targetCount),
    comment: fact("Comment", str(d.comment) === undefined ? undefined : readable(str(d.comment) ?? "")),
    reason: fact("Why", str(d.reason) === undefined ? undefined : readable(str(d.reason) ?? "")),
  };
}
