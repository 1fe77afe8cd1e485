/** `enable <user>`: re-enable one account. */
import { isValidTarget } from "../../../requests/input-rules.js";
import type { Command, ParseError } from "./command.js";
import { parseBulkOptions } from "./options.js";
import { clip, error, isOption, type Token } from "./tokens.js";

const ENABLE_EXAMPLE = 'enable alice@contoso.com --reason "password reset, device wiped"';

/** `enable <upn-or-id> [--reason "…"]`: exactly one account. */
export function parseEnable(tokens: Token[]): Command | ParseError {
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
