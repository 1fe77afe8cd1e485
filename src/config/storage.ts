/** Where the bot keeps its state: the database URL, how its password is obtained, how many instances share it. */
import { z } from "zod";
import { ConfigError } from "./config-error.js";
import { integer, type Parsed } from "./fields.js";

export const storageVariables = {
  DATABASE_AUTH: z
    .string()
    .optional()
    .transform((v, ctx): "password" | "entra" => {
      const s = (v ?? "").trim().toLowerCase();
      if (s === "" || s === "password") return "password";
      if (s === "entra") return "entra";
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected password or entra, got "${v}"` });
      return z.NEVER;
    }),
  INSTANCE_COUNT: integer("INSTANCE_COUNT", 1, 1, 30),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v === undefined || v.trim() === "" ? "sqlite:./data/revoke-bot.db" : v.trim();
      if (!/^sqlite:.+/.test(raw) && !/^postgres(ql)?:\/\/.+/.test(raw)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected sqlite:<path> or postgres://user@host/db, got "${redactUrl(raw)}"`,
        });
        return z.NEVER;
      }
      return raw;
    }),
};

/**
 * A connection URL as it may be logged or shown: scheme, user, host, port and path only. The
 * password and the whole query (password=, sslpassword=, sslkey=, …) are left out. The URL is
 * parsed rather than pattern-matched, so a password holding "@", ":", "/" or "?" cannot leak;
 * what does not parse is not shown at all.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    return scheme === undefined ? "(a value that is not a URL)" : `${scheme}: URL that cannot be parsed (not shown)`;
  }
  if (parsed.protocol === "sqlite:") return url.includes("?") ? `sqlite:${url.slice("sqlite:".length, url.indexOf("?"))}` : url;
  const user = parsed.username === "" ? "" : `${parsed.username}@`;
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
}

/**
 * DATABASE_URL in `env` alone (readDatabaseUrl in config.ts).
 * @throws ConfigError when it is malformed
 */
export function databaseUrlIn(env: Record<string, string | undefined>): string {
  const result = storageVariables.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `DATABASE_URL: ${i.message}`));
  return result.data;
}

/** SQLite with several instances, or Entra passwords without PostgreSQL or with a password in the URL; problems are added to `problems`. */
export function checkStorage(e: Parsed<typeof storageVariables>, problems: string[]): void {
  const sqlite = e.DATABASE_URL?.startsWith("sqlite:") === true;
  if (sqlite && e.INSTANCE_COUNT > 1) {
    problems.push(
      `DATABASE_URL: SQLite is one file on one machine, but INSTANCE_COUNT=${e.INSTANCE_COUNT}; set DATABASE_URL to a PostgreSQL server (postgres://…) to run more than one instance`,
    );
  }
  if (e.DATABASE_AUTH === "entra") {
    if (e.DATABASE_URL === undefined || sqlite) {
      problems.push("DATABASE_AUTH: entra needs a PostgreSQL DATABASE_URL (postgres://<identity name>@<server>.postgres.database.azure.com/<db>?sslmode=require)");
    } else if (hasPassword(e.DATABASE_URL)) {
      problems.push("DATABASE_URL: holds a password, but DATABASE_AUTH=entra takes the password from Entra; remove it from the URL");
    }
  }
}

/** The folder of the SQLite database (./data for PostgreSQL). */
export function dataDirOf(databaseUrl: string): string {
  const sqlitePath = /^sqlite:(.+)$/.exec(databaseUrl)?.[1];
  return sqlitePath === undefined ? "./data" : dirnameOf(sqlitePath);
}

function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== "" || parsed.searchParams.has("password");
  } catch {
    return false;
  }
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}
