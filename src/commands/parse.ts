/**
 * Text → Command, or a ParseError that says what was wrong and what to type instead. Pure: no I/O,
 * so every rule here is covered by test/commands/parse.spec.ts.
 */

export const MAX_NAMED_USERS = 500;
export const MAX_REASON_LENGTH = 500;
/** Longest comment accepted with an approval or rejection. */
export const MAX_COMMENT_LENGTH = 500;
/** A request ID as the bot makes them: "R-" and 10 Crockford base32 characters. */
export const REQUEST_ID = /^R-[0-9A-HJKMNP-TV-Z]{10}$/;
const MAX_TARGET_LENGTH = 256;

export type Command =
  | { kind: "help" }
  | { kind: "askTarget" }
  | { kind: "revokeUsers"; targets: string[]; reason: string; disable: boolean }
  | { kind: "revokeBulk"; selector: "department" | "disabled" | "ip"; raw: string }
  | { kind: "status"; target: string }
  | { kind: "pending" }
  | { kind: "cancel"; requestId: string }
  | { kind: "history"; count: number }
  | { kind: "auditHere" };

export interface ParseError {
  kind: "error";
  /** What was wrong, in one sentence. */
  message: string;
  /** What to type instead (an example command). */
  hint: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A UPN: local part (letters, digits and the punctuation Entra allows, including $ # ' for service
// and guest accounts) @ a dotted domain. No spaces, no control characters, no quotes other than '.
const UPN = /^[A-Za-z0-9$#'_.+\-!&%=~^{}|`]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

const USER_EXAMPLE = 'revoke user alice@contoso.com --reason "phished"';

/** Strips Teams markup (mentions, tags, entities) and collapses white space. */
export function normalizeText(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/gi, " ")
    .replace(/&lt;/gi, "<")
    .replace(/&gt;/gi, ">")
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, "&")
    .replace(/[\u201c\u201d\u201e\u00ab\u00bb]/g, '"')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

/** Splits on spaces, keeping "double-quoted strings" whole. */
function tokenize(text: string): string[] | ParseError {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) {
        return error("A quotation mark is not closed.", USER_EXAMPLE);
      }
      tokens.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let end = text.indexOf(" ", i);
    if (end < 0) end = text.length;
    tokens.push(text.slice(i, end));
    i = end;
  }
  return tokens;
}

function error(message: string, hint: string): ParseError {
  return { kind: "error", message, hint };
}

/** True when the text is a plausible UPN or object ID (what a target may be). */
export function isValidTarget(text: string): boolean {
  return text.length <= MAX_TARGET_LENGTH && (GUID.test(text) || UPN.test(text));
}

/** Parses one chat message. Returns undefined for text that is not a command at all. */
export function parseCommand(rawText: string): Command | ParseError | undefined {
  const text = normalizeText(rawText);
  if (text === "") return undefined;
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return tokens;
  const [head = "", ...rest] = tokens;
  const verb = head.toLowerCase();

  switch (verb) {
    case "help":
    case "?":
      return { kind: "help" };
    case "revoke":
      return parseRevoke(rest);
    case "status": {
      const target = rest[0];
      if (target === undefined || rest.length > 1) {
        return error("status takes exactly one user.", "status alice@contoso.com");
      }
      if (!isValidTarget(target)) {
        return error(`"${clip(target)}" is not a user principal name or an object ID.`, "status alice@contoso.com");
      }
      return { kind: "status", target };
    }
    case "pending":
      return rest.length === 0 ? { kind: "pending" } : error("pending takes no arguments.", "pending");
    case "cancel": {
      const id = rest[0];
      if (id === undefined || rest.length > 1 || !REQUEST_ID.test(id.toUpperCase())) {
        return error("cancel takes one request ID, as shown on the request's card (R- and 10 letters or digits).", "cancel R-7K2M9QX4TB");
      }
      return { kind: "cancel", requestId: id.toUpperCase() };
    }
    case "history": {
      if (rest.length === 0) return { kind: "history", count: 10 };
      const n = Number(rest[0]);
      if (rest.length > 1 || !Number.isInteger(n) || n < 1 || n > 50) {
        return error("history takes an optional count from 1 to 50.", "history 20");
      }
      return { kind: "history", count: n };
    }
    case "audit":
      if (rest.length === 1 && rest[0]?.toLowerCase() === "here") return { kind: "auditHere" };
      return error("Did you mean audit here? It makes this channel the audit channel.", "audit here");
    default:
      return undefined;
  }
}

