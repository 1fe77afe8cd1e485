/**
 * Text → Command, or a ParseError that says what was wrong and what to type instead. Pure: no I/O,
 * so every rule here is covered by test/bot/commands/parse.spec.ts. This file reads the verb and
 * the short commands; each longer family has its own parser under parse/ (revoke, enable, help),
 * on the shared tokens and options.
 */
import { isValidTarget } from "../../requests/input-rules.js";
import { REQUEST_ID } from "../../requests/request-id.js";
import type { Command, ParseError } from "./parse/command.js";
import { parseEnable } from "./parse/enable.js";
import { parseHelp } from "./parse/help.js";
import { exampleFor, parseRevoke } from "./parse/revoke.js";
import { clip, error, normalizeText, tokenize } from "./parse/tokens.js";

export type { Command, ParseError } from "./parse/command.js";
export { normalizeText } from "./parse/tokens.js";

/**
 * Longest message the bot reads, in characters, checked before any parsing: 16 KiB, room for
 * MAX_NAMED_USERS UPNs of ordinary length, far below what would make even a linear pass noticeable.
 */
export const MAX_MESSAGE_LENGTH = 16_384;

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

/** The answer to a message longer than MAX_MESSAGE_LENGTH: nothing of it is read. */
function tooLong(length: number): ParseError {
  return error(
    `Your message is ${length.toLocaleString("en-US")} characters long; I read messages of at most ${MAX_MESSAGE_LENGTH.toLocaleString("en-US")} characters, so I did not read it and nothing was done. Send one command per message, and split a long list of users over several requests.`,
    "revoke user alice@contoso.com bob@contoso.com",
  );
}
