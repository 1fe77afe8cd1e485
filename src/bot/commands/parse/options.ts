/** The options of the revoke and enable commands: --reason, --disable, --since and containment. */
import type { Containment } from "../../../domain/containment.js";
import { hasControlCharacter, MAX_REASON_LENGTH } from "../../../requests/input-rules.js";
import type { ParseError } from "./command.js";
import { clip, error, isOption, type Token } from "./tokens.js";

const CONTAINMENT_FLAGS: ReadonlySet<string> = new Set(["--reset-password", "--confirm-compromised"]);

/**
 * `--reset-password` / `--confirm-compromised` (lower-cased token): sets it on `containment` and
 * returns true; a value (`--reset-password=yes`) or a repeat is refused; undefined for any other token.
 */
export function containmentFlag(lower: string, containment: Containment, example: string): true | ParseError | undefined {
  const equals = lower.indexOf("=");
  const name = equals < 0 ? lower : lower.slice(0, equals);
  if (!CONTAINMENT_FLAGS.has(name)) return undefined;
  if (equals >= 0) return error(`${name} takes no value: write it alone.`, example);
  const key = name === "--reset-password" ? "resetPassword" : "confirmCompromised";
  if (containment[key]) return error(`${name} is given twice.`, example);
  containment[key] = true;
  return true;
}

/** The options a bulk command accepts, and the command's name and example for messages. */
export interface OptionRules {
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
export function parseBulkOptions(tokens: Token[], rules: OptionRules): BulkOptions | ParseError {
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
