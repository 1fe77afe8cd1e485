/**
 * The demo bot's logger: everything goes to a file; the terminal gets one short line per audit
 * entry (so you can watch what the bot records while you click) and per warning or error, so the
 * instructions printed at start stay readable.
 */
import pino, { type DestinationStream, type Level, type Logger } from "pino";

const LEVEL_NAMES: Readonly<Record<number, string>> = { 40: "warning", 50: "error", 60: "fatal" };
const WARN = 40;

interface LogLine {
  level?: number;
  msg?: string;
  path?: string;
  err?: { code?: string; message?: string };
  /** What the bot answered a refused card click (the Playground does not show it; Teams does). */
  clickAnswer?: string;
  /** An audit entry the bot logged; its actor is null for the bot's own steps. */
  audit?: { seq?: number; action?: string; requestId?: string | null; actor?: { name?: string } | null };
}

/** The one line the terminal shows for a log entry, or undefined to show nothing. */
function terminalLine(entry: LogLine): string | undefined {
  const { audit } = entry;
  if (audit?.action !== undefined) {
    const request = audit.requestId ? ` ${audit.requestId}` : "";
    return `audit #${audit.seq ?? "?"} ${audit.action}${request} by ${audit.actor?.name ?? "the bot"}`;
  }
  if (entry.clickAnswer !== undefined) return `click answered (Teams shows this under the card; the Playground does not): ${entry.clickAnswer}`;
  if ((entry.level ?? 0) < WARN) return undefined;
  // The Playground probes the endpoint with HEAD each time its page loads; restify's 405 answer is
  // logged as a warning, which would otherwise greet every page load with a scary line.
  if (entry.err?.code === "MethodNotAllowed" && entry.path === "/api/messages") return undefined;
  const cause = entry.err?.message === undefined ? "" : ` (${entry.err.message})`;
  return `bot ${LEVEL_NAMES[entry.level ?? WARN] ?? "log"}: ${entry.msg ?? ""}${cause}`;
}

function terminalStream(): DestinationStream {
  return {
    write(line: string) {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        // Not JSON (pino always writes JSON): show it as it is rather than lose it.
        process.stderr.write(line);
        return;
      }
      const text = terminalLine(entry);
      if (text === undefined) return;
      // Audit lines are the demo's normal output; warnings and errors are diagnostics.
      (entry.audit === undefined && entry.clickAnswer === undefined ? process.stderr : process.stdout).write(`${text}\n`);
    },
  };
}

/** A pino logger writing `level` and above to `file`, and audit entries and warnings to the terminal. */
export function createDemoLogger(level: Level | "silent", file: string): Logger {
  return pino(
    {
      level,
      // The same redaction as the bot's own default logger: no secret reaches a log.
      redact: { paths: ["req.headers.authorization", "*.clientSecret", "*.password", "headers.authorization"], censor: "***" },
    },
    pino.multistream([
      { level: level === "silent" ? "fatal" : level, stream: pino.destination({ dest: file, mkdir: true, sync: true }) },
      { level: "info", stream: terminalStream() },
    ]),
  );
}
