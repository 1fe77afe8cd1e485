/**
 * The record of every request the simulator received, so tests can assert what the bot actually
 * sent (by object id, with which $select, how many times) rather than only what it reported.
 */
import type { ParsedBody, SimRequest } from "./http-exchange.js";

/** One request as received and answered. */
export interface RecordedRequest {
  method: string;
  /** Percent-decoded path, e.g. `/v1.0/users/10000000-0000-4000-8000-000000000005/revokeSignInSessions`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON or form body (credentials redacted), the raw text if unparsable, null if none. */
  body: unknown;
  /** The status sent back; 0 while the request is still being handled. */
  status: number;
  /** When it arrived (ISO 8601 with milliseconds). */
  at: string;
  /** True when it carried a valid credential: a Graph bearer token, or accepted client credentials. */
  authenticated: boolean;
  /** Our id for it: the `request-id` header of the response and `innerError.request-id` of errors. */
  requestId: string;
  /**
   * Present on a request that came inside a JSON `$batch`: the item's `id` and the request id of
   * its envelope (which is recorded too, before its items). Its `authenticated` is the envelope's.
   */
  batch?: { itemId: string; envelopeRequestId: string };
  /** True when the simulator closed the connection without answering (an injected reset); status stays 0. */
  connectionReset?: true;
}

// Credentials must not sit in test output or demo logs, even the simulator's fictional ones.
const SECRET_FIELDS = new Set(["client_secret", "client_assertion"]);

function recordableBody(body: ParsedBody): unknown {
  switch (body.kind) {
    case "none":
      return null;
    case "json":
      return body.value;
    case "form":
      return Object.fromEntries(
        Object.entries(body.value).map(([name, value]) => [name, SECRET_FIELDS.has(name) ? "[redacted]" : value]),
      );
    case "invalid-json":
    case "text":
      return body.text;
  }
}

/**
 * Starts the record of a request; the caller fills in status and authenticated when it is answered.
 * @param batch for a `$batch` item: its id and its envelope's request id
 */
export function recordRequest(request: SimRequest, batch?: RecordedRequest["batch"]): RecordedRequest {
  const record: RecordedRequest = {
    method: request.method,
    path: request.path,
    query: { ...request.query },
    body: recordableBody(request.body),
    status: 0,
    at: new Date(request.receivedAt).toISOString(),
    authenticated: false,
    requestId: request.requestId,
  };
  if (batch) {
    record.batch = { ...batch };
  }
  return record;
}
