/**
 * `POST /{tenant}/oauth2/v2.0/token` for the client-credentials grant, with Entra's validation
 * order and AADSTS errors, so the bot's credential handling meets the failures it would meet live.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { GRAPH_APP_ID, GRAPH_RESOURCE } from "./constants.js";
import { ACCESS_TOKEN_LIFETIME_SECONDS } from "./access-tokens.js";
import type { AccessTokenAuthority } from "./access-tokens.js";
import { EntraError, entraErrorResponse, tenantNotFound } from "./entra-error.js";
import type { HandledRequest, SimRequest, SimResponse } from "./http-exchange.js";
import { decodeJwt } from "./jwt.js";
import type { BotRegistration } from "./bot-channel.js";
import type { SimulatedTenant } from "./tenant.js";
import type { SimApplication } from "./tenant-model.js";

/** The `client_assertion_type` of a certificate credential (RFC 7523). */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// Entra tolerates this much clock difference on a client assertion's nbf/exp.
const ASSERTION_CLOCK_SKEW_SECONDS = 300;

// Scopes MSAL may add to any request; they do not name a resource.
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);

/** What the token endpoint needs from the simulator. */
export interface TokenEndpointSettings {
  tenant: SimulatedTenant;
  clientId: string;
  clientSecret: string;
  tokens: AccessTokenAuthority;
  /** The roles to put in the next token (they can change between requests). */
  currentRoles(): readonly string[];
  /** The bot registration, which may ask for a token to the Bot Connector (client secret only). */
  botChannel?: { registration: BotRegistration; issueConnectorToken(): string };
}

/** Handles a token request addressed to `/{tenantSegment}/oauth2/v2.0/token`. */
export function handleTokenRequest(
  request: SimRequest,
  tenantSegment: string,
  origin: string,
  settings: TokenEndpointSettings,
): HandledRequest {
  try {
    return { response: issueToken(request, tenantSegment, origin, settings), authenticated: true };
  } catch (error) {
    if (error instanceof EntraError) {
      return { response: entraErrorResponse(request, error), authenticated: false };
    }
    throw error;
  }
}

