/**
 * The production build started as `npm start` starts it, for the test of telemetry in the build
 * (test/structure/telemetry-build.spec.ts) and `npm run bench:startup` (scripts/bench-startup.ts):
 * one place that knows which settings let the bot answer /healthz without Graph or Teams.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/**
 * The least a built bot needs to start and answer /healthz: inbound auth off, made-up tenant and
 * app IDs (it calls neither Graph nor Teams before then), a SQLite database in `dataDir`.
 */
export function builtBotEnv(port: number, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    PORT: String(port),
    ALLOW_UNAUTHENTICATED: "true",
    REVOKER_GROUP_IDS: "20000000-0000-4000-8000-000000000001",
    APPROVER_GROUP_IDS: "20000000-0000-4000-8000-000000000002",
    AZURE_TENANT_ID: "00000000-0000-4000-8000-0000000000aa",
    AZURE_CLIENT_ID: "00000000-0000-4000-8000-0000000000bb",
    AZURE_CLIENT_SECRET: "not-used-before-healthz",
    DATABASE_URL: `sqlite:${join(dataDir, "bot.db")}`,
    LOG_LEVEL: "warn",
  };
}

export interface BuiltBotOptions {
  /** The bundle to run (dist/index.js, or a test's own build of it). */
  entry: string;
  /** Node's flags before the entry (`npm start`'s V8 flags, a preloaded probe). */
  nodeArgs: string[];
  /** Where the bot's SQLite database goes. */
  dataDir: string;
  /** Settings added to (or replacing) builtBotEnv's. */
  env?: Record<string, string>;
  /** How often /healthz is asked while the bot starts (a benchmark asks often, to time the start). */
  pollMs?: number;
  /** How long the bot may take to answer /healthz. */
  timeoutMs?: number;
}

export interface BuiltBot {
  child: ChildProcess;
  port: number;
  /** Milliseconds from spawning the process to its first 200 on /healthz. */
  startMs: number;
  /** What the bot has written to stdout and stderr so far. */
  output(): string;
  /** Kills the process (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Spawns the built bot on a free port and resolves once /healthz answers 200; fails if it exits or takes too long. */
export async function startBuiltBot(options: BuiltBotOptions): Promise<BuiltBot> {
  const port = await freePort();
  const env = { ...builtBotEnv(port, options.dataDir), ...options.env };
  const started = performance.now();
  const child = spawn(process.execPath, [...options.nodeArgs, options.entry], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
    child.kill("SIGKILL");
    await exited;
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the built bot exited with ${child.exitCode}: ${output}`);
      if (performance.now() - started > timeoutMs) throw new Error(`no answer on /healthz within ${timeoutMs / 1000} s: ${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, port, startMs: performance.now() - started, output: () => output, stop };
}
