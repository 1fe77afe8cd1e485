/**
 * Runs the Microsoft 365 Agents Playground CLI (@microsoft/m365agentsplayground) as a child process
 * and stops it again. Its own README documents no API, only the CLI, so the demo drives the CLI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DemoError } from "./demo-error.js";

export interface PlaygroundOptions {
  /** Folder holding .m365agentsplayground.yml; the Playground runs there and writes its log there. */
  workDir: string;
  configPath: string;
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages */
  botEndpoint: string;
  port: number;
  /** How long to wait for the Playground to listen. */
  startTimeoutMs?: number;
}

export interface RunningPlayground {
  /** http://localhost:<port> */
  url: string;
  /** Where the bot's replies go (the Playground's mock Bot Connector). */
  serviceUrl: string;
  logFile: string;
  /** Settles when the process has exited, whoever stopped it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the Playground wrote (its log file, then stderr), for error messages. */
  recentLog(lines?: number): string;
  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The Playground's CLI would otherwise reach out to the internet: even with --disable-telemetry it
 * starts Application Insights, whose statsbeat connects to *.in.applicationinsights.azure.com at
 * start (and a heartbeat would follow), and it opens a browser unless told not to. The demo must
 * work offline and quietly, so all of that is switched off here.
 */
const OFFLINE_ENV: Readonly<Record<string, string>> = {
  TEAMSAPPTESTER_BROWSER: "none",
  APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
  APPLICATION_INSIGHTS_NO_DIAGNOSTIC_CHANNEL: "true",
  APPLICATION_INSIGHTS_DISABLE_ALL_EXTENDED_METRICS: "true",
  APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: JSON.stringify({ enableAutoCollectHeartbeat: false, disableStatsbeat: true }),
};

/** Environment variables with which a user's shell could silently override what the demo passes. */
const OVERRIDING_ENV = [
  "TEAMSAPPTESTER_PORT",
  "M365_AGENTS_PLAYGROUND_SERVICE_URL",
  "M365_AGENTS_PLAYGROUND_CONVERSATION_ID",
  "M365_AGENTS_PLAYGROUND_TARGET_SDK",
  "TEAMS_APP_TEST_TOOL_CONFIG_PATH",
];

/** Path of the Playground's CLI in node_modules. */
export function playgroundCliPath(): string {
  return join(require.resolve("@microsoft/m365agentsplayground/package.json"), "..", "cli.js");
}

/**
 * Starts the Playground and resolves once it listens on `options.port`. Rejects (after stopping
 * it) if it exits first, picks another port, or takes too long.
 */
export async function startPlayground(options: PlaygroundOptions, parentEnv: NodeJS.ProcessEnv): Promise<RunningPlayground> {
  const logFile = join(options.workDir, "devTools", "m365agentsplayground.log");
  const serviceUrl = `http://127.0.0.1:${options.port}/_connector`;
  const env: NodeJS.ProcessEnv = { ...parentEnv, ...OFFLINE_ENV, M365_AGENTS_PLAYGROUND_CONFIG_PATH: options.configPath, M365_AGENTS_PLAYGROUND_LOGFILE: logFile };
  for (const name of OVERRIDING_ENV) delete env[name];

  const args = [
    // The Playground listens on every interface and has no option against it: keep it on loopback.
    "--import", pathToFileURL(join(__dirname, "loopback-only.mjs")).href,
    playgroundCliPath(),
    "--app-endpoint", options.botEndpoint,
    "--channel-id", "msteams",
    "--port", String(options.port),
    "--service-url", serviceUrl,
    "--disable-telemetry",
  ];
  // Deliberately in the demo's process group: a Ctrl-C in the terminal, or a kill of the group,
  // then ends the Playground too, even if the demo itself is killed too hard to clean up.
  const child = spawn(process.execPath, args, { cwd: options.workDir, env, stdio: ["ignore", "pipe", "pipe"] });

  // Its console output goes to its log file when stdout is not a terminal; stderr catches the rest
  // (e.g. a crash before logging starts).
  const stderr: string[] = [];
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.push(...chunk.toString("utf8").split(/\r?\n/).filter((l) => l.trim() !== ""));
    stderr.splice(0, Math.max(0, stderr.length - 200));
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  // If the demo exits without stopping it (an uncaught error), the Playground must not live on.
  const killOnExit = () => signal(child, "SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));

  const recentLog = (lines = 15): string => {
    const fromFile = existsSync(logFile) ? readFileSync(logFile, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "") : [];
    return [...fromFile, ...stderr].slice(-lines).join("\n");
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal(child, "SIGTERM");
      const timer = setTimeout(() => signal(child, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  try {
    const port = await listeningPort(child, exited, options.startTimeoutMs ?? 30_000);
    if (port !== options.port) {
      throw new Error(`the Playground listened on port ${port} instead of ${options.port} (the port was taken meanwhile)`);
    }
  } catch (err) {
    await stop();
    throw new DemoError(`The Agents Playground did not start: ${err instanceof Error ? err.message : String(err)}\n${recentLog()}`);
  }
  return { url: `http://localhost:${options.port}`, serviceUrl, logFile, exited, recentLog, stop };
}

/** When its stdout is not a terminal, the Playground prints exactly "Listening on <port>". */
function listeningPort(child: ChildProcess, exited: Promise<{ code: number | null }>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const match = /Listening on (\d+)/.exec(seen);
      if (match?.[1] !== undefined) {
        done();
        resolve(Number(match[1]));
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`it did not report listening within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
    };
    child.stdout?.on("data", onData);
    void exited.then(({ code }) => {
      done();
      reject(new Error(`it exited with code ${String(code)} before listening`));
    });
  });
}

/** Sends `name` to the child unless it has already exited. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
}
