/** OpenTelemetry: off unless an Application Insights connection string or a Prometheus port is set. */
import { z } from "zod";
import type { AppConfig } from "./app-config.js";
import { optionalInteger, type Parsed } from "./fields.js";

export const telemetryVariables = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v?.trim() ?? "";
      if (raw === "") return undefined;
      // "InstrumentationKey=…;IngestionEndpoint=https://…/;…", as the Azure portal shows it.
      if (!/(^|;)\s*InstrumentationKey=[0-9a-f-]{36}\s*(;|$)/i.test(raw)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "expected the connection string the Application Insights resource shows (InstrumentationKey=…;IngestionEndpoint=https://…)" });
        return z.NEVER;
      }
      return raw;
    }),
  /** A Prometheus endpoint on its own port; off when unset. */
  METRICS_PORT: optionalInteger("METRICS_PORT", 1, 65535),
  /** OpenTelemetry's standard setting: milliseconds between metric exports to Azure Monitor. */
  OTEL_METRIC_EXPORT_INTERVAL: optionalInteger("OTEL_METRIC_EXPORT_INTERVAL", 100, 3_600_000),
  /** Where the Prometheus endpoint listens: loopback unless a scraper elsewhere must reach it. */
  METRICS_HOST: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? "127.0.0.1" : v.trim())),
};

/** The telemetry section of the configuration, from checked values. */
export function telemetryConfigOf(e: Parsed<typeof telemetryVariables>): AppConfig["telemetry"] {
  return {
    ...(e.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined ? {} : { connectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING }),
    ...(e.METRICS_PORT === undefined ? {} : { metricsPort: e.METRICS_PORT }),
    metricsHost: e.METRICS_HOST,
    ...(e.OTEL_METRIC_EXPORT_INTERVAL === undefined ? {} : { exportIntervalMs: e.OTEL_METRIC_EXPORT_INTERVAL }),
  };
}
