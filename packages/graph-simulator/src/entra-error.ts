/**
 * Entra ID's OAuth error envelope (`error`, `error_description` with an AADSTS code, `error_codes`,
 * trace and correlation ids). MSAL parses these fields, so the simulator reproduces them exactly.
 */
import type { SimRequest, SimResponse } from "./http-exchange.js";
import { toEntraErrorTimestamp } from "./time.js";

/** A token-endpoint or metadata failure. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    /** The OAuth error, e.g. `invalid_client`. */
    readonly error: string,
    /** The AADSTS number, e.g. 7000215. */
    readonly aadsts: number,
    /** The description after `AADSTSnnn: `. */
    readonly description: string,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
    this.name = "EntraError";
  }
}

/** Converts an EntraError into the response Entra would send for this request. */
export function entraErrorResponse(request: SimRequest, failure: EntraError): SimResponse {
  const timestamp = toEntraErrorTimestamp(request.receivedAt);
  return {
    status: failure.status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: {
      error: failure.error,
      error_description:
        `AADSTS${failure.aadsts}: ${failure.description} Trace ID: ${request.requestId} ` +
        `Correlation ID: ${request.clientRequestId} Timestamp: ${timestamp}`,
      error_codes: [failure.aadsts],
      timestamp,
      trace_id: request.requestId,
      correlation_id: request.clientRequestId,
      error_uri: `https://login.microsoftonline.com/error?code=${failure.aadsts}`,
    },
  };
}

/** AADSTS90002: the tenant in the URL is not this one. */
export function tenantNotFound(tenant: string, error = "invalid_request"): EntraError {
  return new EntraError(
    400,
    error,
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into ` +
      "the correct cloud. Check with your subscription administrator, this may happen if there are no " +
      "active subscriptions for the tenant.",
  );
}
