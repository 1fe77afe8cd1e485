/**
 * Text → Command, or a ParseError that says what was wrong and what to type instead. Pure: no I/O,
 * so every rule here is covered by test/bot/commands/parse.spec.ts.
 */
import { isIP, SocketAddress } from "node:net";
import { escapeMarkdown } from "../../cards/markdown.js";
import { MAX_DEPARTMENT_LENGTH } from "../../directory/odata.js";
import type { Containment } from "../../domain/containment.js";
import { HELP_TOPICS, type HelpTopic } from "../../cards/chat-replies.js";

export const MAX_NAMED_USERS = 500;
export const MAX_REASON_LENGTH = 500;
/** Longest comment accepted with an approval or rejection. */
export const MAX_COMMENT_LENGTH = 500;
/** A request ID as the bot makes them: "R-" and 10 Crockford base32 characters. */
export const REQUEST_ID = /^R-[0-9A-HJKMNP-TV-Z]{10}$/;
const MAX_TARGET_LENGTH = 256;
/** `revoke ip --since` bounds, in hours: 1h to 30 days (what the Entra sign-in log keeps at most). */
export const MIN_SINCE_HOURS = 1;
export const MAX_SINCE_HOURS = 30 * 24;
export const DEFAULT_SINCE_HOURS = 24;
export { MAX_DEPARTMENT_LENGTH };

export type Command =
  /** `help`, or `help <topic>` for one command family's details. */
  | { kind: "help"; topic?: HelpTopic }
  | { kind: "askTarget" }
  | { kind: "revokeUsers"; targets: string[]; reason: string; disable: boolean; containment: Containment }
  /** Every member user of a department; `department` as typed (trimmed), Graph matches it case-insensitively. */
  | { kind: "revokeDepartment"; department: string; reason: string; disable: boolean; containment: Containment }
  /** Every disabled account (no --disable: they are disabled already). */
  | { kind: "revokeDisabled"; reason: string }
  /**
   * Everyone who signed in from `ip` in the last `sinceHours` hours. `ip` is canonical: IPv4 as
   * typed (leading zeros are refused), IPv6 as node:net prints it (RFC 5952: lower case, leading
   * zeros dropped, the longest run of zero groups written `::`).
   */
  | { kind: "revokeIp"; ip: string; sinceHours: number; reason: string; disable: boolean; containment: Containment }
  | { kind: "status"; target: string }
  | { kind: "pending" }
  | { kind: "cancel"; requestId: string }
  /** `cancel app <app-id-or-name>`: an approver withdraws every pending request of one app (an emergency stop). */
  | { kind: "cancelApp"; app: string }
  | { kind: "history"; count: number }
  | { kind: "auditHere" }
  /** `watch`: the active post-revocation sign-in watches. */
  | { kind: "watch" }
  /** `watch stop <request-id>`: ends one. */
  | { kind: "watchStop"; requestId: string }
  /** Re-enable one account (a second person always approves). */
  | { kind: "enable"; target: string; reason: string };

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

/**
 * Longest message the bot reads, in characters, checked before any parsing: 16 KiB, room for
 * MAX_NAMED_USERS UPNs of ordinary length, far below what would make even a linear pass noticeable.
 */
export const MAX_MESSAGE_LENGTH = 16_384;

/**
 * Strips Teams markup (mentions, tags, entities) and collapses white space. Every pattern here runs
 * in linear time: a tag is `<` then anything but `<` and `>` up to `>`, so a run of `<` without a
 * `>` is scanned once, not once per `<` (`/<[^>]+>/` took 4.5 s on 100,000 `<`).
 */
export function normalizeText(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<[^<>]*>/g, " ")
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

/** A word of the command, and whether it was written in "double quotes". */
interface Token {
  text: string;
  quoted: boolean;
}

