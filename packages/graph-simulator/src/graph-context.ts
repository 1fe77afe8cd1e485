/**
 * Everything a Graph operation may use, gathered once per request by the router, so operations
 * are plain functions of (context, target) with no access to server internals.
 */
import type { AccessTokenClaims } from "./access-tokens.js";
import { badRequest } from "./graph-error.js";
import type { GraphError } from "./graph-error.js";
import { GRAPH_JSON_CONTENT_TYPE } from "./graph-projection.js";
import type { SimRequest, SimResponse } from "./http-exchange.js";
import type { SimulatedTenant } from "./tenant.js";

/** One authenticated Graph request. */
export interface GraphContext {
  request: SimRequest;
  claims: AccessTokenClaims;
  tenant: SimulatedTenant;
  /** `https://host:port/v1.0` as the client addressed the simulator (used in links and contexts). */
  baseUrl: string;
  /** How long reads of signInSessionsValidFromDateTime lag behind revocations. */
  readLagMs: number;
}

/** A 200 (or other) response with Graph's JSON content type. */
export function graphJson(body: unknown, status = 200): SimResponse {
  return { status, headers: { "content-type": GRAPH_JSON_CONTENT_TYPE }, body };
}

/**
 * The request body as a JSON object.
 * @throws GraphError 400 BadRequest for a missing, malformed or non-object body
 */
export function requireJsonObject(request: SimRequest): Record<string, unknown> {
  const { body } = request;
  if (body.kind === "none") {
    throw badRequest("Empty Payload. JSON content expected.", "BadRequest");
  }
  if (body.kind !== "json") {
    throw malformedJson();
  }
  const { value } = body;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("The request body must be a JSON object.", "BadRequest");
  }
  return value as Record<string, unknown>;
}

/**
 * Refuses a body that is present but not JSON (actions without parameters accept no body).
 * @throws GraphError 400 BadRequest
 */
export function rejectMalformedBody(request: SimRequest): void {
  if (request.body.kind === "invalid-json" || request.body.kind === "text") {
    throw malformedJson();
  }
}

function malformedJson(): GraphError {
  return badRequest(
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    "BadRequest",
  );
}