function issueToken(
  request: SimRequest,
  tenantSegment: string,
  origin: string,
  settings: TokenEndpointSettings,
): SimResponse {
  if (request.method !== "POST") {
    throw new EntraError(
      400,
      "invalid_request",
      900561,
      `The endpoint only accepts POST, OPTIONS requests. Received a ${request.method} request.`,
    );
  }
  const { tenant } = settings;
  if (!tenant.isKnownAs(tenantSegment)) {
    throw tenantNotFound(tenantSegment);
  }
  const form = request.body.kind === "form" ? request.body.value : {};
  const grantType = requireParameter(form, "grant_type");
  if (grantType !== "client_credentials") {
    throw new EntraError(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'. The simulator supports client_credentials only.`,
    );
  }

  const basic = parseBasicAuthorization(request.headers.authorization);
  const clientId = form.client_id ?? basic?.clientId;
  if (clientId === undefined || clientId.length === 0) {
    throw missingParameter("client_id");
  }
  const bot = settings.botChannel;
  if (bot !== undefined && clientId.toLowerCase() === bot.registration.appId.toLowerCase()) {
    return issueConnectorToken(form, basic?.secret, bot);
  }
  const otherApp = clientId.toLowerCase() === settings.clientId.toLowerCase() ? undefined : tenant.applicationByAppId(clientId);
  if (otherApp !== undefined) {
    return issueForClientApp(form, basic?.secret, otherApp, origin, settings);
  }
  if (clientId.toLowerCase() !== settings.clientId.toLowerCase()) {
    throw new EntraError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. ` +
        "This can happen if the application has not been installed by the administrator of the tenant or " +
        "consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    );
  }

  const secret = form.client_secret ?? basic?.secret;
  let clientAuthMethod: "1" | "2";
  if (secret !== undefined) {
    if (!secretsEqual(secret, settings.clientSecret)) {
      throw new EntraError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret " +
          `value, not the client secret ID, for a secret added to app '${settings.clientId}'.`,
      );
    }
    clientAuthMethod = "1";
  } else if (form.client_assertion !== undefined) {
    checkClientAssertion(form, settings.clientId, allowedAssertionAudiences(origin, tenantSegment, tenant));
    clientAuthMethod = "2";
  } else {
    throw new EntraError(
      401,
      "invalid_client",
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  }

  checkScope(requireParameter(form, "scope"), origin, tenant.displayName);

  const servicePrincipal = [...tenant.servicePrincipals.values()].find(
    (candidate) => candidate.appId.toLowerCase() === settings.clientId.toLowerCase(),
  );
  if (!servicePrincipal) {
    // The generator always creates the bot's service principal; reaching this means a test removed it.
    throw new EntraError(
      400,
      "invalid_client",
      7000112,
      `Application '${settings.clientId}' is disabled or has no service principal in this tenant.`,
    );
  }
  const accessToken = settings.tokens.issue({
    clientId: settings.clientId,
    appDisplayName: servicePrincipal.displayName,
    servicePrincipalId: servicePrincipal.id,
    roles: settings.currentRoles(),
    clientAuthMethod,
  });
  return tokenResponse(accessToken);
}

/**
 * Another app registration of the tenant (an automation client) asking for a token: to an API the
 * tenant registers (`api://…/.default` or its client ID), with the app roles its service principal
 * was granted on that API, or to Microsoft Graph, where it was granted nothing.
 */
function issueForClientApp(
  form: Record<string, string>,
  basicSecret: string | undefined,
  app: SimApplication,
  origin: string,
  settings: TokenEndpointSettings,
): SimResponse {
  const { tenant } = settings;
  const secret = form.client_secret ?? basicSecret;
  if (secret === undefined) {
    throw new EntraError(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
  }
  if (!(app.clientSecrets ?? []).some((known) => secretsEqual(secret, known))) {
    throw new EntraError(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`,
    );
  }
  const servicePrincipal = tenant.servicePrincipalByAppId(app.appId);
  if (servicePrincipal === undefined) {
    throw new EntraError(400, "invalid_client", 7000112, `Application '${app.appId}' is disabled or has no service principal in this tenant.`);
  }
  const resource = resourceOfScope(requireParameter(form, "scope"));
  const grant = { clientId: app.appId, appDisplayName: servicePrincipal.displayName, servicePrincipalId: servicePrincipal.id, clientAuthMethod: "1" as const };
  if (graphResources(origin).has(resource.toLowerCase())) {
    return tokenResponse(settings.tokens.issue({ ...grant, roles: [] }));
  }
  const api = [...tenant.applications.values()].find(
    (candidate) => candidate.appId.toLowerCase() === resource.toLowerCase() || (candidate.identifierUris ?? []).some((uri) => uri.toLowerCase() === resource.toLowerCase()),
  );
  if (api === undefined || tenant.servicePrincipalByAppId(api.appId) === undefined) {
    throw new EntraError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  const roles = tenant.grantedAppRoles(servicePrincipal.id, api.appId);
  const version = api.requestedAccessTokenVersion === 2 ? 2 : 1;
  const optionalClaims = (api.optionalClaims?.accessToken ?? []).map((claim) => claim.name);
  return tokenResponse(settings.tokens.issueForApi({ ...grant, roles }, { requestedResource: resource, appId: api.appId, version, optionalClaims }, origin));
}

/** The resource a client-credentials scope names (one scope, `<resource>/.default`). */
function resourceOfScope(scopeParameter: string): string {
  const scopes = scopeParameter.split(/\s+/).filter((scope) => scope.length > 0 && !OIDC_SCOPES.has(scope.toLowerCase()));
  const [scope] = scopes;
  if (scope === undefined || scopes.length > 1 || !scope.toLowerCase().endsWith("/.default")) {
    throw new EntraError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scopeParameter} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  return scope.slice(0, -"/.default".length).replace(/\/+$/, "");
}

function graphResources(origin: string): Set<string> {
  return new Set([GRAPH_RESOURCE, GRAPH_APP_ID, origin, `${origin}/v1.0`].map((value) => value.toLowerCase()));
}

/** The bot registration's client-credentials grant: a token for the Bot Connector, nothing else. */
function issueConnectorToken(
  form: Record<string, string>,
  basicSecret: string | undefined,
  bot: { registration: BotRegistration; issueConnectorToken(): string },
): SimResponse {
  const secret = form.client_secret ?? basicSecret;
  if (secret === undefined) {
    throw new EntraError(401, "invalid_client", 7000216, "'client_secret' is required for the bot registration in the simulator.");
  }
  if (!secretsEqual(secret, bot.registration.password)) {
    throw new EntraError(401, "invalid_client", 7000215, `Invalid client secret provided for app '${bot.registration.appId}'.`);
  }
  const scope = requireParameter(form, "scope");
  const expected = `${bot.registration.connectorScope.replace(/\/+$/, "")}/.default`.toLowerCase();
  if (scope.toLowerCase().replace(/\/\/\.default$/, "/.default") !== expected) {
    throw new EntraError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid for the bot registration; expected ${expected}.`);
  }
  return tokenResponse(bot.issueConnectorToken());
}

/** Entra's answer to a successful client-credentials grant. */
function tokenResponse(accessToken: string): SimResponse {
  return {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: {
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
    },
  };
}

function missingParameter(name: string): EntraError {
  return new EntraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`);
}

function requireParameter(form: Record<string, string>, name: string): string {
  const value = form[name];
  if (value === undefined || value.length === 0) {
    throw missingParameter(name);
  }
  return value;
}

function parseBasicAuthorization(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) {
    return undefined;
  }
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
    secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
  };
}

function secretsEqual(given: string, expected: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function allowedAssertionAudiences(origin: string, tenantSegment: string, tenant: SimulatedTenant): Set<string> {
  const names = new Set([tenantSegment, tenant.tenantId, ...tenant.domains].map((name) => name.toLowerCase()));
  const audiences = new Set<string>();
  for (const name of names) {
    audiences.add(`${origin}/${name}/oauth2/v2.0/token`.toLowerCase());
    audiences.add(`${origin}/${name}/oauth2/token`.toLowerCase());
    audiences.add(`${origin}/${name}/v2.0`.toLowerCase());
  }
  return audiences;
}

/**
 * Checks a certificate credential's client assertion as far as the simulator can: it must be a
 * well-formed JWT for this client and this token endpoint, within its validity period. The
 * signature is NOT verified: the certificate's public key is registered on the app in a real tenant,
 * and the simulator has no way to know it.
 */
function checkClientAssertion(form: Record<string, string>, clientId: string, audiences: Set<string>): void {
  const assertionType = form.client_assertion_type;
  if (assertionType === undefined) {
    throw missingParameter("client_assertion_type");
  }
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
    throw new EntraError(
      400,
      "invalid_request",
      50027,
      `JWT token is invalid or malformed. client_assertion_type must be '${JWT_BEARER_ASSERTION_TYPE}'.`,
    );
  }
  const decoded = decodeJwt(form.client_assertion ?? "");
  if (!decoded) {
    throw new EntraError(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
  }
  const { iss, sub, aud, exp, nbf } = decoded.payload;
  const lowerClientId = clientId.toLowerCase();
  if (typeof iss !== "string" || typeof sub !== "string" || iss.toLowerCase() !== lowerClientId || sub.toLowerCase() !== lowerClientId) {
    throw new EntraError(
      401,
      "invalid_client",
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    );
  }
  const audienceList = Array.isArray(aud) ? aud : [aud];
  if (!audienceList.some((value) => typeof value === "string" && audiences.has(value.toLowerCase()))) {
    throw new EntraError(
      401,
      "invalid_client",
      50027,
      "JWT token is invalid or malformed. The client assertion's audience must be this tenant's token endpoint.",
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const expired = typeof exp !== "number" || exp + ASSERTION_CLOCK_SKEW_SECONDS <= now;
  const early = typeof nbf === "number" && nbf - ASSERTION_CLOCK_SKEW_SECONDS > now;
  if (expired || early) {
    throw new EntraError(
      401,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}.`,
    );
  }
}

function checkScope(scopeParameter: string, origin: string, tenantName: string): void {
  const scopes = scopeParameter.split(/\s+/).filter((scope) => scope.length > 0 && !OIDC_SCOPES.has(scope.toLowerCase()));
  const [scope] = scopes;
  if (scope === undefined || scopes.length > 1 || !scope.toLowerCase().endsWith("/.default")) {
    throw new EntraError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scopeParameter} is not valid. Client credential flows must have a scope ` +
        "value with /.default suffixed to the resource identifier (application ID URI).",
    );
  }
  // Entra tolerates a doubled slash before .default ("https://graph.microsoft.com//.default").
  const resource = scope.slice(0, -"/.default".length).replace(/\/+$/, "").toLowerCase();
  const graphResources = new Set(
    [GRAPH_RESOURCE, GRAPH_APP_ID, origin, `${origin}/v1.0`].map((value) => value.toLowerCase()),
  );
  if (!graphResources.has(resource)) {
    throw new EntraError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can ` +
        "happen if the application has not been installed by the administrator of the tenant or consented " +
        "to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
    );
  }
}
