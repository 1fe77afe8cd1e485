/**
 * The bot's metrics and spans, on the OpenTelemetry API only. Without an SDK (telemetry not
 * configured) every instrument is the API's no-op, so the code below the composition root records
 * unconditionally and pays nothing. Attributes are object IDs, request IDs, states and codes:
 * never a name, a sign-in name, an address or a reason (no personal data leaves the process).
 */
import { metrics, trace, type Counter, type Histogram, type Span } from "@opentelemetry/api";
import { METRIC_NAMES } from "./metric-names.js";

const SCOPE = "teams-revoke-bot";

interface Instruments {
  requests: Counter;
  revocations: Counter;
  refusals: Counter;
  jobsCompleted: Counter;
  jobsFailed: Counter;
  watchAlarms: Counter;
  watchSignIns: Counter;
  watchSweeps: Counter;
  graphCalls: Counter;
  graphThrottled: Counter;
  pacerWait: Histogram;
  apiCalls: Counter;
  turnDuration: Histogram;
  outboxSetAside: Counter;
}

let cached: Instruments | undefined;

/** Bucket bounds in seconds (the SDK's defaults, 0–10,000, are meant for milliseconds). */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Instruments from the meter provider registered now. The API gives a no-op meter for good when
 * asked before a provider is registered, so telemetry start-up calls resetInstruments().
 */
function instruments(): Instruments {
  if (cached !== undefined) return cached;
  const meter = metrics.getMeter(SCOPE);
  cached = {
    requests: meter.createCounter(METRIC_NAMES.requests, { description: "Revocation requests by the state they reached" }),
    revocations: meter.createCounter(METRIC_NAMES.revocations, { description: "Targets by outcome" }),
    refusals: meter.createCounter(METRIC_NAMES.refusals, { description: "Refused activities, requests, clicks and API calls, by audit action" }),
    jobsCompleted: meter.createCounter(METRIC_NAMES.jobsCompleted, { description: "Revocation jobs that finished" }),
    jobsFailed: meter.createCounter(METRIC_NAMES.jobsFailed, { description: "Revocation jobs that finished with failures" }),
    watchAlarms: meter.createCounter(METRIC_NAMES.watchAlarms, { description: "Sign-ins of revoked users from the incident's address" }),
    watchSignIns: meter.createCounter(METRIC_NAMES.watchSignIns, { description: "Sign-ins of revoked users reported by the watch" }),
    watchSweeps: meter.createCounter(METRIC_NAMES.watchSweeps, { description: "Sign-in log sweeps of the watch" }),
    graphCalls: meter.createCounter(METRIC_NAMES.graphCalls, { description: "Microsoft Graph calls (a $batch item counts once), by status" }),
    graphThrottled: meter.createCounter(METRIC_NAMES.graphThrottled, { description: "Graph answers 429, by the limit Graph named (x-ms-throttle-scope)" }),
    pacerWait: meter.createHistogram(METRIC_NAMES.pacerWait, { description: "Time the Graph pacer held a write back, by limit", unit: "s", advice: { explicitBucketBoundaries: SECONDS_BUCKETS } }),
    apiCalls: meter.createCounter(METRIC_NAMES.apiCalls, { description: "Automation API calls by HTTP status" }),
    turnDuration: meter.createHistogram(METRIC_NAMES.turnDuration, { description: "Time to answer a Teams activity (message turn or card click)", unit: "s", advice: { explicitBucketBoundaries: SECONDS_BUCKETS } }),
    outboxSetAside: meter.createCounter(METRIC_NAMES.outboxSetAside, { description: "Audit posts set aside (content Teams refused)" }),
  };
  return cached;
}

/** Forget the instruments, so the next use takes them from the provider registered now. */
export function resetInstruments(): void {
  cached = undefined;
}

const REQUEST_STATES: Readonly<Record<string, string>> = {
  "request.created": "created",
  "request.approved": "approved",
  "request.rejected": "rejected",
  "request.cancelled": "withdrawn",
  "request.expired": "expired",
};

/** What one committed audit entry counts for. Called once per entry (Auditor.observe). */
export function countAuditEntry(entry: { action: string; requestId: string | null; details: unknown }): void {
  const i = instruments();
  const state = REQUEST_STATES[entry.action];
  if (state !== undefined) i.requests.add(1, { state });
  else if (entry.action === "target.outcome") {
    const status = (entry.details as { status?: unknown } | null)?.status;
    i.revocations.add(1, { outcome: typeof status === "string" ? status : "unknown" });
  } else if (entry.action === "revocation.completed") i.jobsCompleted.add(1);
  else if (entry.action === "revocation.failed") i.jobsFailed.add(1);
  else if (entry.action === "watch.alarm") i.watchAlarms.add(1);
  else if (entry.action === "watch.signin") i.watchSignIns.add(1);
  else if (entry.action.endsWith(".refused")) i.refusals.add(1, { action: entry.action });
  // The trace of whatever recorded it (a turn, an API call, a job) shows the step.
  trace.getActiveSpan()?.addEvent(entry.action, entry.requestId === null ? {} : { "revoke_bot.request.id": entry.requestId });
}

/** One Graph answer (or one $batch item): its status, and the limit a 429 named. */
export function countGraphCall(status: number, throttleScope?: string | null): void {
  const i = instruments();
  i.graphCalls.add(1, { "http.response.status_code": status });
  if (status === 429) i.graphThrottled.add(1, { limit: limitName(throttleScope) });
}

/** x-ms-throttle-scope is "Scope/Limit/App/Tenant" (ids at the end): keep the scope and limit only. */
function limitName(scope: string | null | undefined): string {
  if (scope === undefined || scope === null || scope === "") return "unnamed";
  return scope.split("/").slice(0, 2).join("/").replace(/[^A-Za-z0-9/_-]/g, "").slice(0, 64) || "unnamed";
}

/** A pause the pacer made before a Graph write, and the limit it paced to. */
export function recordPacerWait(ms: number, limit: string): void {
  if (ms > 0) instruments().pacerWait.record(ms / 1000, { limit });
}

export function countWatchSweep(): void {
  instruments().watchSweeps.add(1);
}

export function countOutboxSetAside(): void {
  instruments().outboxSetAside.add(1);
}

/** One automation API call, by status (the caller is not an attribute: its app ID is in the audit). */
export function countApiCall(status: number): void {
  instruments().apiCalls.add(1, { "http.response.status_code": status });
}

/** How long a Teams activity took to answer. */
export function recordTurn(kind: "message" | "invoke" | "other", ms: number, status: number): void {
  instruments().turnDuration.record(ms / 1000, { kind, "http.response.status_code": status });
}

/** Runs `work` in a span (a no-op span without an SDK); ends it, marking an error. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, work: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(SCOPE).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err instanceof Error ? { name: err.name, message: err.name } : { name: "error" });
      span.setStatus({ code: 2 });
      throw err;
    } finally {
      span.end();
    }
  });
}
