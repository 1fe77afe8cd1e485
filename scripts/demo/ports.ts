/**
 * Port checks before anything starts: the bot would fail late with EADDRINUSE, and the Playground
 * would silently move to a random port while the printed instructions still say 56150.
 */
import { createServer } from "node:net";
import { DemoError } from "./demo-error.js";

/** Resolves if `port` can be bound on `host` (all interfaces when undefined), else rejects with `hint`. */
export function assertPortFree(port: number, host: string | undefined, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" || err.code === "EACCES" ? new DemoError(hint) : err);
    });
    probe.listen({ port, host, exclusive: true }, () => {
      probe.close(() => resolve());
    });
  });
}