function parseRevoke(args: string[]): Command | ParseError {
  if (args.length === 0) return { kind: "askTarget" };
  const [sub = "", ...rest] = args;
  const selector = sub.toLowerCase();
  if (selector === "department" || selector === "disabled" || selector === "ip") {
    return { kind: "revokeBulk", selector, raw: rest.join(" ") };
  }
  if (selector === "user" || selector === "users") return parseRevokeUsers(rest);
  // `revoke alice@contoso.com` is read as `revoke user alice@contoso.com`.
  if (isValidTarget(sub) || sub.includes("@")) return parseRevokeUsers(args);
  return error(
    `"${clip(sub)}" is not something I can revoke.`,
    `${USER_EXAMPLE}   (type help for every command)`,
  );
}

function parseRevokeUsers(args: string[]): Command | ParseError {
  const targets: string[] = [];
  let reason: string | undefined;
  let disable = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const lower = arg.toLowerCase();
    if (lower === "--reason") {
      const value = args[i + 1];
      if (value === undefined || value.startsWith("--")) {
        return error("--reason needs a text after it, in quotes.", USER_EXAMPLE);
      }
      if (reason !== undefined) return error("--reason is given twice.", USER_EXAMPLE);
      reason = value.trim();
      i++;
      continue;
    }
    if (lower.startsWith("--reason=")) {
      if (reason !== undefined) return error("--reason is given twice.", USER_EXAMPLE);
      reason = arg.slice("--reason=".length).trim();
      continue;
    }
    if (lower === "--disable") {
      disable = true;
      continue;
    }
    if (arg.startsWith("--") || arg.startsWith("\u2014")) {
      return error(`Unknown option ${clip(arg)}. revoke user takes --reason "…" and --disable.`, USER_EXAMPLE);
    }
    for (const piece of arg.split(/[,;]/)) {
      const target = piece.trim();
      if (target === "") continue;
      if (!isValidTarget(target)) {
        return error(
          `"${clip(target)}" is not a user principal name (name@domain) or an object ID (a GUID). Nothing was done.`,
          USER_EXAMPLE,
        );
      }
      targets.push(target);
    }
  }
  if (targets.length === 0) {
    return error("Name at least one user to revoke.", USER_EXAMPLE);
  }
  if (reason !== undefined && hasControlCharacter(reason)) {
    return error("The reason may not contain control characters.", USER_EXAMPLE);
  }
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    return error(`The reason is longer than ${MAX_REASON_LENGTH} characters.`, USER_EXAMPLE);
  }
  const unique = dedupe(targets);
  if (unique.length > MAX_NAMED_USERS) {
    return error(
      `At most ${MAX_NAMED_USERS} users can be named in one request; you named ${unique.length}.`,
      "Split the list into several requests.",
    );
  }
  return { kind: "revokeUsers", targets: unique, reason: reason ?? "", disable };
}

/**
 * True when the text holds a control character (C0 but for newlines where allowed, DEL, C1) or a
 * bidirectional override or isolate, which could make text on a card read differently from what
 * was typed.
 */
export function hasControlCharacter(text: string, options: { allowNewline?: boolean } = {}): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0x0a && options.allowNewline === true) continue;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true;
  }
  return false;
}

function dedupe(items: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    const key = item.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
