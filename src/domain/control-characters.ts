/**
 * True when the text holds a control character (C0 but for newlines where allowed, DEL, C1) or a
 * bidirectional override or isolate, which could make text on a card read differently from what
 * was typed, or a Graph filter mean something else than what was asked. One rule for what both
 * front doors accept (src/requests/input-rules.ts) and what src/directory/odata.ts sends.
 */
export function hasControlCharacter(text: string, options: { allowNewline?: boolean } = {}): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0x0a && options.allowNewline === true) continue;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true;
  }
  return false;
}
