/**
 * The demo bot's logger: everything goes to a file, and only warnings and errors reach the
 * terminal, as short lines, so the instructions printed at start stay readable.
 */
import pino, { type DestinationStream, type Level, type Logger } from "pino";

const LEVEL_NAMES: Readonly<Record<number, string>> = { 40: "warning", 50: "error", 60: "fatal" };

/** Turns pino's JSON lines into `bot warning: message (error message)` on stderr. */
function terminalStream(): DestinationStream {
  return {
    write(line: string) {
      let entry: { level?: number; msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        // Not JSON (should not happen with pino): show it as it is rather than lose it.
        process.stderr.write(line);
        return;
      }
      const level = LEVEL_NAMES[entry.level ?? 0] ?? "log";
      const cause = entry.err?.message === undefined ? "" : ` (${entry.err.message})`;
      process.stderr.write(`bot ${level}: ${entry.msg ?? ""}${cause}\n`);
    },
  };
}

/** A pino logger writing `level` and above to `file`, and warnings and above to the terminal. */
export function createDemoLogger(level: Level | "silent", file: string): Logger {
  return pino(
    {
      level,
      // The same redaction as the bot's own default logger: no secret reaches a log.
      redact: { paths: ["req.headers.authorization", "*.clientSecret", "*.password", "headers.authorization"], censor: "***" },
    },
    pino.multistream([
      { level: level === "silent" ? "fatal" : level, stream: pino.destination({ dest: file, mkdir: true, sync: true }) },
      { level: "warn", stream: terminalStream() },
    ]),
  );
}
