/**
 * What every command family's parser shares: the words of a message (quoted or not), options,
 * errors with an example, and typed text clipped for a reply.
 */
import { escapeMarkdown } from "../../../cards/markdown.js";
import type { ParseError } from "./command.js";

export const USER_EXAMPLE = 'revoke user alice@contoso.com --reason "phished"';
export const DEPARTMENT_EXAMPLE = 'revoke department "Research & Development" --reason "phishing wave"';
export const DISABLED_EXAMPLE = 'revoke disabled --reason "leaver clean-up"';
export const IP_EXAMPLE = 'revoke ip 203.0.113.50 --since 24h --reason "password spray"';

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
export interface Token {
  text: string;
  quoted: boolean;
}

/** Splits on spaces, keeping "double-quoted strings" whole. */
export function tokenize(text: string): Token[] | ParseError {
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

export function error(message: string, hint: string): ParseError {
  return { kind: "error", message, hint };
}

// An option: two hyphens and a letter, or a dash a chat client may have made of the two hyphens.
// A dash standing alone ("Research – Development") is part of a name, not an option.
export const OPTION_LIKE = /^(?:--|[\u2013\u2014])[A-Za-z]/;
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isOption(token: Token): boolean {
  return !token.quoted && OPTION_LIKE.test(token.text);
}

export function dedupe(items: string[]): string[] {
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
export function clip(text: string): string {
  return escapeMarkdown(text.length > 60 ? `${text.slice(0, 57)}…` : text);
}