/** Splits on spaces, keeping "double-quoted strings" whole. */
function tokenize(text: string): Token[] | ParseError {
  const tokens: Token[] = [];
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
      tokens.push({ text: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    let end = text.indexOf(" ", i);
    if (end < 0) end = text.length;
    tokens.push({ text: text.slice(i, end), quoted: false });
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
  if (rawText.length > MAX_MESSAGE_LENGTH) return tooLong(rawText.length);
  const text = normalizeText(rawText);
  if (text === "") return undefined;
  const detailed = tokenize(text);
  if (!Array.isArray(detailed)) return { ...detailed, hint: exampleFor(text) };
  const tokens = detailed.map((token) => token.text);
  const [head = "", ...rest] = tokens;
  const verb = head.toLowerCase();

  switch (verb) {
    case "help":
    case "?":
      return parseHelp(rest);
    case "revoke":
      return parseRevoke(detailed.slice(1));
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
      if (rest[0]?.toLowerCase() === "app") {
        const app = rest.slice(1).join(" ").trim();
        if (app === "" || app.length > 120) {
          return error("cancel app takes the app's application (client) ID or its name, as the request's card shows it.", 'cancel app "Contoso Sentinel Playbook"');
        }
        return { kind: "cancelApp", app };
      }
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
    case "watch": {
      if (rest.length === 0) return { kind: "watch" };
      const id = rest[1];
      if (rest[0]?.toLowerCase() !== "stop" || id === undefined || rest.length > 2 || !REQUEST_ID.test(id.toUpperCase())) {
        return error("watch takes nothing (to list the sign-in watches) or stop and one request ID (to end one).", "watch stop R-7K2M9QX4TB");
      }
      return { kind: "watchStop", requestId: id.toUpperCase() };
    }
    case "enable":
      return parseEnable(detailed.slice(1));
    case "audit":
      if (rest.length === 1 && rest[0]?.toLowerCase() === "here") return { kind: "auditHere" };
      return error("Did you mean audit here? It makes this channel the audit channel.", "audit here");
    default:
      return undefined;
  }
}

/** The word after `help` that names a topic: the command itself, or one of its spellings. */
const HELP_ALIASES: ReadonlyMap<string, HelpTopic> = new Map<string, HelpTopic>([
  ...["revoke", "user", "users", "department", "ip", "disabled"].map((w) => [w, "revoke"] as const),
  ...["options", "option", "--disable", "--reset-password", "--confirm-compromised"].map((w) => [w, "options"] as const),
  ["status", "status"],
  ["pending", "pending"],
  ["cancel", "pending"],
  ["watch", "watch"],
  ["enable", "enable"],
  ["history", "history"],
  ["audit", "history"],
]);

/** `help`, or `help <command> [<sub-command>]`: the topic is named by the first word. */
function parseHelp(rest: readonly string[]): Command | ParseError {
  if (rest.length === 0) return { kind: "help" };
  const topic = rest.length <= 2 ? HELP_ALIASES.get((rest[0] ?? "").toLowerCase()) : undefined;
  if (topic === undefined) {
    return error(`I have no help on "${clip(rest.join(" "))}".`, `help revoke   (or ${HELP_TOPICS.filter((t) => t !== "revoke").map((t) => `help ${t}`).join(", ")})`);
  }
  return { kind: "help", topic };
}

/** The answer to a message longer than MAX_MESSAGE_LENGTH: nothing of it is read. */
function tooLong(length: number): ParseError {
  return error(
    `Your message is ${length.toLocaleString("en-US")} characters long; I read messages of at most ${MAX_MESSAGE_LENGTH.toLocaleString("en-US")} characters, so I did not read it and nothing was done. Send one command per message, and split a long list of users over several requests.`,
    "revoke user alice@contoso.com bob@contoso.com",
  );
}

function parseRevoke(tokens: Token[]): Command | ParseError {
  if (tokens.length === 0) return { kind: "askTarget" };
  const args = tokens.map((token) => token.text);
  const [sub = "", ...rest] = args;
  const selector = sub.toLowerCase();
  if (selector === "department") return parseRevokeDepartment(tokens.slice(1));
  if (selector === "disabled") return parseRevokeDisabled(tokens.slice(1));
  if (selector === "ip") return parseRevokeIp(tokens.slice(1));
  if (selector === "user" || selector === "users") return parseRevokeUsers(rest);
  // `revoke alice@contoso.com` is read as `revoke user alice@contoso.com`.
  if (isValidTarget(sub) || sub.includes("@")) return parseRevokeUsers(args);
  return error(
    `"${clip(sub)}" is not something I can revoke.`,
    `${USER_EXAMPLE}   (type help for every command)`,
  );
}

/** The example matching the command the text starts with (for errors found before parsing it). */
function exampleFor(text: string): string {
  const words = text.toLowerCase().split(" ");
  if (words[0] !== "revoke") return USER_EXAMPLE;
  if (words[1] === "department") return DEPARTMENT_EXAMPLE;
  if (words[1] === "disabled") return DISABLED_EXAMPLE;
  if (words[1] === "ip") return IP_EXAMPLE;
  return USER_EXAMPLE;
}

function parseRevokeUsers(args: string[]): Command | ParseError {
  const targets: string[] = [];
  let reason: string | undefined;
  let disable = false;
  const containment: Containment = { resetPassword: false, confirmCompromised: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const lower = arg.toLowerCase();
    const flag = containmentFlag(lower, containment, USER_EXAMPLE);
    if (flag !== undefined) {
      if (flag !== true) return flag;
      continue;
    }
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
      return error(`Unknown option ${clip(arg)}. revoke user takes --reason "…", --disable, --reset-password and --confirm-compromised.`, USER_EXAMPLE);
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
  return { kind: "revokeUsers", targets: unique, reason: reason ?? "", disable, containment };
}

const CONTAINMENT_FLAGS: ReadonlySet<string> = new Set(["--reset-password", "--confirm-compromised"]);

/**
 * `--reset-password` / `--confirm-compromised` (lower-cased token): sets it on `containment` and
 * returns true; a value (`--reset-password=yes`) or a repeat is refused; undefined for any other token.
 */
function containmentFlag(lower: string, containment: Containment, example: string): true | ParseError | undefined {
  const equals = lower.indexOf("=");
  const name = equals < 0 ? lower : lower.slice(0, equals);
  if (!CONTAINMENT_FLAGS.has(name)) return undefined;
  if (equals >= 0) return error(`${name} takes no value: write it alone.`, example);
  const key = name === "--reset-password" ? "resetPassword" : "confirmCompromised";
  if (containment[key]) return error(`${name} is given twice.`, example);
  containment[key] = true;
  return true;
}

const DEPARTMENT_EXAMPLE = 'revoke department "Research & Development" --reason "phishing wave"';
const DISABLED_EXAMPLE = 'revoke disabled --reason "leaver clean-up"';
const IP_EXAMPLE = 'revoke ip 203.0.113.50 --since 24h --reason "password spray"';

// An option: two hyphens and a letter, or a dash a chat client may have made of the two hyphens.
// A dash standing alone ("Research – Development") is part of a name, not an option.
const OPTION_LIKE = /^(?:--|[\u2013\u2014])[A-Za-z]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isOption(token: Token): boolean {
  return !token.quoted && OPTION_LIKE.test(token.text);
}

/** The options a bulk command accepts, and the command's name and example for messages. */
interface OptionRules {
  command: string;
  example: string;
  disable: boolean;
  since: boolean;
  /** Takes --reset-password and --confirm-compromised. */
  containment: boolean;
}

interface BulkOptions {
  reason: string;
  disable: boolean;
  /** The raw --since value, when given. */
  since: string | undefined;
  containment: Containment;
}

/**
 * Reads `--reason "…"` / `--reason=…`, `--disable` and `--since <n>h|<n>d` where allowed. Every
 * token must be an option or an option's value; anything else is refused by name.
 */
function parseBulkOptions(tokens: Token[], rules: OptionRules): BulkOptions | ParseError {
  let reason: string | undefined;
  let since: string | undefined;
  let disable = false;
  const containment: Containment = { resetPassword: false, confirmCompromised: false };
  const accepted = [
    '--reason "…"',
    ...(rules.since ? ["--since 24h"] : []),
    ...(rules.disable ? ["--disable"] : []),
    ...(rules.containment ? ["--reset-password", "--confirm-compromised"] : []),
  ];
  const takes = `${rules.command} takes ${accepted.join(", ")}`;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? { text: "", quoted: false };
    if (!isOption(token)) {
      return error(`I did not understand "${clip(token.text)}": ${takes}.`, rules.example);
    }
    if (!token.text.startsWith("--")) {
      return error(
        `Options start with two hyphens (--reason, not ${clip(token.text)}); your chat app may have turned them into a dash.`,
        rules.example,
      );
    }
    const equals = token.text.indexOf("=");
    const name = (equals < 0 ? token.text : token.text.slice(0, equals)).toLowerCase();
    if (CONTAINMENT_FLAGS.has(name) && !rules.containment) {
      return error(
        `${rules.command} takes no ${name}: it is for revoke user, revoke department and revoke ip, whose targets are chosen for an incident.`,
        rules.example,
      );
    }
    const flag = rules.containment ? containmentFlag(token.text.toLowerCase(), containment, rules.example) : undefined;
    if (flag !== undefined) {
      if (flag !== true) return flag;
      continue;
    }
    let value: string | undefined;
    if (name === "--reason" || name === "--since") {
      if (equals >= 0) {
        value = token.text.slice(equals + 1);
      } else {
        const next = tokens[i + 1];
        if (next !== undefined && !isOption(next)) {
          value = next.text;
          i++;
        }
      }
      if (value === undefined || value.trim() === "") {
        return error(
          name === "--reason" ? "--reason needs a text after it, in quotes." : "--since needs a window after it, such as 24h or 7d.",
          rules.example,
        );
      }
    }
    if (name === "--reason") {
      if (reason !== undefined) return error("--reason is given twice.", rules.example);
      reason = (value ?? "").trim();
    } else if (name === "--since" && rules.since) {
      if (since !== undefined) return error("--since is given twice.", rules.example);
      since = (value ?? "").trim();
    } else if (name === "--disable" && equals < 0 && rules.disable) {
      disable = true;
    } else if (name === "--disable" && !rules.disable) {
      return error(
        rules.command === "enable"
          ? `enable takes no --disable: it enables the account. ${rules.command} takes --reason "…".`
          : `${rules.command} takes no --disable: those accounts are disabled already, so revoking their sessions is all there is to do.`,
        rules.example,
      );
    } else {
      return error(`Unknown option ${clip(token.text)}: ${takes}.`, rules.example);
    }
  }
  if (reason !== undefined && hasControlCharacter(reason)) {
    return error("The reason may not contain control characters.", rules.example);
  }
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    return error(`The reason is longer than ${MAX_REASON_LENGTH} characters.`, rules.example);
  }
  return { reason: reason ?? "", disable, since, containment };
}

/** `revoke department <name> [--reason "…"] [--disable]`; the name quoted, or the words up to the first option. */
function parseRevokeDepartment(tokens: Token[]): Command | ParseError {
  const firstOption = tokens.findIndex(isOption);
  const nameTokens = firstOption < 0 ? tokens : tokens.slice(0, firstOption);
  const optionTokens = firstOption < 0 ? [] : tokens.slice(firstOption);
  if (nameTokens.length === 0) {
    return error("Name the department whose member users should be revoked.", DEPARTMENT_EXAMPLE);
  }
  if (nameTokens.length > 1 && nameTokens.some((token) => token.quoted)) {
    return error("Put the whole department name in one pair of quotes, or none.", DEPARTMENT_EXAMPLE);
  }
  // Kept as typed (Graph compares department names case-insensitively); only the ends are trimmed.
  const department = nameTokens.map((token) => token.text).join(" ").trim();
  if (department === "") {
    return error("The department name is empty.", DEPARTMENT_EXAMPLE);
  }
  if (hasControlCharacter(department) || LONE_SURROGATE.test(department)) {
    return error("The department name may not contain control characters.", DEPARTMENT_EXAMPLE);
  }
  if (department.length > MAX_DEPARTMENT_LENGTH) {
    return error(
      `The department name is ${department.length} characters long; Entra department names have at most ${MAX_DEPARTMENT_LENGTH}.`,
      DEPARTMENT_EXAMPLE,
    );
  }
  const options = parseBulkOptions(optionTokens, {
    command: "revoke department",
    example: DEPARTMENT_EXAMPLE,
    disable: true,
    since: false,
    containment: true,
  });
  if ("kind" in options) return options;
  return { kind: "revokeDepartment", department, reason: options.reason, disable: options.disable, containment: options.containment };
}

const ENABLE_EXAMPLE = 'enable alice@contoso.com --reason "password reset, device wiped"';

/** `enable <upn-or-id> [--reason "…"]`: exactly one account. */
function parseEnable(tokens: Token[]): Command | ParseError {
  const first = tokens[0];
  if (first === undefined || isOption(first)) return error("Name the account to enable.", ENABLE_EXAMPLE);
  if (!isValidTarget(first.text)) {
    return error(`"${clip(first.text)}" is not a user principal name (name@domain) or an object ID (a GUID). Nothing was done.`, ENABLE_EXAMPLE);
  }
  const second = tokens[1];
  if (second !== undefined && !isOption(second)) {
    return error("enable takes one account at a time; send one enable per account.", ENABLE_EXAMPLE);
  }
  const options = parseBulkOptions(tokens.slice(1), { command: "enable", example: ENABLE_EXAMPLE, disable: false, since: false, containment: false });
  if ("kind" in options) return options;
  return { kind: "enable", target: first.text, reason: options.reason };
}

/** `revoke disabled [--reason "…"]` */
function parseRevokeDisabled(tokens: Token[]): Command | ParseError {
  const first = tokens[0];
  if (first !== undefined && !isOption(first)) {
    return error(
      `revoke disabled takes no names ("${clip(first.text)}"): it selects every disabled account in the tenant.`,
      DISABLED_EXAMPLE,
    );
  }
  const options = parseBulkOptions(tokens, {
    command: "revoke disabled",
    example: DISABLED_EXAMPLE,
    disable: false,
    since: false,
    containment: false,
  });
  if ("kind" in options) return options;
  return { kind: "revokeDisabled", reason: options.reason };
}

/** `revoke ip <address> [--since <n>h|<n>d] [--reason "…"] [--disable]` */
function parseRevokeIp(tokens: Token[]): Command | ParseError {
  const [first, ...rest] = tokens;
  if (first === undefined || isOption(first)) {
    return error("Name the IP address the sign-ins came from (IPv4 or IPv6).", IP_EXAMPLE);
  }
  const ip = canonicalIp(first.text);
  if (typeof ip !== "string") return ip;
  const second = rest[0];
  if (second !== undefined && !isOption(second)) {
    return error(`revoke ip takes one address at a time; "${clip(second.text)}" is extra.`, IP_EXAMPLE);
  }
  const options = parseBulkOptions(rest, { command: "revoke ip", example: IP_EXAMPLE, disable: true, since: true, containment: true });
  if ("kind" in options) return options;
  const sinceHours = options.since === undefined ? DEFAULT_SINCE_HOURS : parseSince(options.since, ip);
  if (typeof sinceHours !== "number") return sinceHours;
  return { kind: "revokeIp", ip, sinceHours, reason: options.reason, disable: options.disable, containment: options.containment };
}

const IPV4_DOTTED = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * The address in the form sign-in logs record: IPv4 as typed (no leading zeros), IPv6 as node:net
 * prints it (SocketAddress, i.e. inet_ntop: RFC 5952 lower case, zeros compressed). Ranges, zone
 * IDs, ports, brackets, host names, quotes and spaces are refused, each with what to type instead.
 */
export function canonicalIp(text: string): string | ParseError {
  const shown = clip(text);
  if (/[\s"'`]/.test(text)) {
    return error(`"${shown}" is not an IP address: an address has no spaces or quotes.`, IP_EXAMPLE);
  }
  if (text.includes("/")) {
    return error(
      `"${shown}" is a range (CIDR). revoke ip takes one address: the one the suspicious sign-ins came from.`,
      IP_EXAMPLE,
    );
  }
  if (text.includes("%")) {
    const bare = text.slice(0, text.indexOf("%"));
    return error(
      `"${shown}" carries a zone ID (${clip(text.slice(text.indexOf("%")))}), which sign-in logs never record: type the address without it.`,
      isIP(bare) === 6 ? `revoke ip ${bare} --since 24h` : IP_EXAMPLE,
    );
  }
  if (text.startsWith("[") || /^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) {
    return error(`"${shown}" has brackets or a port: type the address alone.`, IP_EXAMPLE);
  }
  if (IPV4_DOTTED.test(text) && text.split(".").some((part) => part.length > 1 && part.startsWith("0"))) {
    const stripped = text.split(".").map((part) => String(Number(part))).join(".");
    return error(
      `"${shown}" has leading zeros, which make an IPv4 address ambiguous (some tools read 010 as octal 8): type each part without them.`,
      isIP(stripped) === 4 ? `revoke ip ${stripped} --since 24h` : IP_EXAMPLE,
    );
  }
  const family = isIP(text);
  if (family === 0) {
    // Hexadecimal parts (0x7f.0.0.1) are an old numeric IPv4 form, not a host name.
    const numeric = /^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+))*$/i.test(text);
    if (!numeric && /[A-Za-z]/.test(text) && /^[A-Za-z0-9.-]+$/.test(text)) {
      return error(
        `"${shown}" is a host name; sign-in logs record IP addresses: look the address up and type it.`,
        IP_EXAMPLE,
      );
    }
    return error(`"${shown}" is not an IPv4 or IPv6 address.`, IP_EXAMPLE);
  }
  if (family === 4) return text;
  const canonical = new SocketAddress({ address: text, family: "ipv6" }).address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(canonical);
  if (mapped !== null) {
    return error(
      `"${shown}" is an IPv4 address written as IPv6; sign-in logs record it as IPv4.`,
      `revoke ip ${mapped[1] ?? ""} --since 24h`,
    );
  }
  return canonical;
}

