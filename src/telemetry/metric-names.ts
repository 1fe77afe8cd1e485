/**
 * The names of the custom metrics the bot emits (OpenTelemetry instrument names; Azure Monitor
 * stores them in Application Insights' customMetrics table under these names). The alert rules of
 * infra/azure.json query them, and test/infra/template.spec.ts checks that each rule names one of
 * these: renaming a metric here without its alert fails that test.
 */
export const METRIC_NAMES = {
  /** Gauge: 1 while the audit destination (the Teams audit channel) refuses posts, else 0. */
  outboxBlocked: "revoke_bot.outbox.blocked",
  /** Counter: audit posts set aside after Teams refused them permanently. */
  outboxSetAside: "revoke_bot.outbox.set_aside",
  /** Counter: revocation jobs that ended in failure. */
  jobsFailed: "revoke_bot.jobs.failed",
  /** Gauge: jobs whose lease expired without progress. */
  jobsStalled: "revoke_bot.jobs.stalled",
  /** Counter: sign-ins seen from a revoked user during the watch (an ALARM). */
  watchAlarms: "revoke_bot.watch.alarms",
  /** Counter: automation API calls, attribute `http.response.status_code`. */
  apiCalls: "revoke_bot.api.calls",
  /** Counter: Graph answers 429, attribute `limit` (which limit bound). */
  graphThrottled: "revoke_bot.graph.throttled",
} as const;

/** The attribute of revoke_bot.api.calls holding the HTTP status. */
export const API_STATUS_ATTRIBUTE = "http.response.status_code";

/** The attribute of revoke_bot.graph.throttled naming the limit. */
export const THROTTLE_LIMIT_ATTRIBUTE = "limit";
