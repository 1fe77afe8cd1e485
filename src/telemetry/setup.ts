/**
 * Loads OpenTelemetry's SDKs only when telemetry is configured: Azure Monitor (Application
 * Insights) when a connection string is set, a Prometheus endpoint when a metrics port is set,
 * both when both are. With neither, nothing here is imported (start-up time and memory stay as they
 * are; the instruments in ./instruments.ts stay the API's no-ops).
 */
import { metrics, trace, type Attributes } from "@opentelemetry/api";
import type { PrometheusExporter as PrometheusExporterClass } from "@opentelemetry/exporter-prometheus";
import type { Logger } from "pino";
import { resetInstruments } from "./instruments.js";
import { METRIC_NAMES } from "./metric-names.js";

export interface TelemetryConfig {
  /** APPLICATIONINSIGHTS_CONNECTION_STRING */
  connectionString?: string;
  /** METRICS_PORT: a Prometheus endpoint on its own port. */
  metricsPort?: number;
  /** Where the Prometheus endpoint listens (loopback unless configured otherwise). */
  metricsHost: string;
  /** How often metrics are exported to Azure Monitor. */
  exportIntervalMs?: number;
}

/** What the gauges read when metrics are collected (the store's counts). */
export interface GaugeSources {
  jobs(): Promise<{ queued: number; stalled: number; oldestAgeSeconds: number }>;
  outbox(): Promise<{ waiting: number; setAside: number; blocked: boolean }>;
}

export interface RunningTelemetry {
  /** The Prometheus endpoint's URL, when one runs. */
  metricsUrl?: string;
  /** Exports what is pending and stops the SDKs; the API returns to its no-ops. */
  shutdown(): Promise<void>;
}

const SERVICE_NAME = "teams-revoke-bot";

/** Span attributes that may hold personal data or secrets; never exported. */
const SCRUBBED = /^(url\.|http\.url|http\.target|http\.host|net\.peer|client\.address|server\.address|user\.|enduser\.)/;

/**
 * Starts telemetry, or returns undefined when none is configured. `gauges` feed the observable
 * gauges (read at each collection, failures logged and skipped).
 */
export async function startTelemetry(config: TelemetryConfig, gauges: GaugeSources, logger: Logger): Promise<RunningTelemetry | undefined> {
  if (config.connectionString === undefined && config.metricsPort === undefined) return undefined;

  const [{ PrometheusExporter }, sdkMetrics, { resourceFromAttributes }] = await Promise.all([
    config.metricsPort === undefined ? Promise.resolve({ PrometheusExporter: undefined }) : import("@opentelemetry/exporter-prometheus"),
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/resources"),
  ]);
  // The service's name (Azure Monitor's cloud role, Prometheus' target_info) instead of "unknown_service:<path of node>".
  const resource = resourceFromAttributes({ "service.name": SERVICE_NAME });
  const prometheus =
    PrometheusExporter === undefined || config.metricsPort === undefined
      ? undefined
      : await startPrometheus(PrometheusExporter, config.metricsPort, config.metricsHost);

  let shutdownSdk: () => Promise<void>;
  if (config.connectionString !== undefined) {
    quietAzureMonitor(config.exportIntervalMs);
    const { useAzureMonitor, shutdownAzureMonitor } = await import("@azure/monitor-opentelemetry");
    const { SpanScrubber } = await import("./span-scrubber.js");
    useAzureMonitor({
      azureMonitorExporterOptions: { connectionString: config.connectionString, disableOfflineStorage: true },
      resource,
      // Our own spans and metrics only: automatic HTTP and database spans would carry URLs with
      // sign-in names and addresses, and SQL text.
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
        bunyan: { enabled: false },
        winston: { enabled: false },
      },
      enableLiveMetrics: false,
      enableStandardMetrics: false,
      enablePerformanceCounters: false,
      samplingRatio: 1,
      tracesPerSecond: 0,
      spanProcessors: [new SpanScrubber(SCRUBBED)],
      metricReaders: prometheus === undefined ? [] : [prometheus.reader],
    });
    shutdownSdk = () => shutdownAzureMonitor();
  } else {
    // Prometheus alone: a meter provider with its reader, no tracing SDK.
    const provider = new sdkMetrics.MeterProvider({ resource, readers: prometheus === undefined ? [] : [prometheus.reader] });
    metrics.setGlobalMeterProvider(provider);
    shutdownSdk = () => provider.shutdown();
  }
  resetInstruments();
  observeGauges(gauges, logger);
  logger.info(
    { telemetry: { azureMonitor: config.connectionString !== undefined, prometheus: prometheus?.url ?? null } },
    "telemetry started",
  );
  return {
    ...(prometheus === undefined ? {} : { metricsUrl: prometheus.url }),
    async shutdown() {
      await shutdownSdk().catch((err: unknown) => logger.warn({ err }, "telemetry did not shut down cleanly"));
      metrics.disable();
      trace.disable();
      resetInstruments();
    },
  };
}

