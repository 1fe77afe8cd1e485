/**
 * App Service's managed identity endpoint, as a web app sees it: a plain-HTTP endpoint on the
 * loopback interface whose URL is in IDENTITY_ENDPOINT, guarded by the per-app secret in
 * IDENTITY_HEADER (sent back as `X-IDENTITY-HEADER`). Protocol (Microsoft Learn, "How to use
 * managed identities for App Service and Azure Functions", REST endpoint reference):
 *
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<resource URI>&client_id=<client ID>
 *   200 { access_token, expires_on (epoch seconds, a string), resource, token_type: "Bearer", client_id }
 *
 * Only user-assigned identities exist here (`client_id`, `principal_id` or `mi_res_id` select one);
 * a request naming none gets the 400 App Service answers when no system-assigned identity is on.
 * The tokens are signed with Entra's key, so Microsoft Graph, the Bot Connector and anything else
 * that trusts Entra (an Azure Database for PostgreSQL server with Entra authentication) accept them.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GRAPH_APP_ID, GRAPH_RESOURCE } from "./constants.js";
import type { JwtSigner } from "./jwt.js";

/** The only api-version this endpoint speaks (2017-09-01 with the `secret` header is retired). */
export const IDENTITY_API_VERSION = "2019-08-01";

/** The Azure Database for PostgreSQL / MySQL Entra resource: tokens for it are database passwords. */
export const OSSRDBMS_RESOURCE = "https://ossrdbms-aad.database.windows.net";

/**
 * The endpoint hands out its cached token for a resource until this close to its end (MSAL asks
 * for a new one within five minutes of the end, and must then get one).
 */
const REISSUE_BEFORE_EXPIRY_SECONDS = 300;

/** A token the endpoint issued (tests read them, e.g. to see a refresh). */
export interface IssuedIdentityToken {
  resource: string;
  clientId: string;
  token: string;
  /** Epoch seconds. */
  expiresOn: number;
}

/** The user-assigned identity the web app has, and how the endpoint behaves. */
export interface ManagedIdentityOptions {
  /** The identity's client ID (application ID of its service principal). */
  clientId: string;
  /** The identity's principal (service principal object) ID. */
  principalId: string;
  /** Its display name (the name of the Microsoft.ManagedIdentity resource). */
  name?: string;
  /** Lifetime of issued tokens; default 86,400 s (App Service issues day-long identity tokens). */
  tokenLifetimeSeconds?: number;
  /**
   * Called, and awaited, before a token is handed out: a test makes it the password of a database
   * role, as Azure Database for PostgreSQL validates the token against Entra.
   */
  onIssued?: (issued: IssuedIdentityToken) => Promise<void>;
}

/** How the endpoint issues tokens for the resources it knows specially. */
export interface IdentityIssuers {
  signer: JwtSigner;
  tenantId: string;
  /** Roles the identity's service principal holds on Microsoft Graph now. */
  graphRoles(): readonly string[];
  /** The connector token, when the identity is the bot registration's (Azure Bot with msaAppType UserAssignedMSI). */
  connector?: { appId: string; scope: string; issue(nowMs: number): string };
}

