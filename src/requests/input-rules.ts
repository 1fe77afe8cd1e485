/**
 * What a request's input may be, whichever door it comes through (a chat command, the automation
 * API, a card's comment): the limits, what a target is, and which characters are refused.
 */
import { MAX_DEPARTMENT_LENGTH } from "../directory/odata.js";

export { MAX_DEPARTMENT_LENGTH };

/** Users one request may name. */
export const MAX_NAMED_USERS = 500;
export const MAX_REASON_LENGTH = 500;
/** Longest comment accepted with an approval or rejection. */
export const MAX_COMMENT_LENGTH = 500;
/** `revoke ip --since` bounds, in hours: 1h to 30 days (what the Entra sign-in log keeps at most). */
export const MIN_SINCE_HOURS = 1;
export const MAX_SINCE_HOURS = 30 * 24;
export const DEFAULT_SINCE_HOURS = 24;

const MAX_TARGET_LENGTH = 256;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A UPN: local part (letters, digits and the punctuation Entra allows, including $ # ' for service
// and guest accounts) @ a dotted domain. No spaces, no control characters, no quotes other than '.
const UPN = /^[A-Za-z0-9$#'_.+\-!&%=~^{}|`]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** True when the text is a plausible UPN or object ID (what a target may be). */
export function isValidTarget(text: string): boolean {
  return text.length <= MAX_TARGET_LENGTH && (GUID.test(text) || UPN.test(text));
}

export { hasControlCharacter } from "../domain/control-characters.js";
