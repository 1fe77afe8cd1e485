/** What startBot takes besides the configuration, and what it answers. */
import type { Logger } from "pino";
import type { JobRunnerOptions } from "../revocation/job-runner.js";
import type { WatchRunnerOptions } from "../watch/watch-runner.js";

export interface StartOptions {
  logger?: Logger;
  /** Overrides for the job runner's waits (tests make them short). */
  jobOptions?: Partial<JobRunnerOptions>;
  /** Overrides for the sign-in watch's pace (tests and the demo make sweeps frequent). */
  watchOptions?: Partial<WatchRunnerOptions>;
  /** Minimum spacing of progress edits to one card. */
  cardUpdateIntervalMs?: number;
  /** How often pending requests are checked for expiry. */
  expirySweepMs?: number;
  /** Pending requests the expiry sweep reads per page. */
  expirySweepPageSize?: number;
  /** How often undelivered audit posts are looked for. */
  outboxPollMs?: number;
  /** The clock requests are created and expired by (tests move it forward). */
  now?: () => Date;
  /** Interface to listen on; default all with inbound auth on, 127.0.0.1 (and only loopback) with it off. */
  host?: string;
  /** Tests only: where emulator tokens' keys come from (see ChannelAuthOptions). */
  emulatorOpenIdMetadataUrl?: string;
  /**
   * Send what libraries write to the console into the log, clipped and rate-limited
   * (routeConsoleToLog). The process entry and the demo do; in-process tests leave the console alone.
   */
  routeConsole?: boolean;
  /** Least time between two reads of Entra's keys on an unknown key ID (automation API); default 60 s. */
  apiKeyRefreshMs?: number;
  /** Tests only: how long an idempotency claim lasts without a refresh before another call may take it over; default 120 s. */
  apiIdempotencyStaleMs?: number;
  /** How often metrics go to Azure Monitor (default 60 s; tests shorten it). */
  telemetryExportIntervalMs?: number;
}

export interface RunningBot {
  port: number;
  url: string;
  /** Waits until started revocation jobs and audit deliveries are done (tests). */
  idle(): Promise<void>;
  /** Stops taking requests, lets running jobs finish (bounded), and closes. */
  close(): Promise<void>;
  /** The Prometheus endpoint, when METRICS_PORT is set. */
  metricsUrl?: string;
}
