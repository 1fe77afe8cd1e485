import { spawn, type ChildProcess } from "node:child_process";

/** A Node.js child process the tests started, with everything it printed. */
export interface NodeProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output: () => string;
  /** The exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The signal that ended it, or null when it exited on its own; resolves at exit. */
  exitSignal: Promise<NodeJS.Signals | null>;
  /** True once the process has exited. */
  hasExited: () => boolean;
  /** Sends the signal (default SIGKILL) unless the process is gone, and waits for the exit. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Runs `node --import tsx <args>` with only what a real deployment would have in its environment:
 * PATH, the CA trust for the simulator (NODE_EXTRA_CA_CERTS), and the given variables.
 */
export function startNodeProcess(args: readonly string[], env: Record<string, string>): NodeProcess {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { PATH: process.env.PATH ?? "", NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  let done = false;
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => output,
    exited: ended.then((e) => e.code),
    exitSignal: ended.then((e) => e.signal),
    hasExited: () => done,
    kill: async (signal = "SIGKILL") => {
      if (!done) child.kill(signal);
      await ended;
    },
  };
}

/** Starts src/index.ts as its own process, as `npm start` does (minus the build). */
export function startBotProcess(env: Record<string, string>): NodeProcess {
  return startNodeProcess(["src/index.ts"], env);
}

/** Waits for the bot's "listening" log line and returns its port; fails with the output if it exits or takes too long. */
export async function waitForPort(started: NodeProcess, timeoutMs = 45_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const match = /"port":(\d+)/.exec(started.output());
    if (match?.[1] !== undefined) return Number(match[1]);
    if (started.hasExited()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the bot did not start:\n${started.output()}`);
}

/** SIGKILLs every process still running (for after/afterEach hooks, where a test may have failed half-way). */
export async function killAll(processes: readonly NodeProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.kill("SIGKILL")));
}
