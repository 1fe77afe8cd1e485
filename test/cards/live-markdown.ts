/**
 * Finds markdown Teams would act on in text a card shows: a markdown character not escaped with a
 * backslash, or a line that starts a list, a numbered list or a heading underline. Shared by the
 * card unit tests and the e2e tests that read audit posts.
 */

const SPECIAL = new Set(["\\", "*", "_", "`", "[", "]", "(", ")", "<", ">", "#", "|", "~", "!", "{", "}"]);

/** What in text would render as markdown ("unescaped [ at 3"), or undefined when nothing would. */
export function liveMarkdown(text: string): string | undefined {
  for (const line of text.split(/\r\n|[\r\n\u2028\u2029]/)) {
    if (/^\s*([-+=]|\d+[.)])/.test(line)) return `a line starts a list or heading: ${JSON.stringify(line)}`;
    const chars = [...line];
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i] ?? "";
      if (ch === "\\") {
        i++;
        continue;
      }
      if (SPECIAL.has(ch)) return `unescaped ${ch} at ${i} of ${JSON.stringify(line)}`;
    }
  }
  return undefined;
}

/** Every string a rendered card shows (TextBlock texts, fact titles and values), with where it is. */
export function shownTexts(card: unknown, at = "$"): Array<{ at: string; text: string }> {
  if (Array.isArray(card)) return card.flatMap((item, i) => shownTexts(item, `${at}[${i}]`));
  if (typeof card !== "object" || card === null) return [];
  const out: Array<{ at: string; text: string }> = [];
  for (const [key, value] of Object.entries(card)) {
    if (typeof value === "string" && (key === "text" || key === "value" || (key === "title" && at.includes("facts")))) out.push({ at: `${at}.${key}`, text: value });
    else if (typeof value === "object") out.push(...shownTexts(value, `${at}.${key}`));
  }
  return out;
}
