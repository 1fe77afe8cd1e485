/** Request IDs: short, human-typable, unguessable (e.g. R-7K2M9QX4TB). */
import { randomInt } from "node:crypto";

/** A request ID as the bot makes them: "R-" and 10 Crockford base32 characters. */
export const REQUEST_ID = /^R-[0-9A-HJKMNP-TV-Z]{10}$/;

// Crockford base32 without I, L, O, U: readable aloud, no look-alikes.
const ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A new request ID: "R-" and 10 random base32 characters (50 bits). */
export function newRequestId(): string {
  let id = "R-";
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}
