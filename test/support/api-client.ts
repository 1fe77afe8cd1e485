import type { StartedSimulator } from "@teams-revoke-bot/graph-simulator";

/** A token from the simulator's token endpoint, by the client-credentials grant, as an automation client asks for it. */
export async function entraToken(sim: StartedSimulator, clientId: string, clientSecret: string, scope: string): Promise<string> {
  const res = await fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (res.status !== 200 || body.access_token === undefined) throw new Error(`token endpoint answered ${res.status}: ${body.error_description ?? ""}`);
  return body.access_token;
}

/** An answer of the bot's API: status, headers and the parsed body. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
  body: any;
}

/** Calls the bot's automation API. */
export async function callApi(
  baseUrl: string,
  method: "GET" | "POST",
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; contentType?: string; authorization?: string } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (method === "POST") headers["content-type"] = options.contentType ?? "application/json";
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(method === "POST" ? { body: options.rawBody ?? JSON.stringify(options.body ?? {}) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}
