/**
 * `npm run demo` as a child process for the browser test: started in its own process group (so a
 * SIGINT to the group is what a Ctrl-C in a terminal is), its output collected for assertions and
 * failure messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface DemoExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DemoProcess {
  /** Everything the demo wrote to stdout and stderr so far. */
  output(): string;
  /** Settles when the demo's first phase has exited. */
  exited: Promise<DemoExit>;
  /** Sends `signal` to the demo's whole process group, like a terminal's Ctrl-C (SIGINT). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Cleanup after a failure: SIGINT to the group, then SIGKILL if it has not exited within
   * `graceMs` (a SIGKILL would leave the demo's temporary certificate folder behind).
   */
  dispose(graceMs?: number): Promise<void>;
}

/** Starts `node --import tsx scripts/demo.ts` (what `npm run demo` runs) with CI=true. */
export function startDemo(): DemoProcess {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: "true" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<DemoExit>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
  });

  const running = () => child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || !running()) return;
    try {
      process.kill(-child.pid, signal);
    } catch (err) {
      // ESRCH: the group has already gone, which is all the caller wanted.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  };
  const dispose = async (graceMs = 15_000) => {
    if (!running()) return;
    signalGroup("SIGINT");
    const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { output: () => output, exited, signal: signalGroup, dispose };
}

/**
 * Polls `url` until it answers with `expectedStatus`; fails early (with the demo's output) if the
 * demo exits first, and after `timeoutMs` otherwise.
 */
export async function waitForUrl(url: string, demo: DemoProcess, timeoutMs: number, expectedStatus = 200): Promise<void> {
  let exit: DemoExit | undefined;
  void demo.exited.then((e) => (exit = e));
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(`npm run demo exited (${JSON.stringify(exit)}) before ${url} answered. Its output:\n${demo.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === expectedStatus) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer ${expectedStatus} within ${timeoutMs / 1000} s (last: ${last}). Demo output:\n${demo.output()}`);
}

/**
 * True if something accepts TCP connections at `url`'s host and port (used to check that the
 * demo stopped everything; TCP, because the test process does not trust the simulator's TLS).
 */
export function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolveCheck) => {
    const socket = connect({ host: hostname === "localhost" ? "127.0.0.1" : hostname, port: Number(port || (protocol === "https:" ? 443 : 80)) });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolveCheck(true);
    });
    socket.once("error", () => resolveCheck(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolveCheck(false);
    });
  });
}

/** Resolves with `promise`, or rejects with `message` after `ms`. */
export async function within<T>(ms: number, message: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until a listening socket could be bound on the port. The Playground's fixed port 56150
 * lies in Linux's ephemeral range, so an outgoing connection made by an earlier test (to
 * PostgreSQL, say) can hold it in TIME_WAIT for up to a minute; that is the machine, not the demo.
 */
export async function waitForPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} stayed in use for ${timeoutMs / 1000} s; is a demo still running?`);
    if (!told) {
      told = true;
      process.stdout.write(`  (port ${port} is in use, e.g. an earlier connection in TIME_WAIT; waiting for it)\n`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
