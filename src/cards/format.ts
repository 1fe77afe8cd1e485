/**
 * How values read on cards and in chat: one absolute time format ("1 Dec, 10:02 UTC"), relative
 * times ("in 30 min", "3 days ago"), counts with their noun, and text from users escaped.
 */
import { escapeMarkdown } from "./markdown.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * "1 Dec, 10:02 UTC" — the one absolute format on cards and in chat; the year is added when the
 * time is more than about half a year from `now` ("1 Dec 2025, 10:02 UTC"). "never" for null.
 */
export function formatTime(iso: string | null, now: Date = new Date()): string {
  if (iso === null) return "never";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "an unreadable time";
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  // The year only when the time is far from now (a date within about half a year reads without it).
  const year = Math.abs(d.getTime() - now.getTime()) < 180 * 86_400_000 ? "" : ` ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ""}${year}, ${hh}:${mm} UTC`;
}

/** "in 30 min", "2 h ago", "just now", "3 days ago". */
export function relativeTime(iso: string | null, now: Date = new Date()): string {
  if (iso === null) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "at an unreadable time";
  const seconds = Math.round((t - now.getTime()) / 1000);
  const future = seconds > 0;
  const abs = Math.abs(seconds);
  if (abs < 60) return future ? "in under a minute" : "just now";
  const span =
    abs < 3600
      ? `${Math.round(abs / 60)} min`
      : abs < 48 * 3600
        ? `${Math.round(abs / 3600)} h`
        : abs < 60 * 86400
          ? `${Math.round(abs / 86400)} days`
          : abs < 730 * 86400
            ? `${Math.round(abs / (30 * 86400))} months`
            : `${Math.round(abs / (365 * 86400))} years`;
  return future ? `in ${span}` : `${span} ago`;
}

/**
 * Text from users or the directory (reasons, display names, comments) shown on a card. Teams
 * renders markdown in card text, so a display name like "[Approve](https://…)" would become a link
 * that misleads an approver: every markdown character is escaped (src/cards/markdown.ts).
 */
export function plain(text: string): string {
  return escapeMarkdown(text);
}

/** "1 user", "60 users". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

/** A person's possessive: "Alice Wood's", "James'" stays "James's" (plain English, no special case). */
export function possessive(name: string): string {
  return `${name}'s`;
}

const CONFIG_NAME = "[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+";

/**
 * Text written for the log, with the configuration names it mentions taken out: "(FOUR_EYES_MIN_TARGETS)"
 * and "(MAX_PENDING_PER_REQUESTER=5)" go, "(four-eyes, FOUR_EYES_MIN_TARGETS)" keeps "(four-eyes)", and a
 * name left in a sentence becomes "the bot's configuration". Names belong in the log and the README.
 */
export function withoutConfigNames(text: string): string {
  return text
    .replace(new RegExp(`\\s*\\(${CONFIG_NAME}(?:=[^()]*)?\\)`, "g"), "")
    .replace(new RegExp(`,\\s*${CONFIG_NAME}(?:=[^,()]*)?(?=\\))`, "g"), "")
    .replace(new RegExp(`\\b${CONFIG_NAME}=\\S+`, "g"), "a configured limit")
    .replace(new RegExp(`\\b${CONFIG_NAME}\\b`, "g"), "the bot's configuration");
}
