/**
 * The names of the bot's metrics (OpenTelemetry; Azure Monitor stores them in customMetrics under
 * these names, Prometheus with dots as underscores). The alert rules in infra/azure.json name them,
 * and a test checks that they exist here.
 */
export const MetricNames = {
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
  /** Gauge: audit posts set aside. */
  outboxSetAside: "revoke_bot.outbox.set_aside",
  /** Counter: posts set aside since start. */
  outboxSetAsideTotal: "revoke_bot.outbox.set_aside_total",
  /** Gauge: 1 while the audit destination is unreachable (the outbox holds its queue). */
  outboxBlocked: "revoke_bot.outbox.blocked",
} as const;

export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];
