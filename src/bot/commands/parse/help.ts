/** `help` and `help <topic>`. */
import { HELP_TOPICS, type HelpTopic } from "../../../cards/chat-replies.js";
import type { Command, ParseError } from "./command.js";
import { clip, error } from "./tokens.js";

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
export function parseHelp(rest: readonly string[]): Command | ParseError {
  if (rest.length === 0) return { kind: "help" };
  const topic = rest.length <= 2 ? HELP_ALIASES.get((rest[0] ?? "").toLowerCase()) : undefined;
  if (topic === undefined) {
    return error(`I have no help on "${clip(rest.join(" "))}".`, `help revoke   (or ${HELP_TOPICS.filter((t) => t !== "revoke").map((t) => `help ${t}`).join(", ")})`);
  }
  return { kind: "help", topic };
}
