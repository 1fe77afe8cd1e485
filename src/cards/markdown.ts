/**
 * Teams renders markdown in chat text and in Adaptive Card TextBlocks and FactSets, so text a
 * person or the directory controls (display names, reasons, department names, comments) could
 * otherwise become a link ("[Approve](https://evil)"), a heading, a table, an image or emphasis
 * that changes what an approver reads. Every such value is escaped before it is shown.
 */

/** The characters markdown gives a meaning to, each escaped with a backslash. */
const SPECIAL = new Set(["\\", "*", "_", "`", "[", "]", "(", ")", "<", ">", "#", "|", "~", "!", "{", "}"]);

/**
 * The text with every markdown character backslash-escaped and line breaks turned into spaces (a
 * line break would let the text start a heading or a list of its own). Linear in the text's length.
 */
export function escapeMarkdown(text: string): string {
  let out = "";
  for (const ch of text) {
    if (ch === "\r" || ch === "\n" || ch === "\u2028" || ch === "\u2029") out += " ";
    else if (SPECIAL.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}


/** A line break in any of the forms Teams reads as one. */
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/;

/**
 * Text the bot laid out over several lines (a list of users behind Details), each line escaped as
 * escapeMarkdown does and kept on its own line. A line cannot start a list, a numbered list or a
 * heading underline either: a leading "-", "+", "=" or "1." is escaped too. Outside values are
 * kept to one line before they reach such text (src/cards/audit-card.ts), so a value cannot add a
 * line of its own that reads like one the bot wrote.
 */
export function escapeMarkdownLines(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((line) => escapeMarkdown(line).replace(/^(\s*)([-+=])/, "$1\\$2").replace(/^(\s*\d+)([.)])/, "$1\\$2"))
    .join("\n");
}
