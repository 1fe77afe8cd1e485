/**
 * The simulator's own request/response values. Handlers take a parsed SimRequest and return a
 * SimResponse instead of writing to node's ServerResponse, so they stay synchronous, testable and
 * reusable: the `$batch` route runs its sub-requests through the same handlers.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";

/** The body of a request, parsed according to its Content-Type. */
export type ParsedBody =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "form"; value: Record<string, string> }
  | { kind: "invalid-json"; text: string; error: string }
  | { kind: "text"; text: string };

/** A request as handlers see it. */
export interface SimRequest {
  method: string;
  /** The percent-decoded path without the query, e.g. `/v1.0/users('$svc-backup@contoso.com')`. */
  path: string;
  /** Path segments, each percent-decoded on its own (so an encoded `/` cannot split a segment). */
  segments: string[];
  /** Query parameters, decoded; a repeated name keeps its last value. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: ParsedBody;
  /** Our id for this request, sent back in the `request-id` header. */
  requestId: string;
  /** The caller's `client-request-id`, or our request id when it sent none (as Graph does). */
  clientRequestId: string;
  receivedAt: number;
}

/** A response as handlers produce it; `body` is serialized as JSON unless undefined. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Bodies above this size are refused: nothing the bot sends comes close. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown when a request body exceeds MAX_BODY_BYTES. */
export class BodyTooLargeError extends Error {
  constructor() {
    super(`Request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
}

/** Reads the whole request body, refusing oversized ones. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new BodyTooLargeError();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a body by its Content-Type: JSON, form-urlencoded, or kept as text. */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) {
    return { kind: "none" };
  }
  const text = raw.toString("utf8");
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/x-www-form-urlencoded") {
    return { kind: "form", value: Object.fromEntries(new URLSearchParams(text)) };
  }
  // Graph treats a body without a Content-Type as JSON too; clients often omit it on small POSTs.
  if (mediaType === "" || mediaType === "application/json" || mediaType.endsWith("+json")) {
    try {
      return { kind: "json", value: JSON.parse(text) as unknown };
    } catch (error) {
      return { kind: "invalid-json", text, error: error instanceof Error ? error.message : String(error) };
    }
  }
  return { kind: "text", text };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray "%" is not an encoding; keep the segment as sent so the router can reject it by name.
    return segment;
  }
}

/** Path, segments and query of a request target (path plus query string). */
function parseTarget(target: string): Pick<SimRequest, "path" | "segments" | "query"> {
  // The host is irrelevant here: only path and query are used.
  const url = new URL(target, "https://simulator.invalid");
  const rawSegments = url.pathname.split("/").filter((segment) => segment.length > 0);
  const segments = rawSegments.map(decodeSegment);
  // URLSearchParams percent-decodes each value exactly once and reads "+" as a space, as Graph
  // does: a `$filter` arrives here as the client meant it, and the request log keeps it so.
  return { path: `/${segments.join("/")}`, segments, query: Object.fromEntries(url.searchParams) };
}

function clientRequestIdOf(headers: IncomingHttpHeaders, fallback: string): string {
  const header = headers["client-request-id"];
  return typeof header === "string" && header.length > 0 ? header : fallback;
}

/** Builds a SimRequest from node's request and the already-read body. */
export function toSimRequest(request: IncomingMessage, rawBody: Buffer): SimRequest {
  const requestId = randomUUID();
  return {
    method: (request.method ?? "GET").toUpperCase(),
    ...parseTarget(request.url ?? "/"),
    headers: request.headers,
    body: parseBody(rawBody, request.headers["content-type"]),
    requestId,
    clientRequestId: clientRequestIdOf(request.headers, requestId),
    receivedAt: Date.now(),
  };
}

/** One request of a JSON batch, as the batch route hands it to the router. */
export interface SubRequestSpec {
  method: string;
  /** Path and query below the version root, e.g. `/v1.0/users/{id}/revokeSignInSessions`. */
  target: string;
  /** Header names in any case. */
  headers: Record<string, string>;
  /** The item's `body`: a JSON value, or undefined for none. */
  body: unknown;
}

/**
 * Builds the SimRequest of a `$batch` item. It gets its own request id; its client-request-id is
 * its own header's, else the envelope's, so errors inside a batch correlate with the envelope.
 */
export function toSimSubRequest(envelope: SimRequest, item: SubRequestSpec): SimRequest {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(item.headers)) {
    headers[name.toLowerCase()] = value;
  }
  const requestId = randomUUID();
  return {
    method: item.method.toUpperCase(),
    ...parseTarget(item.target),
    headers,
    body: subRequestBody(item.body, headers["content-type"]),
    requestId,
    clientRequestId: clientRequestIdOf(headers, envelope.clientRequestId),
    receivedAt: Date.now(),
  };
}

function subRequestBody(body: unknown, contentType: string | undefined): ParsedBody {
  if (body === undefined || body === null) {
    return { kind: "none" };
  }
  // A JSON batch carries a JSON body as a JSON value; other media types come as strings.
  if (typeof body === "string") {
    const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (mediaType !== "application/json" && !mediaType.endsWith("+json")) {
      return parseBody(Buffer.from(body, "utf8"), contentType);
    }
  }
  return { kind: "json", value: body };
}

/** Writes a SimResponse, adding the ids every Microsoft endpoint returns. */
export function writeResponse(response: ServerResponse, request: SimRequest, result: SimResponse): void {
  const headers: Record<string, string> = {
    "request-id": request.requestId,
    "client-request-id": request.clientRequestId,
    "x-ms-request-id": request.requestId,
    "cache-control": "no-store, no-cache",
    ...result.headers,
  };
  let payload: Buffer | undefined;
  if (result.body !== undefined && result.status !== 204) {
    payload = Buffer.from(JSON.stringify(result.body), "utf8");
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json; charset=utf-8";
    }
    headers["content-length"] = String(payload.length);
  }
  response.writeHead(result.status, headers);
  response.end(payload);
}

/** A handler's answer plus whether the request carried a valid credential (for the request log). */
export interface HandledRequest {
  response: SimResponse;
  authenticated: boolean;
  /** Close the connection without sending `response` (an injected connection reset). */
  resetConnection?: boolean;
}
