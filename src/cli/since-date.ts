import { UsageError } from "./command-line.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const EXAMPLES = "an ISO date such as 2026-11-01 (midnight UTC) or a date-time with a zone such as 2026-11-01T09:30:00Z";

/**
 * Parses --since: an ISO date (midnight UTC) or an ISO date-time with Z or an offset. Returns the
 * instant in the form the log stores (toISOString), so it compares correctly as text.
 * A date-time without a zone is refused rather than read as local time: an export that silently
 * depends on the machine's time zone could leave entries out.
 * @throws UsageError naming the value and what to type instead
 */
export function parseSince(text: string): string {
  const value = text.trim();
  const date = DATE.exec(value);
  if (date !== null) return instant(text, Number(date[1]), Number(date[2]), Number(date[3]), 0, 0, 0, 0, 0);
  const dateTime = DATE_TIME.exec(value);
  if (dateTime === null) throw new UsageError(`--since "${text}" is not a date: use ${EXAMPLES}`);
  const [, y, mo, d, h, mi, s, fraction, zone] = dateTime;
  if (zone === undefined) {
    throw new UsageError(`--since "${text}" has no time zone: add Z for UTC (e.g. ${value}Z) or an offset such as +01:00`);
  }
  // Stored times have millisecond precision; rounding a finer fraction up keeps "at or after".
  const ms = fraction === undefined ? 0 : Math.ceil(Number(`0.${fraction}`) * 1000);
  return instant(text, Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? "0"), ms, offsetMinutes(text, zone));
}

function offsetMinutes(text: string, zone: string): number {
  if (zone.toUpperCase() === "Z") return 0;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) throw new UsageError(`--since "${text}" has an impossible offset ${zone}: use ${EXAMPLES}`);
  return (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}

function instant(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offset: number): string {
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2026-02-30 over to March; a date that does not survive the round trip is not real.
  const real =
    utc.getUTCFullYear() === y && utc.getUTCMonth() === mo - 1 && utc.getUTCDate() === d && utc.getUTCHours() === h && utc.getUTCMinutes() === mi && utc.getUTCSeconds() === s;
  if (!real) throw new UsageError(`--since "${text}" is not a real date or time: use ${EXAMPLES}`);
  return new Date(utc.getTime() + ms - offset * 60_000).toISOString();
}
