/**
 * App-only access tokens for Microsoft Graph: issued by the token endpoint, checked by every Graph
 * route. The claims mirror a real Entra v1.0 app token so code that decodes tokens (for logging
 * the roles, say) sees what it would see in production.
 */
import { randomBytes } from "node:crypto";
import { GRAPH_APP_ID, GRAPH_RESOURCE } from "./constants.js";
import { GraphError } from "./graph-error.js";
import type { JwtClaims, JwtSigner } from "./jwt.js";

/** Lifetime of an access token, as Entra's `expires_in` reports it. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;

// Entra back-dates nbf by five minutes so a client whose clock is slightly ahead can use a new token.
const NOT_BEFORE_SKEW_SECONDS = 300;

/** The claims of a validated token that Graph routes act on. */
export interface AccessTokenClaims {
  appId: string;
  objectId: string;
  tenantId: string;
  roles: string[];
  expiresAt: number;
}

/** What the token endpoint knows when it issues a token. */
export interface TokenGrant {
  clientId: string;
  appDisplayName: string;
  /** Object id of the client's service principal. */
  servicePrincipalId: string;
  roles: readonly string[];
  /** `1` = client secret, `2` = certificate (client assertion), as in the `appidacr` claim. */
  clientAuthMethod: "1" | "2";
}

/** Issues and validates Graph access tokens for one tenant. */
export class AccessTokenAuthority {
  constructor(
    private readonly signer: JwtSigner,
    private readonly tenantId: string,
  ) {}

  /** The issuer of every token: Entra's v1.0 issuer, which Graph tokens carry. */
  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  /** Signs a new access token for the grant. */
  issue(grant: TokenGrant, nowMs: number = Date.now()): string {
    const now = Math.floor(nowMs / 1000);
    return this.signer.sign({
      aud: GRAPH_RESOURCE,
      iss: this.issuer,
      iat: now,
      nbf: now - NOT_BEFORE_SKEW_SECONDS,
      exp: now + ACCESS_TOKEN_LIFETIME_SECONDS,
      aio: randomBytes(24).toString("base64url"),
      app_displayname: grant.appDisplayName,
      appid: grant.clientId,
      appidacr: grant.clientAuthMethod,
      azp: grant.clientId,
      idp: this.issuer,
      idtyp: "app",
      oid: grant.servicePrincipalId,
      roles: [...grant.roles],
      sub: grant.servicePrincipalId,
      tenant_region_scope: "NA",
      tid: this.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ver: "1.0",
    });
  }

  /**
   * Signs an app-only access token for an API registered in the tenant (a client-credentials grant
   * with `scope=<application ID URI>/.default`), shaped as Entra shapes it for the API's
   * `requestedAccessTokenVersion`: v1.0 (the default) names the requested URI as audience and
   * sts.windows.net as issuer; v2.0 names the API's client ID and the v2.0 issuer of `origin`.
   * `roles` is left out when the client was granted none, as Entra does; `idtyp` ("app") is there
   * only when the API's registration asks for it as an optional access token claim.
   */
  issueForApi(grant: TokenGrant, api: { requestedResource: string; appId: string; version: 1 | 2; optionalClaims?: readonly string[] }, origin: string, nowMs: number = Date.now()): string {
    const now = Math.floor(nowMs / 1000);
    const common = {
      iat: now,
      nbf: now - NOT_BEFORE_SKEW_SECONDS,
      exp: now + ACCESS_TOKEN_LIFETIME_SECONDS,
      aio: randomBytes(24).toString("base64url"),
      oid: grant.servicePrincipalId,
      rh: randomBytes(12).toString("base64url"),
      ...(grant.roles.length > 0 ? { roles: [...grant.roles] } : {}),
      sub: grant.servicePrincipalId,
      tid: this.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ...(api.optionalClaims?.includes("idtyp") === true ? { idtyp: "app" } : {}),
    };
    if (api.version === 2) {
      return this.signer.sign({ aud: api.appId, iss: `${origin}/${this.tenantId}/v2.0`, ...common, azp: grant.clientId, azpacr: grant.clientAuthMethod, ver: "2.0" });
    }
    return this.signer.sign({
      aud: api.requestedResource,
      iss: this.issuer,
      ...common,
      app_displayname: grant.appDisplayName,
      appid: grant.clientId,
      appidacr: grant.clientAuthMethod,
      idp: this.issuer,
      ver: "1.0",
    });
  }

  /**
   * Validates the `Authorization` header of a Graph request.
   * @throws GraphError 401 InvalidAuthenticationToken, worded like Graph's
   */
  validate(authorization: string | undefined, nowMs: number = Date.now()): AccessTokenClaims {
    const match = /^Bearer\s+(\S*)\s*$/i.exec(authorization ?? "");
    const token = match?.[1] ?? "";
    if (token.length === 0) {
      throw unauthorized("Access token is empty.");
    }
    const verification = this.signer.verify(token);
    if (!verification.valid) {
      throw unauthorized(`Access token validation failed: ${verification.reason}.`);
    }
    return this.checkClaims(verification.claims, Math.floor(nowMs / 1000));
  }

  private checkClaims(claims: JwtClaims, now: number): AccessTokenClaims {
    const audience = claims.aud;
    if (audience !== GRAPH_RESOURCE && audience !== `${GRAPH_RESOURCE}/` && audience !== GRAPH_APP_ID) {
      throw unauthorized("Access token validation failed. Invalid audience.");
    }
    if (claims.iss !== this.issuer || claims.tid !== this.tenantId) {
      throw unauthorized("Access token validation failed. Invalid issuer or tenant.");
    }
    const { exp, nbf, appid, oid, roles } = claims;
    if (typeof exp !== "number" || exp <= now) {
      throw unauthorized("Lifetime validation failed, the token is expired.");
    }
    if (typeof nbf === "number" && nbf > now) {
      throw unauthorized("Lifetime validation failed, the token is not yet valid.");
    }
    if (typeof appid !== "string" || typeof oid !== "string") {
      throw unauthorized("Access token validation failed. The token is not an app-only token.");
    }
    const roleList = Array.isArray(roles) ? roles.filter((role): role is string => typeof role === "string") : [];
    return { appId: appid, objectId: oid, tenantId: this.tenantId, roles: roleList, expiresAt: exp };
  }
}

function unauthorized(message: string): GraphError {
  // Graph names the expected authority in WWW-Authenticate so clients know where to get a token.
  return new GraphError(401, "InvalidAuthenticationToken", message, {
    "www-authenticate":
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
      `client_id="${GRAPH_APP_ID}"`,
  });
}
