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

