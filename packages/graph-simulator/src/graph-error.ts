/**
 * Microsoft Graph's error envelope. Handlers throw GraphError; the Graph router turns it into the
 * `{ error: { code, message, innerError } }` body real Graph sends, so clients' error mapping is
 * exercised against the true shape.
 */
import type { SimRequest, SimResponse } from "./http-exchange.js";
import { toGraphErrorDate } from "./time.js";

/** A Graph failure: HTTP status, Graph error code and message. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "GraphError";
  }
}

/** The error code Graph typically uses for a status, for faults injected without a body. */
export function defaultGraphErrorCode(status: number): string {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "InvalidAuthenticationToken";
    case 403:
      return "Authorization_RequestDenied";
    case 404:
      return "Request_ResourceNotFound";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalServerError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return "UnknownError";
  }
}

/** The `{ error: … }` body for a failure of this request. */
export function graphErrorBody(request: SimRequest, code: string, message: string): unknown {
  return {
    error: {
      code,
      message,
      innerError: {
        date: toGraphErrorDate(request.receivedAt),
        "request-id": request.requestId,
        "client-request-id": request.clientRequestId,
      },
    },
  };
}

/** Converts a GraphError into a response for this request. */
export function graphErrorResponse(request: SimRequest, error: GraphError): SimResponse {
  return {
    status: error.status,
    headers: { "content-type": "application/json", ...error.headers },
    body: graphErrorBody(request, error.code, error.message),
  };
}

/** 400 Request_BadRequest, the directory's generic validation failure. */
export function badRequest(message: string, code = "Request_BadRequest"): GraphError {
  return new GraphError(400, code, message);
}

/** 404 for a key that names no object, worded as Graph words it. */
export function resourceNotFound(key: string): GraphError {
  return new GraphError(
    404,
    "Request_ResourceNotFound",
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** 400 for a path segment no route knows, worded as Graph words it. */
export function segmentNotFound(segment: string): GraphError {
  return new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
}
