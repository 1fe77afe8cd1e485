/**
 * The zod fields environment variables are parsed with: each one trims, applies its default and
 * says what to set instead when the value is wrong.
 */
import { z } from "zod";

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const UPN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The values a shape of fields parses to. */
export type Parsed<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;

export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

export const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );

/** true/false/1/0/yes/no; empty or unset gives `fallback`. */
export function booleanWithDefault(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const s = v.trim().toLowerCase();
      if (s === "true" || s === "1" || s === "yes") return true;
      if (s === "false" || s === "0" || s === "no") return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });
}

export const booleanFlag = booleanWithDefault(false);

/** A whole number from `min` to `max` in `v`; otherwise an issue on `ctx` and z.NEVER. */
function wholeNumberIn(v: string, min: number, max: number, ctx: z.RefinementCtx): number {
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a whole number from ${min} to ${max}, got "${v}"` });
    return z.NEVER;
  }
  return n;
}

export function integer(name: string, fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? fallback : wholeNumberIn(v, min, max, ctx)))
    .describe(name);
}

/** Like integer(), with no default: unset or empty is undefined (the feature is off). */
export function optionalInteger(name: string, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? undefined : wholeNumberIn(v, min, max, ctx)))
    .describe(name);
}

/** The https:// URL in `raw`, without trailing slashes; otherwise an issue on `ctx` and z.NEVER. */
function checkedHttpsUrl(raw: string, ctx: z.RefinementCtx): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected an https:// URL, got "${raw}"` });
    return z.NEVER;
  }
  if (url.protocol !== "https:") {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must use https:// (Microsoft Graph, @azure/identity and the Bot Connector require it), got "${raw}"` });
    return z.NEVER;
  }
  return raw.replace(/\/+$/, "");
}

/** An https:// URL, `fallback` when unset. */
export function httpsUrl(fallback: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => checkedHttpsUrl(v === undefined || v.trim() === "" ? fallback : v.trim(), ctx));
}

/** An optional https:// URL (undefined when unset). */
export function optionalHttpsUrl() {
  return z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? undefined : checkedHttpsUrl(v.trim(), ctx)));
}

/** A string, `fallback` when unset or blank. */
export function stringOr(fallback: string) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? fallback : v.trim()));
}
