/** Cells a spreadsheet would run as a formula (or that hide one behind a tab or carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field: RFC 4180 quoting (quotes doubled; quoted when it holds a comma, quote or line
 * break). A field that a spreadsheet would take for a formula gets a leading `'`, so opening an
 * export cannot run a formula an attacker put into, say, a display name or a request reason.
 */
export function csvField(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** One CSV record, CRLF-terminated as RFC 4180 specifies; null becomes an empty field. */
export function csvRecord(fields: readonly (string | number | null)[]): string {
  return `${fields.map((f) => csvField(f === null ? "" : String(f))).join(",")}\r\n`;
}
