/**
 * Loads OpenTelemetry's SDKs only when telemetry is configured: Azure Monitor (Application
 * Insights) when a connection string is set, a Prometheus endpoint when a metrics port is set,
 * both when both are. With neither, nothing here is imported (start-up time and memory stay as they
 * are; the instruments in ./instruments.ts stay the API's no-ops).
 */
import { metrics, trace, type Attributes } from "@opentelemetry/api";
import type { PrometheusExporter as PrometheusExporterClass } from "@opentelemetry/exporter-prometheus";
import type { MetricReader } from "@opentelemetry/sdk-metrics";
import type { Logger } from "pino";
import { quietAzureMonitorSdk } from "../config.js";
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

  const readers: MetricReader[] = prometheus === undefined ? [] : [prometheus.reader];
  let tracing: { provider: { shutdown(): Promise<void> } } | undefined;
  if (config.connectionString !== undefined) {
    // Its statsbeat and SDK stats go to Microsoft, not the operator: off (set in the config module).
    quietAzureMonitorSdk();
    // The exporter on our own providers, not the Azure Monitor distro: the distro asks the Azure
    // VM metadata address at every start (no option turns it off) and brings automatic
    // instrumentations whose spans carry URLs and SQL; we want our own spans and metrics only.
    const [{ AzureMonitorMetricExporter, AzureMonitorTraceExporter }, { NodeTracerProvider }, { BatchSpanProcessor }, { SpanScrubber }] = await Promise.all([
      import("@azure/monitor-opentelemetry-exporter"),
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/sdk-trace-base"),
      import("./span-scrubber.js"),
    ]);
    const exporterOptions = { connectionString: config.connectionString, disableOfflineStorage: true };
    readers.push(
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: new AzureMonitorMetricExporter(exporterOptions),
        exportIntervalMillis: config.exportIntervalMs ?? 60_000,
      }),
    );
    const provider = new NodeTracerProvider({
      resource,
      // The scrubber runs before the exporter's processor sees a span.
      spanProcessors: [new SpanScrubber(SCRUBBED), new BatchSpanProcessor(new AzureMonitorTraceExporter(exporterOptions))],
    });
    // Registers the provider with an AsyncLocalStorage context, so a job's spans nest under it.
    provider.register();
    tracing = { provider };
  }
  const meterProvider = new sdkMetrics.MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(meterProvider);
  const shutdownSdk = async (): Promise<void> => {
    await Promise.all([meterProvider.shutdown(), tracing?.provider.shutdown()]);
  };
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
