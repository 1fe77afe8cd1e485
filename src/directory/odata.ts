/**
 * OData `$filter` text for the three bulk selectors (DESIGN.md "Graph calls"). Nothing typed by a
 * person reaches a filter except through `odataString`, which doubles `'` (the only escape inside
 * an OData string literal) and refuses what the parser should already have refused: this is the
 * second line of defence, so a caller that skipped parsing still cannot change a filter's shape.
 *
 * The filters returned here are plain OData; percent-encoding them for the URL is the listing's
 * job (src/directory/graph-listing.ts), because the Graph client sends query values as given.
 */
import { isIP } from "node:net";
import { AppError } from "../errors.js";
import { hasControlCharacter } from "../domain/control-characters.js";

/** Longest department name Entra stores (its `department` property holds at most 64 characters). */
export const MAX_DEPARTMENT_LENGTH = 64;

/** Longest string `odataString` quotes: far above any value the bot filters on, far below a URL limit. */
export const MAX_ODATA_STRING_LENGTH = 256;

/** Every disabled account. */
export const DISABLED_FILTER = "accountEnabled eq false";

// Unpaired UTF-16 surrogates cannot be percent-encoded (encodeURIComponent throws) and Graph could
// read them as anything; a well-formed string never contains them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function refused(what: string, why: string): AppError {
  return new AppError("GraphBadRequest", `The ${what} was not sent to Microsoft Graph: ${why}`);
}

/**
 * The value as an OData string literal: in single quotes, each `'` doubled. Only `'` is special
 * inside a literal; look-alikes such as U+2019 or U+FF07 are ordinary characters and stay as they are.
 * @throws AppError (GraphBadRequest) for control characters, unpaired surrogates, or more than
 *   MAX_ODATA_STRING_LENGTH characters
 */
export function odataString(value: string): string {
  if (hasControlCharacter(value)) throw refused("value", "it contains control characters.");
  if (LONE_SURROGATE.test(value)) throw refused("value", "it contains an incomplete Unicode character.");
  if (value.length > MAX_ODATA_STRING_LENGTH) {
    throw refused("value", `it is longer than ${MAX_ODATA_STRING_LENGTH} characters.`);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `department eq '<name>'`, the name exactly as given (Graph compares case-insensitively).
 * @throws AppError (GraphBadRequest) for an empty or blank name, one longer than
 *   MAX_DEPARTMENT_LENGTH, or anything odataString refuses
 */
export function departmentFilter(name: string): string {
  if (name.trim() === "") throw refused("department name", "it is empty.");
  if (name.length > MAX_DEPARTMENT_LENGTH) {
    throw refused("department name", `it is longer than ${MAX_DEPARTMENT_LENGTH} characters, the most Entra stores.`);
  }
  return `department eq ${odataString(name)}`;
}

/**
 * `ipAddress eq '<ip>' and createdDateTime ge <since>`, the time in UTC at whole seconds with `Z`
 * and no quotes (an OData DateTimeOffset literal). Seconds are truncated, which widens the window
 * by less than a second rather than narrowing it.
 * @throws AppError (GraphBadRequest) when ip is not a bare IPv4 or IPv6 literal or since is not a valid date
 */
export function signInsFilter(ip: string, since: Date, options: { successfulOnly: boolean } = { successfulOnly: true }): string {
  if (isIP(ip) === 0 || ip.includes("%")) {
    throw refused("IP address", `"${ip.slice(0, 60)}" is not a single IPv4 or IPv6 address.`);
  }
  const ms = since.getTime();
  if (!Number.isFinite(ms)) throw refused("sign-in window", "its start is not a valid date.");
  const at = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
  // Successful sign-ins only: a failed one is anyone's to cause (a password spray against the
  // responders' own accounts), so it must never choose a target.
  return `ipAddress eq ${odataString(ip)} and createdDateTime ge ${at}${options.successfulOnly ? " and status/errorCode eq 0" : ""}`;
}
