import { formatWithOptions } from "node:util";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { clipString, clipValue, LOG_CLIP } from "./audit/clip.js";

/** Fields that may hold a secret; pino writes "***" instead. */
const REDACTED = [
  "req.headers.authorization",
  "headers.authorization",
  "*.clientSecret",
  "*.password",
  "*.auditKey",
  "auditKey",
  "*.authorization",
];

/**
 * The bot's pino options: secrets redacted, and every logged value clipped (strings to 1,000
 * characters with a marker, arrays and objects bounded), so a display name, reason or Graph
 * error body a user controls cannot blow a log line up or hide what follows it.
 */
export function loggerOptions(level: string): LoggerOptions {
  // Errors and other class instances are left to their serializers (err is clipped below).
  const keepInstances = (v: object): boolean => v instanceof Error;
  return {
    level,
    redact: { paths: REDACTED, censor: "***" },
    serializers: {
      // The standard serializer returns an object with its own prototype: copied to a plain one to be clipped.
      err: (err: Error) => clipValue({ ...pino.stdSerializers.err(err) }, LOG_CLIP),
    },
    formatters: {
      log: (fields) => clipValue(fields, LOG_CLIP, keepInstances) as Record<string, unknown>,
    },
    hooks: {
      // The message itself (a format string and its arguments) is clipped too.
      logMethod(args, method) {
        const clipped = args.map((a: unknown) => (typeof a === "string" ? clipString(a, LOG_CLIP.maxString) : a)) as Parameters<typeof method>;
        method.apply(this, clipped);
      },
    },
  };
}

/** The bot's logger (tests pass a destination to read what it writes). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination);
}

/** What `routeConsoleToLog` writes at most per minute before it counts instead. */
export const CONSOLE_LINES_PER_MINUTE = 20;

/**
 * Sends what libraries write with console.error, console.warn and console.log into the bot's log
 * as warnings (source "console"), clipped like every log value, and at most `perMinute` lines a
 * minute: the rest are counted and the count is logged with the next line let through. botbuilder,
 * for one, prints the channel's signing keys with console.error for every token that fails its
 * signature check, so without this anyone on the internet could fill the bot's stderr at will.
 * @returns a function that puts the console back as it was
 */
export function routeConsoleToLog(logger: Logger, perMinute = CONSOLE_LINES_PER_MINUTE, now: () => number = Date.now): () => void {
  const saved = { error: console.error, warn: console.warn, log: console.log };
  let windowStart = now();
  let written = 0;
  let suppressed = 0;
  const write = (method: keyof typeof saved) => (...args: unknown[]) => {
    const at = now();
    if (at - windowStart >= 60_000) {
      windowStart = at;
      written = 0;
    }
    if (written >= perMinute) {
      suppressed++;
      return;
    }
    written++;
    const fields = suppressed > 0 ? { source: "console", method, suppressedBefore: suppressed } : { source: "console", method };
    suppressed = 0;
    logger.warn(fields, formatWithOptions({ depth: 2, breakLength: Infinity }, ...args));
  };
  console.error = write("error");
  console.warn = write("warn");
  console.log = write("log");
  return () => {
    console.error = saved.error;
    console.warn = saved.warn;
    console.log = saved.log;
  };
}