/**
 * The Azure Monitor exporter reads these switches from the environment only (it has no option for
 * them), so they are set here, before it loads. By default it sends "statsbeat" and SDK stats
 * (the SDK's own usage and health, with the instrumentation key and resource attributes) to
 * Microsoft's Application Insights, not the operator's: a security tool does not phone home, so
 * both are off. The metric export interval (60 s by default) is also read from the environment;
 * tests shorten it.
 */
function quietAzureMonitor(exportIntervalMs: number | undefined): void {
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = "true";
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = "true";
  process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = "true";
  if (exportIntervalMs !== undefined) process.env.OTEL_METRIC_EXPORT_INTERVAL = String(exportIntervalMs);
}

async function startPrometheus(
  Exporter: typeof PrometheusExporterClass,
  port: number,
  host: string,
): Promise<{ reader: InstanceType<typeof Exporter>; url: string }> {
  const reader = new Exporter({ port, host, preventServerStart: true });
  await reader.startServer();
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { reader, url: `http://${shownHost}:${port}/metrics` };
}

/** The gauges: jobs and the audit outbox, read from the store at each collection. */
function observeGauges(sources: GaugeSources, logger: Logger): void {
  const meter = metrics.getMeter("teams-revoke-bot");
  const queued = meter.createObservableGauge(METRIC_NAMES.jobsQueued, { description: "Unfinished revocation jobs" });
  const stalled = meter.createObservableGauge(METRIC_NAMES.jobsStalled, { description: "Unfinished jobs whose lease ran out" });
  const oldest = meter.createObservableGauge(METRIC_NAMES.jobsOldestAge, { description: "Age of the oldest unfinished job", unit: "s" });
  const waiting = meter.createObservableGauge(METRIC_NAMES.outboxWaiting, { description: "Audit posts waiting for Teams" });
  const setAside = meter.createObservableGauge(METRIC_NAMES.outboxSetAsideHeld, { description: "Audit posts set aside" });
  const blocked = meter.createObservableGauge(METRIC_NAMES.outboxBlocked, { description: "1 while the audit channel cannot be reached" });
  const none: Attributes = {};
  meter.addBatchObservableCallback(
    async (result) => {
      try {
        const [jobs, outbox] = await Promise.all([sources.jobs(), sources.outbox()]);
        result.observe(queued, jobs.queued, none);
        result.observe(stalled, jobs.stalled, none);
        result.observe(oldest, jobs.oldestAgeSeconds, none);
        result.observe(waiting, outbox.waiting, none);
        result.observe(setAside, outbox.setAside, none);
        result.observe(blocked, outbox.blocked ? 1 : 0, none);
      } catch (err) {
        logger.warn({ err }, "telemetry: could not read the job and outbox counts");
      }
    },
    [queued, stalled, oldest, waiting, setAside, blocked],
  );
}