/** A running identity endpoint: what App Service puts in the app's environment, and what it issued. */
export interface StartedIdentityEndpoint {
  /** IDENTITY_ENDPOINT, e.g. http://127.0.0.1:41741/msi/token */
  endpoint: string;
  /** IDENTITY_HEADER */
  header: string;
  clientId: string;
  principalId: string;
  issued: IssuedIdentityToken[];
  close(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1 (an ephemeral port). */
export async function startIdentityEndpoint(options: ManagedIdentityOptions, issuers: IdentityIssuers): Promise<StartedIdentityEndpoint> {
  const header = randomBytes(24).toString("hex");
  const issued: IssuedIdentityToken[] = [];
  // The platform caches identity tokens: callers asking at once get the same one.
  const cache = new Map<string, IssuedIdentityToken>();
  const lifetime = options.tokenLifetimeSeconds ?? 86_400;
  const server: Server = createServer((req, res) => {
    void answer(req, res).catch((error: unknown) => send(res, 500, { statusCode: 500, message: `Simulator failure: ${String(error)}` }));
  });

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.toLowerCase() !== "/msi/token") return send(res, 404, { statusCode: 404, message: "Not found" });
    if (req.method !== "GET") return send(res, 405, { statusCode: 405, message: "Only GET is supported." });
    if (req.headers["x-identity-header"] !== header) {
      return send(res, 401, { statusCode: 401, message: "Unauthorized: the X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER." });
    }
    const q = url.searchParams;
    if (q.get("api-version") !== IDENTITY_API_VERSION) {
      return send(res, 400, { statusCode: 400, message: `The api-version '${q.get("api-version") ?? ""}' is not supported; use ${IDENTITY_API_VERSION}.` });
    }
    const resource = (q.get("resource") ?? "").trim();
    if (resource === "") return send(res, 400, { statusCode: 400, message: "The resource parameter is required." });
    const wanted = q.get("client_id") ?? q.get("principal_id") ?? q.get("mi_res_id");
    if (wanted === null) {
      return send(res, 400, { statusCode: 400, message: "No system assigned managed identity is enabled for this app; name a user-assigned one with client_id." });
    }
    const matches =
      wanted.toLowerCase() === options.clientId.toLowerCase() ||
      wanted.toLowerCase() === options.principalId.toLowerCase() ||
      (q.has("mi_res_id") && wanted.toLowerCase().endsWith(`/userassignedidentities/${(options.name ?? "").toLowerCase()}`));
    if (!matches) {
      return send(res, 400, { statusCode: 400, message: "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId." });
    }
    const nowMs = Date.now();
    const key = resource.replace(/\/+$/, "").toLowerCase();
    let record = cache.get(key);
    if (record === undefined || record.expiresOn - Math.floor(nowMs / 1000) <= REISSUE_BEFORE_EXPIRY_SECONDS) {
      const expiresOn = Math.floor(nowMs / 1000) + lifetime;
      record = { resource, clientId: options.clientId, token: issue(resource, nowMs), expiresOn };
      cache.set(key, record);
      await options.onIssued?.(record);
      issued.push(record);
    }
    send(res, 200, { access_token: record.token, expires_on: String(record.expiresOn), resource, token_type: "Bearer", client_id: options.clientId });
  };

  const issue = (resource: string, nowMs: number): string => {
    const bare = resource.replace(/\/+$/, "");
    const connector = issuers.connector;
    if (connector !== undefined && bare.toLowerCase() === connector.scope.replace(/\/+$/, "").toLowerCase() && connector.appId.toLowerCase() === options.clientId.toLowerCase()) {
      return connector.issue(nowMs);
    }
    const now = Math.floor(nowMs / 1000);
    const isGraph = bare.toLowerCase() === GRAPH_RESOURCE || bare.toLowerCase() === GRAPH_APP_ID;
    const issuer = `https://sts.windows.net/${issuers.tenantId}/`;
    return issuers.signer.sign({
      aud: isGraph ? GRAPH_RESOURCE : bare,
      iss: issuer,
      iat: now,
      nbf: now - 300,
      exp: now + lifetime,
      aio: randomBytes(24).toString("base64url"),
      app_displayname: options.name ?? "managed identity",
      appid: options.clientId,
      // 2: the identity authenticated with a credential Azure holds for it (as certificate-based apps do).
      appidacr: "2",
      idp: issuer,
      idtyp: "app",
      oid: options.principalId,
      ...(isGraph ? { roles: [...issuers.graphRoles()] } : {}),
      sub: options.principalId,
      tid: issuers.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ver: "1.0",
      xms_mirid: `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${options.name ?? "identity"}`,
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/msi/token`,
    header,
    clientId: options.clientId,
    principalId: options.principalId,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
