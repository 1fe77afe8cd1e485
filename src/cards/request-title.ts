/**
 * What a request asks for, in words: the one phrase its approval card, result card, pending list
 * and audit posts title it with. It names the people (up to three) or the selection as it was
 * asked ("the 3 users who signed in from 203.0.113.50 in the last 24 hours", "all 60 users in
 * Claims", "every disabled account"), and the options that change what runs. A request made
 * before selections were stored (migration 018) is counted as it always was.
 */
import type { Containment } from "../domain/containment.js";
import type { RequestSelection } from "../domain/selection.js";
import { formatTime, listInWords, plain, plural, possessive } from "./format.js";

/** Named users a title names one by one at most; a larger named set is counted. */
export const NAMED_IN_TITLE = 3;

/** What the phrase is built from. `names` are display names already escaped, of every target when known. */
export interface SetFacts {
  selection?: RequestSelection | undefined;
  /** How many users the request acts on. */
  n: number;
  /** The targets' names (escaped), in order; used only when it holds all `n` of them. */
  names?: readonly string[];
  /** Older requests: the department every target shares, when known (today's wording). */
  sharedDepartment?: string | undefined;
  /** Relative to when the card is shown (the year of an old window's start). */
  now?: Date;
  /** How typed text (a department, an address) is shown: markdown-escaped for cards and chat (the default), as it is where the caller escapes. */
  escape?: (text: string) => string;
}

/** "in the last 24 hours", "in the last 3 days", "since 7 Dec, 16:47 UTC". */
export function windowWords(selection: Extract<RequestSelection, { kind: "ip" }>, now?: Date): string {
  const h = selection.sinceHours;
  if (h === undefined) return `since ${formatTime(selection.since, now)}`;
  if (h === 1) return "in the last hour";
  if (h <= 48 || h % 24 !== 0) return `in the last ${h.toLocaleString("en-US")} hours`;
  return `in the last ${(h / 24).toLocaleString("en-US")} days`;
}

/** The selection itself, for one user found by it: "the only user who signed in from … in the last 24 hours". */
function onlyOneOf(selection: RequestSelection | undefined, escape: (text: string) => string, now?: Date): string {
  switch (selection?.kind) {
    case "ip":
      return `the only user who signed in from ${escape(selection.address)} ${windowWords(selection, now)}`;
    case "department":
      return `the only user in ${escape(selection.name)}`;
    case "disabled":
      return "the only disabled account";
    default:
      return "";
  }
}

/**
 * Whose sessions, as the object of "revoke": "Alice Wood's sessions", "Alice Wood's and Bob
 * Stone's sessions", "sessions of the 3 users who signed in from 203.0.113.50 in the last 24
 * hours", "sessions of all 60 users in Claims", "sessions of every disabled account (412)".
 */
export function sessionsPhrase(facts: SetFacts): string {
  const { selection, n } = facts;
  const escape = facts.escape ?? plain;
  const names = facts.names !== undefined && facts.names.length === n && n > 0 ? facts.names : undefined;
  if (names !== undefined && n === 1) {
    const one = onlyOneOf(selection, escape, facts.now);
    return `${possessive(names[0] ?? "")} sessions${one === "" ? "" : ` (${one})`}`;
  }
  switch (selection?.kind) {
    case "users":
      return names !== undefined && n <= NAMED_IN_TITLE ? `${listInWords(names.map(possessive))} sessions` : `sessions of ${plural(n, "named user")}`;
    case "department":
      return `sessions of ${n === 1 ? "the only user" : `all ${plural(n, "user")}`} in ${escape(selection.name)}`;
    case "ip":
      return `sessions of the ${n === 1 ? "only user" : plural(n, "user")} who signed in from ${escape(selection.address)} ${windowWords(selection, facts.now)}`;
    case "disabled":
      return n === 1 ? "sessions of the only disabled account" : `sessions of every disabled account (${n.toLocaleString("en-US")})`;
    case undefined: {
      const department = facts.sharedDepartment;
      return `sessions of ${plural(n, "user")}${department === undefined ? "" : ` in ${escape(department)}`}`;
    }
  }
}

/** The options that change what runs, as verbs after "revoke …": "disable the accounts", "reset their passwords". */
export function optionPhrases(options: { disable: boolean; containment: Containment }, n: number): string[] {
  return [
    ...(options.disable ? [n === 1 ? "disable the account" : "disable the accounts"] : []),
    ...(options.containment.resetPassword ? [n === 1 ? "reset the password" : "reset their passwords"] : []),
    ...(options.containment.confirmCompromised ? [n === 1 ? "confirm the user compromised" : "confirm them compromised"] : []),
  ];
}

/** "revoke sessions of all 60 users in Claims, disable the accounts and reset their passwords" (lower case, no question mark). */
export function revokeWhat(facts: SetFacts, options: { disable: boolean; containment: Containment }): string {
  return `revoke ${listInWords([sessionsPhrase(facts), ...optionPhrases(options, facts.n)])}`;
}
