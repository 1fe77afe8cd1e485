/**
 * Application Insights' ingestion endpoint ("Breeze"), as the Azure Monitor OpenTelemetry exporter
 * calls it: `POST {IngestionEndpoint}/v2.1/track` with a JSON array of envelopes
 * (`{ name, time, iKey, tags, data: { baseType, baseData } }`; metrics are `baseType: "MetricData"`,
 * spans "RequestData"/"RemoteDependencyData"), gzip-encoded when the client says so. The service
 * answers 200 `{ itemsReceived, itemsAccepted, errors: [] }`, 206 with an error per refused item,
 * or 400 when none was accepted. An envelope whose iKey is not the resource's is refused, as the
 * service refuses an unknown instrumentation key.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { gunzipSync } from "node:zlib";
import type { SimResponse } from "./http-exchange.js";

/** One telemetry item as Application Insights receives it. */
export interface TelemetryEnvelope {
  name: string;
  time: string;
  iKey: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

/** `/v2.1/track` and `/v2/track`; the exporter joins the endpoint and path, so a double slash is tolerated. */
const TRACK_PATH = /^\/+v2(?:\.1)?\/track\/?$/i;

/** True when a request target (path and query as received) names the ingestion endpoint. */
export function isIngestionTarget(target: string | undefined): boolean {
  return TRACK_PATH.test((target ?? "/").split("?")[0] ?? "/");
}

export class AppInsightsIngestion {
  /** Every envelope accepted, in arrival order (a live array). */
  readonly envelopes: TelemetryEnvelope[] = [];
  readonly instrumentationKey = randomUUID();

  constructor(private readonly url: string) {}

  /**
   * The connection string of the simulated Application Insights resource. Its LiveEndpoint is the
   * simulator too, which does not serve Live Metrics: a client that calls it anyway is seen in the
   * request log (and answered 404) instead of reaching Microsoft.
   */
  get connectionString(): string {
    return `InstrumentationKey=${this.instrumentationKey};IngestionEndpoint=${this.url}/;LiveEndpoint=${this.url}/`;
  }

  /** The answer when `path` is the ingestion endpoint, undefined otherwise. */
  handle(method: string, path: string, headers: IncomingHttpHeaders, raw: Buffer): SimResponse | undefined {
    if (!TRACK_PATH.test(path)) return undefined;
    if (method !== "POST") return answer(405, { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 405, message: "Method not allowed" }] });
    let items: unknown;
    try {
      const encoding = String(headers["content-encoding"] ?? "").trim().toLowerCase();
      const text = (encoding === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      items = JSON.parse(text) as unknown;
    } catch {
      return answer(400, { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 400, message: "Invalid JSON or encoding" }] });
    }
    // The service takes one envelope or an array of them (the exporter sends an array).
    const list = Array.isArray(items) ? (items as unknown[]) : [items];
    const errors: Array<{ index: number; statusCode: number; message: string }> = [];
    list.forEach((item, index) => {
      const problem = envelopeProblem(item, this.instrumentationKey);
      if (problem === undefined) this.envelopes.push(item as TelemetryEnvelope);
      else errors.push({ index, statusCode: 400, message: problem });
    });
    const accepted = list.length - errors.length;
    return answer(errors.length === 0 ? 200 : accepted > 0 ? 206 : 400, { itemsReceived: list.length, itemsAccepted: accepted, errors });
  }
}

function envelopeProblem(item: unknown, iKey: string): string | undefined {
  if (typeof item !== "object" || item === null) return "Field 'name' on type 'Envelope' is required but missing or empty";
  const e = item as Partial<TelemetryEnvelope>;
  if (typeof e.name !== "string" || e.name === "") return "Field 'name' on type 'Envelope' is required but missing or empty";
  if (typeof e.time !== "string" || Number.isNaN(Date.parse(e.time))) return "Field 'time' on type 'Envelope' is required but missing or empty";
  if (typeof e.iKey !== "string" || e.iKey.toLowerCase() !== iKey) return "Invalid instrumentation key";
  return undefined;
}

function answer(status: number, body: unknown): SimResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8" }, body };
}
