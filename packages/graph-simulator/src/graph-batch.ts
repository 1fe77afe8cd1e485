/**
 * JSON batching: `POST /v1.0/$batch` with up to 20 requests. The envelope is checked as a whole
 * (shape, size, ids, Content-Type on writes: Graph refuses any of these with a 400 and runs
 * nothing); each item then runs through the same pipeline as a standalone request, so a 403, 404,
 * 429 or 5xx is that item's own and the envelope is still 200.
 */
import { requireJsonObject } from "./graph-context.js";
import { badRequest } from "./graph-error.js";
import type { GraphError } from "./graph-error.js";
import { GRAPH_JSON_CONTENT_TYPE } from "./graph-projection.js";
import type { SimRequest, SimResponse, SubRequestSpec } from "./http-exchange.js";
import type { SeededRandom } from "./prng.js";

/** Graph's limit on requests in one JSON batch. */
export const BATCH_REQUEST_LIMIT = 20;

/**
 * The order items come back in. Graph does not promise request order; "reverse" and "shuffle"
 * make sure a client matches responses by id rather than by position.
 */
export type BatchResponseOrder = "request" | "reverse" | "shuffle";

export const BATCH_RESPONSE_ORDERS: readonly BatchResponseOrder[] = ["request", "reverse", "shuffle"];

/** One validated batch item. */
export interface BatchItem {
  id: string;
  spec: SubRequestSpec;
}

/** One entry of the `responses` array. */
export interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const METHODS = new Set(["GET", "POST", "PATCH", "PUT", "DELETE"]);
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT"]);
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function invalidPayload(detail: string): GraphError {
  return badRequest(`Invalid batch payload format: ${detail}`, "BadRequest");
}

/** True when the request is `POST /v1.0/$batch` (or another method on that path). */
export function isBatchPath(request: SimRequest): boolean {
  return request.segments.length === 2 && request.segments[1]?.toLowerCase() === "$batch";
}

/**
 * Reads and checks a batch envelope.
 * @param versionSegment the version root item urls are relative to, e.g. `v1.0`
 * @throws GraphError 400 for anything Graph would refuse before running a single item
 */
export function parseBatch(request: SimRequest, versionSegment: string): BatchItem[] {
  const { requests } = requireJsonObject(request);
  if (!Array.isArray(requests)) {
    throw invalidPayload("the body must have a 'requests' array.");
  }
  if (requests.length === 0) {
    throw invalidPayload("'requests' is empty.");
  }
  if (requests.length > BATCH_REQUEST_LIMIT) {
    throw badRequest(
      `Number of requests inside batch exceeds the limit: at most ${BATCH_REQUEST_LIMIT}, got ${requests.length}.`,
      "BadRequest",
    );
  }
  const seen = new Set<string>();
  return requests.map((entry: unknown, index) => {
    const item = parseItem(entry, index, versionSegment);
    // Ids are not case-sensitive and must be unique within the batch.
    const key = item.id.toLowerCase();
    if (seen.has(key)) {
      throw invalidPayload(`the request id '${item.id}' is used more than once.`);
    }
    seen.add(key);
    return item;
  });
}

function parseItem(entry: unknown, index: number, versionSegment: string): BatchItem {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw invalidPayload(`request #${index + 1} is not an object.`);
  }
  const { id, method, url, headers, body, dependsOn } = entry as Record<string, unknown>;
  if (typeof id !== "string" || id.length === 0) {
    throw invalidPayload(`request #${index + 1} needs a non-empty string 'id'.`);
  }
  if (typeof method !== "string" || !METHODS.has(method.toUpperCase())) {
    throw invalidPayload(`request '${id}' needs a 'method' among ${[...METHODS].join(", ")}.`);
  }
  if (typeof url !== "string" || url.length === 0 || ABSOLUTE_URL.test(url) || url.startsWith("//")) {
    throw invalidPayload(`request '${id}' needs a 'url' relative to /${versionSegment}, such as '/users/{id}'.`);
  }
  if (dependsOn !== undefined) {
    // Refused rather than ignored: running dependent requests in parallel would hide ordering bugs.
    throw invalidPayload(`request '${id}' uses 'dependsOn', which the simulator does not support.`);
  }
  const headerMap: Record<string, string> = {};
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
      throw invalidPayload(`request '${id}' has 'headers' that are not an object.`);
    }
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (typeof value !== "string") {
        throw invalidPayload(`request '${id}' has a non-string value for header '${name}'.`);
      }
      headerMap[name] = value;
    }
  }
  const upperMethod = method.toUpperCase();
  const hasContentType = Object.keys(headerMap).some((name) => name.toLowerCase() === "content-type");
  // Graph refuses the whole batch when a write lacks either; an action without parameters still
  // needs `"body": {}` and a Content-Type.
  if (WRITE_METHODS.has(upperMethod) && (body === undefined || body === null || !hasContentType)) {
    throw badRequest(`Write request id : ${id} does not contain Content-Type header or body.`, "BadRequest");
  }
  return {
    id,
    spec: {
      method: upperMethod,
      target: `/${versionSegment}${url.startsWith("/") ? "" : "/"}${url}`,
      headers: headerMap,
      body,
    },
  };
}

/**
 * Header names as Graph spells them inside a batch response (`Content-Type`, `Retry-After`), except
 * its `x-ms-*` names, which it keeps in lower case. JSON keys are case-sensitive, unlike HTTP.
 */
function batchHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith("x-ms-")) {
    return lower;
  }
  return lower.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`);
}

/** The batch item form of a response: Graph's per-item headers, the body unless 204. */
export function toBatchItemResponse(id: string, response: SimResponse): BatchItemResponse {
  const headers: Record<string, string> = { "Cache-Control": "no-cache" };
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    headers[batchHeaderName(name)] = value;
  }
  const item: BatchItemResponse = { id, status: response.status, headers };
  if (response.body !== undefined && response.status !== 204) {
    headers["Content-Type"] ??= "application/json";
    item.body = response.body;
  }
  return item;
}

/** The envelope: 200 with the item responses in the configured order. */
export function batchEnvelope(
  responses: BatchItemResponse[],
  order: BatchResponseOrder,
  random: SeededRandom,
): SimResponse {
  const ordered = [...responses];
  if (order === "reverse") {
    ordered.reverse();
  } else if (order === "shuffle") {
    // Fisher-Yates with the seeded generator, so a failing order can be replayed.
    for (let i = ordered.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [ordered[i], ordered[j]] = [ordered[j], ordered[i]];
    }
  }
  return { status: 200, headers: { "content-type": GRAPH_JSON_CONTENT_TYPE }, body: { responses: ordered } };
}
