/**
 * The names of the bot's metrics (OpenTelemetry; Azure Monitor stores them in customMetrics under
 * these names, Prometheus with dots as underscores). The alert rules in infra/azure.json name them,
 * and a test checks that they exist here.
 */
export const METRIC_NAMES = {
  requests: "revoke_bot.requests",
  revocations: "revoke_bot.revocations",
  refusals: "revoke_bot.refusals",
  jobsCompleted: "revoke_bot.jobs.completed",
  jobsFailed: "revoke_bot.jobs.failed",
  /** Gauge: unfinished jobs whose lease ran out (no runner is working on them). */
  jobsStalled: "revoke_bot.jobs.stalled",
  /** Gauge: unfinished jobs. */
  jobsQueued: "revoke_bot.jobs.queued",
  /** Gauge: age of the oldest unfinished job. */
  jobsOldestAge: "revoke_bot.jobs.oldest_age",
  watchAlarms: "revoke_bot.watch.alarms",
  watchSignIns: "revoke_bot.watch.signins",
  watchSweeps: "revoke_bot.watch.sweeps",
  graphCalls: "revoke_bot.graph.calls",
  graphThrottled: "revoke_bot.graph.throttled",
  pacerWait: "revoke_bot.pacer.wait",
  apiCalls: "revoke_bot.api.calls",
  turnDuration: "revoke_bot.turn.duration",
  /** Gauge: audit posts waiting for Teams. */
  outboxWaiting: "revoke_bot.outbox.waiting",
  /** Counter: audit posts set aside after Teams refused their content (400, 413). */
  outboxSetAside: "revoke_bot.outbox.set_aside",
  /** Gauge: audit posts set aside and still held in the outbox. */
  outboxSetAsideHeld: "revoke_bot.outbox.set_aside_held",
  /** Gauge: 1 while the audit destination is unreachable (the outbox holds its queue). */
  outboxBlocked: "revoke_bot.outbox.blocked",
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** The attribute of revoke_bot.api.calls holding the HTTP status. */
export const API_STATUS_ATTRIBUTE = "http.response.status_code";

/** The attribute of revoke_bot.graph.throttled naming the limit. */
export const THROTTLE_LIMIT_ATTRIBUTE = "limit";
