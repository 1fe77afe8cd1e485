/** `revoke …`: named users, a department, the disabled accounts, or the users of an address. */
import { ipProblemWords } from "../../../cards/ip-address-words.js";
import type { Containment } from "../../../domain/containment.js";
import {
  DEFAULT_SINCE_HOURS,
  hasControlCharacter,
  isValidTarget,
  MAX_DEPARTMENT_LENGTH,
  MAX_NAMED_USERS,
  MAX_REASON_LENGTH,
  MAX_SINCE_HOURS,
  MIN_SINCE_HOURS,
} from "../../../requests/input-rules.js";
import { canonicalIp } from "../../../requests/ip-address.js";
import type { Command, ParseError } from "./command.js";
import { containmentFlag, parseBulkOptions } from "./options.js";
import { clip, dedupe, DEPARTMENT_EXAMPLE, DISABLED_EXAMPLE, error, IP_EXAMPLE, isOption, LONE_SURROGATE, USER_EXAMPLE, type Token } from "./tokens.js";

/** `revoke <selection> …` (the words after `revoke`). */
export function parseRevoke(tokens: Token[]): Command | ParseError {
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
export function exampleFor(text: string): string {
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
  const checked = canonicalIp(first.text);
  if (!checked.ok) {
    const words = ipProblemWords(first.text, checked.problem, clip);
    return error(words.message, words.hint);
  }
  const { ip } = checked;
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