/** `--since <n>h|<n>d` → hours, 1h…30d, whole numbers only. */
function parseSince(value: string, ip: string): number | ParseError {
  const hint = (hours: number) => `revoke ip ${ip} --since ${hours}h`;
  const match = /^(\d+(?:[.,]\d+)?)([a-z]*)$/i.exec(value);
  if (match === null) {
    return error(`--since ${clip(value)} is not a window: give whole hours or days, such as 24h or 7d.`, hint(DEFAULT_SINCE_HOURS));
  }
  const amount = Number((match[1] ?? "").replace(",", "."));
  const unit = (match[2] ?? "").toLowerCase();
  const perUnit: Record<string, number> = { h: 1, d: 24, m: 1 / 60, min: 1 / 60, w: 24 * 7 };
  const factor = perUnit[unit];
  if (unit === "" || factor === undefined) {
    const what = unit === "" ? "needs a unit" : `has the unit "${clip(unit)}"`;
    return error(
      `--since ${clip(value)} ${what}: use h for hours or d for days, from 1h to 30d.`,
      hint(Math.round(amount) || DEFAULT_SINCE_HOURS),
    );
  }
  const hours = amount * factor;
  const suggestion = Math.min(MAX_SINCE_HOURS, Math.max(MIN_SINCE_HOURS, Math.ceil(hours)));
  if (unit === "m" || unit === "min") {
    return error(`--since takes hours or days, not minutes: the shortest window is 1h.`, hint(suggestion));
  }
  if (unit === "w") {
    return error(`--since takes hours or days, not weeks.`, `revoke ip ${ip} --since ${Math.min(30, Math.ceil(amount * 7))}d`);
  }
  if (!Number.isInteger(amount)) {
    return error(`--since takes whole numbers only, not ${clip(value)}.`, hint(suggestion));
  }
  if (hours < MIN_SINCE_HOURS) {
    return error("--since must be at least 1h.", hint(MIN_SINCE_HOURS));
  }
  if (hours > MAX_SINCE_HOURS) {
    return error("--since can reach back at most 30 days (30d), as far as the Entra sign-in log goes.", `revoke ip ${ip} --since 30d`);
  }
  return hours;
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

/** Typed text quoted in an error message: at most 60 characters, markdown-escaped (it is shown in chat). */
function clip(text: string): string {
  return escapeMarkdown(text.length > 60 ? `${text.slice(0, 57)}…` : text);
}
