/** How the job runner paces, retries, verifies and leases (the composition root sets them from the configuration). */
export interface JobRunnerOptions {
  /** Waits before each read-back of signInSessionsValidFromDateTime (Entra is eventually consistent). */
  verifyDelaysMs: readonly number[];
  /** Waits before retrying a throttled or failed Graph call, beyond the Graph client's own retries. */
  retryDelaysMs: readonly number[];
  /** How far the directory's clock may be behind ours when judging a read-back. */
  clockSkewMs: number;
  /** A job's lease; renewed every third of it. A dead runner's job is resumed once it runs out. */
  leaseMs: number;
  /** How often this process looks for jobs nobody holds (left by a crash or another replica). */
  pollMs: number;
  /** Batches (of up to 20 targets) of one job in flight at once. */
  concurrency: number;
  /** Graph's write quota for this app in this tenant: writes per window. */
  writeQuota: number;
  /** The quota's window, ms. */
  writeWindowMs: number;
  /** Jobs this process runs at once. */
  maxJobs: number;
}

export const DEFAULT_JOB_OPTIONS: JobRunnerOptions = {
  verifyDelaysMs: [500, 1500, 3000, 6000],
  retryDelaysMs: [2000, 5000, 15000],
  clockSkewMs: 5 * 60_000,
  leaseMs: 30_000,
  pollMs: 5000,
  concurrency: 4,
  maxJobs: 4,
  writeQuota: 3000,
  writeWindowMs: 150_000,
};
