import type { Logger } from "pino";
import type { JobQueue } from "./request-store.js";

/**
 * Renews a job's lease every third of its length. `lost` turns true when the lease was taken over
 * (or could not be renewed before it ran out), and the runner then stops taking targets.
 */
export class LeaseKeeper {
  lost = false;
  private readonly timer: NodeJS.Timeout;
  private expiresAt: number;

  constructor(
    private readonly jobs: JobQueue,
    private readonly requestId: string,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.expiresAt = Date.now() + leaseMs;
    this.timer = setInterval(() => void this.renew(), Math.max(Math.floor(leaseMs / 3), 100));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const attemptedAt = Date.now();
    try {
      if (await this.jobs.renew(this.requestId, this.owner, this.leaseMs)) {
        this.expiresAt = attemptedAt + this.leaseMs;
      } else {
        this.lost = true;
      }
    } catch (err) {
      this.logger.warn({ err, requestId: this.requestId }, "lease renewal failed; retrying");
      if (Date.now() >= this.expiresAt) this.lost = true;
    }
  }
}
