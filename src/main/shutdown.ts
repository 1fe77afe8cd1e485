/** How a running bot stops: no new requests, running work finished (bounded), then everything closed in order. */
import type { Auditor } from "../audit/auditor.js";
import type { JobRunner } from "../revocation/job-runner.js";
import type { OpenDatabase } from "../store/database.js";
import type { WatchRunner } from "../watch/watch-runner.js";

export interface Running {
  sweep: NodeJS.Timeout;
  server: { close(): unknown };
  jobs: JobRunner;
  watches: WatchRunner;
  auditor: Auditor;
  telemetry: { shutdown(): Promise<void> } | undefined;
  database: OpenDatabase;
  restoreConsole: () => void;
}

/** RunningBot.close: stops taking requests, lets running jobs finish (bounded), and closes. */
export function shutdownOf({ sweep, server, jobs, watches, auditor, telemetry, database, restoreConsole }: Running): () => Promise<void> {
  return async () => {
    clearInterval(sweep);
    server.close();
    // Jobs finish the targets in flight and hand their lease back; the rest resumes on the next
    // runner. Bounded, because a hung Graph call must not hold the process forever.
    await Promise.race([Promise.all([jobs.stop(), watches.close()]), new Promise((resolve) => setTimeout(resolve, 25_000).unref())]);
    await Promise.race([auditor.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    auditor.stop();
    await telemetry?.shutdown();
    await database.close();
    restoreConsole();
  };
}
