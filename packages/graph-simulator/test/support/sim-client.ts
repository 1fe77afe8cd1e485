/**
 * A minimal HTTPS client for the simulator's tests: node:https with the simulator's own
 * certificate as the only trusted CA, so the tests prove the TLS setup rather than bypass it.
 */
import { request as httpsRequest } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { StartedSimulator } from "../../src/index.js";

/** A response with its body parsed as JSON when it is JSON. */
export interface SimHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** Options of one call. */
export interface SimCallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as-is (set content-type yourself). */
  body?: unknown;
  token?: string;
}

/** Sends a request to `${sim.url}${path}` trusting only the simulator's certificate. */
export function call(sim: StartedSimulator, path: string, options: SimCallOptions = {}): Promise<SimHttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (typeof options.body === "string") {
    payload = options.body;
  } else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  if (options.token !== undefined) {
    headers.authorization = `Bearer ${options.token}`;
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${sim.url}${path}`,
      { method: options.method ?? "GET", headers, ca: sim.caCertPem, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
          } catch {
            json = undefined; // not JSON: the test reads `text`
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Calls a Graph path (below `/v1.0`) with a bearer token. */
export function graph(sim: StartedSimulator, token: string, path: string, options: SimCallOptions = {}): Promise<SimHttpResponse> {
  return call(sim, `/v1.0${path}`, { ...options, token });
}

/** Posts a form to the token endpoint of `tenant` (default the simulator's). */
export function requestToken(
  sim: StartedSimulator,
  form: Record<string, string>,
  tenant: string = sim.tenantId,
): Promise<SimHttpResponse> {
  return call(sim, `/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

/** Gets an access token with the simulator's client secret, failing the test if refused. */
export async function getToken(sim: StartedSimulator): Promise<string> {
  const response = await requestToken(sim, {
    grant_type: "client_credentials",
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    scope: "https://graph.microsoft.com/.default",
  });
  const body = response.json as { access_token?: unknown } | undefined;
  if (response.status !== 200 || typeof body?.access_token !== "string") {
    throw new Error(`token request failed: ${response.status} ${response.text}`);
  }
  return body.access_token;
}

/** The payload of a JWT, decoded without verification (tests read the claims they were issued). */
export function jwtPayload(token: string): Record<string, unknown> {
  const [, payload = ""] = token.split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Narrows a Graph error body for assertions. */
export function graphErrorOf(response: SimHttpResponse): { code: string; message: string; innerError: Record<string, unknown> } {
  const body = response.json as { error?: { code: string; message: string; innerError: Record<string, unknown> } } | undefined;
  if (!body?.error) {
    throw new Error(`expected a Graph error body, got ${response.status} ${response.text}`);
  }
  return body.error;
}

/** One entry of a `$batch` response. */
export interface BatchItemResult {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Posts a JSON batch to `/v1.0/$batch`. */
export function graphBatch(sim: StartedSimulator, token: string, requests: unknown[]): Promise<SimHttpResponse> {
  return graph(sim, token, "/$batch", { method: "POST", body: { requests } });
}

/** The items of a 200 `$batch` response, by id (Graph does not promise their order). */
export function batchItemsById(response: SimHttpResponse): Map<string, BatchItemResult> {
  const body = response.json as { responses?: BatchItemResult[] } | undefined;
  if (response.status !== 200 || !Array.isArray(body?.responses)) {
    throw new Error(`expected a 200 batch envelope, got ${response.status} ${response.text}`);
  }
  return new Map(body.responses.map((item) => [item.id, item]));
}

/** A revocation as a batch item, with the body and Content-Type Graph requires of a write. */
export function revokeItem(id: string, userId: string): Record<string, unknown> {
  return { id, method: "POST", url: `/users/${userId}/revokeSignInSessions`, headers: { "Content-Type": "application/json" }, body: {} };
}

/** Sends a request that the server is expected to drop; resolves with the client's error. */
export async function callExpectingNoResponse(sim: StartedSimulator, path: string, options: SimCallOptions = {}): Promise<NodeJS.ErrnoException> {
  try {
    const response = await call(sim, path, options);
    throw new Error(`expected the connection to be closed, got ${response.status}`);
  } catch (error) {
    if (error instanceof Error && "code" in error) {
      return error as NodeJS.ErrnoException;
    }
    throw error;
  }
}
