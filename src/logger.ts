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
