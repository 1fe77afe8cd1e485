/**
 * Microsoft Entra access tokens for the automation API: app-only tokens to the bot's Graph app
 * registration (`api://<client id>` or the client ID), from the bot's own tenant, signed with a
 * key the tenant's OpenID metadata publishes. Metadata and keys come from AZURE_AUTHORITY_HOST
 * (`{authority}/{tenant}/v2.0/.well-known/openid-configuration` and its `jwks_uri`; the v1.0
 * document for the issuer of v1.0 tokens), are cached, and the keys are read again when a token
 * names a key not seen yet (at most once per `minKeyRefreshMs`, so forged key IDs cannot make the
 * bot hammer Entra).
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from "node:crypto";

/** The app that called, as its token says. */
export interface ApiCaller {
  /** Application (client) ID: `appid` (v1.0) or `azp` (v2.0). */
  appId: string;
  /** Object ID of the app's service principal (or managed identity): `oid`. */
  objectId: string;
  /** `app_displayname`, when the token carries it (v1.0 tokens). */
  displayName: string | undefined;
  /** The app roles granted to the caller on the bot's API (`roles`). */
  roles: readonly string[];
}

/** The result of checking a token: the caller, or why it was refused. */
export type TokenCheck =
  | { ok: true; caller: ApiCaller }
  /** 401: no token (`missing`), or a token that is not valid here; `reason` is for the caller and the log. */
  | { ok: false; kind: "missing" | "invalid"; reason: string }
  /** The metadata or keys could not be read: not the caller's fault (503). */
  | { ok: false; kind: "unavailable"; reason: string };

/** Checks the Authorization header of an API call. */
export interface AccessTokenValidator {
  validate(authorization: string | undefined): Promise<TokenCheck>;
}

export interface EntraTokenOptions {
  /** AZURE_AUTHORITY_HOST */
  authorityHost: string;
  /** The bot's tenant (AZURE_TENANT_ID): the only tenant whose tokens are accepted. */
  tenantId: string;
  /** API_APP_ID (default AZURE_CLIENT_ID): the API's audience is `api://<it>` or it. */
  clientId: string;
  /** Reads a JSON document over HTTPS (tests and the composition root pass fetch). */
  fetchJson?: (url: string) => Promise<unknown>;
  now?: () => number;
  /** Clock difference tolerated on `exp` and `nbf`; default 60 s. */
  clockSkewSeconds?: number;
  /** Least time between two reads of the keys on an unknown key ID; default 60 s. */
  minKeyRefreshMs?: number;
  /** How long metadata and keys are used before being read again; default 24 h. */
  maxAgeMs?: number;
}

/** Longest Authorization header read: Entra tokens are a few kB, even with many roles. */
const MAX_TOKEN_LENGTH = 16 * 1024;

interface Metadata {
  /** The v1.0 document's issuer (`https://sts.windows.net/{tid}/`): the only one for `ver` 1.0 tokens. */
  v1Issuer: string;
  /** The v2.0 document's issuer (`{authority}/{tid}/v2.0`): the only one for `ver` 2.0 tokens. */
  v2Issuer: string;
  jwksUri: string;
}

export class EntraTokenValidator implements AccessTokenValidator {
  private metadata: { at: number; value: Promise<Metadata> } | undefined;
  private keys = new Map<string, KeyObject>();
  private keysAt = Number.NEGATIVE_INFINITY;
  private keysLoading: Promise<void> | undefined;
  /** The last read of the keys failed (the keys kept are an older read's, if any). */
  private keysFailed = false;
  private readonly tenantId: string;
  private readonly audiences: Set<string>;

  constructor(private readonly options: EntraTokenOptions) {
    this.tenantId = options.tenantId.toLowerCase();
    const client = options.clientId.toLowerCase();
    this.audiences = new Set([`api://${client}`, client]);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async validate(authorization: string | undefined): Promise<TokenCheck> {
    if (authorization === undefined || authorization.trim() === "") return { ok: false, kind: "missing", reason: "no access token was sent (Authorization: Bearer <token>)" };
    if (authorization.length > MAX_TOKEN_LENGTH) return invalid("the Authorization header is too long to hold an Entra access token");
    const match = /^Bearer +([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization.trim());
    if (match === null) return invalid("the Authorization header is not 'Bearer' and a JWT");
    const [, headerPart = "", payloadPart = "", signaturePart = ""] = match;
    const header = jsonObject(headerPart);
    const claims = jsonObject(payloadPart);
    if (header === undefined || claims === undefined) return invalid("the token is not a well-formed JWT");
    if (header.alg !== "RS256") return invalid(`the token is signed with '${String(header.alg).slice(0, 20)}'; only RS256 is accepted`);
    if (typeof header.kid !== "string" || header.kid === "" || header.kid.length > 200) return invalid("the token names no signing key (kid)");

    let metadata: Metadata;
    let key: KeyObject | undefined;
    try {
      metadata = await this.loadMetadata();
      key = await this.keyFor(header.kid, metadata);
    } catch (err) {
      return { ok: false, kind: "unavailable", reason: `Entra's OpenID metadata or signing keys could not be read from AZURE_AUTHORITY_HOST (${err instanceof Error ? err.message : String(err)})` };
    }
    if (key === undefined) return invalid("the token is signed with a key the tenant does not publish");
    if (!verify("sha256", Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, "base64url"))) {
      return invalid("the token's signature is not valid");
    }
    return this.checkClaims(claims, metadata);
  }

  private checkClaims(claims: Record<string, unknown>, metadata: Metadata): TokenCheck {
    const { iss, tid, aud, exp, nbf, ver } = claims;
    // Each token version against its own issuer (Microsoft's token validation guidance): a v1.0
    // token claiming the v2.0 issuer, or the reverse, was not made by Entra for this API.
    const issuer = ver === "1.0" ? metadata.v1Issuer : ver === "2.0" ? metadata.v2Issuer : undefined;
    if (typeof tid !== "string" || tid.toLowerCase() !== this.tenantId || typeof iss !== "string" || issuer === undefined || iss !== issuer) {
      return invalid("the token was not issued by the bot's tenant (issuer or tenant ID differ)");
    }
    if (typeof aud !== "string" || !this.audiences.has(aud.toLowerCase())) {
      return invalid(`the token is for another audience; ask Entra for scope api://${this.options.clientId}/.default`);
    }
    const now = Math.floor(this.now() / 1000);
    const skew = this.options.clockSkewSeconds ?? 60;
    if (typeof exp !== "number" || exp + skew <= now) return invalid("the token has expired");
    if (typeof nbf === "number" && nbf - skew > now) return invalid("the token is not valid yet");
    // The API is for apps' own identities. A user's delegated token carries scp and idtyp "user";
    // only a token that says idtyp "app" is taken as app-only (the registration asks for the claim).
    if (claims.scp !== undefined || claims.idtyp === "user") {
      return invalid("the token is a user's delegated token; call the API with the app's own identity (client credentials or a managed identity)");
    }
    if (claims.idtyp !== "app") {
      return invalid("the token does not say it is an app-only token (idtyp=app): the bot's app registration must request the optional access token claim idtyp (manifest/app-registration-api.json)");
    }
    const appId = claims.ver === "2.0" ? claims.azp : claims.appid;
    const oid = claims.oid;
    if (typeof appId !== "string" || !GUID.test(appId) || typeof oid !== "string" || !GUID.test(oid)) {
      return invalid("the token names no calling app (appid/azp and oid)");
    }
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [];
    const name = typeof claims.app_displayname === "string" ? claims.app_displayname.slice(0, 120) : undefined;
    return { ok: true, caller: { appId: appId.toLowerCase(), objectId: oid.toLowerCase(), displayName: name, roles } };
  }

  private loadMetadata(): Promise<Metadata> {
    const maxAge = this.options.maxAgeMs ?? 24 * 3_600_000;
    if (this.metadata === undefined || this.now() - this.metadata.at > maxAge) {
      const value = this.readMetadata();
      this.metadata = { at: this.now(), value };
      // A failed read is not kept: the next call tries again.
      value.catch(() => {
        if (this.metadata?.value === value) this.metadata = undefined;
      });
    }
    return this.metadata.value;
  }

  private async readMetadata(): Promise<Metadata> {
    const authority = this.options.authorityHost.replace(/\/+$/, "");
    const [v2, v1] = await Promise.all([
      this.fetchJson(`${authority}/${this.tenantId}/v2.0/.well-known/openid-configuration`),
      this.fetchJson(`${authority}/${this.tenantId}/.well-known/openid-configuration`),
    ]);
    const issuerOf = (doc: unknown): string => {
      const issuer = (doc as { issuer?: unknown }).issuer;
      if (typeof issuer !== "string") throw new Error("the OpenID metadata names no issuer");
      return issuer.replace("{tenantid}", this.tenantId);
    };
    const jwksUri = (v2 as { jwks_uri?: unknown }).jwks_uri;
    if (typeof jwksUri !== "string" || !jwksUri.startsWith("https://")) throw new Error("the OpenID metadata names no https jwks_uri");
    return { v1Issuer: issuerOf(v1), v2Issuer: issuerOf(v2), jwksUri };
  }

  /** The key with this ID; an unknown ID reads the keys again, unless they were read a moment ago. */
  private async keyFor(kid: string, metadata: Metadata): Promise<KeyObject | undefined> {
    const maxAge = this.options.maxAgeMs ?? 24 * 3_600_000;
    const age = this.now() - this.keysAt;
    if (this.keysLoading === undefined && (age > maxAge || (!this.keys.has(kid) && age > (this.options.minKeyRefreshMs ?? 60_000)))) {
      this.keysLoading = this.readKeys(metadata.jwksUri).finally(() => {
        this.keysLoading = undefined;
      });
    }
    // A read in flight (this call's or a concurrent one's) is awaited: concurrent first calls must
    // not judge a token against the empty key set the read is about to fill.
    if (this.keysLoading !== undefined) await this.keysLoading;
    // No key was ever read and the last read failed: Entra's fault or ours, not the caller's (503).
    if (this.keys.size === 0 && this.keysFailed) throw new Error("the tenant's signing keys could not be read");
    return this.keys.get(kid);
  }

  private async readKeys(jwksUri: string): Promise<void> {
    // Counted as read even when it fails, so a failing endpoint is not asked on every call.
    this.keysAt = this.now();
    this.keysFailed = true;
    const doc = (await this.fetchJson(jwksUri)) as { keys?: unknown };
    if (!Array.isArray(doc.keys)) throw new Error("the key set holds no keys");
    const keys = new Map<string, KeyObject>();
    for (const jwk of doc.keys as Array<JsonWebKey & { kid?: unknown; use?: unknown }>) {
      if (jwk.kty !== "RSA" || typeof jwk.kid !== "string" || (jwk.use !== undefined && jwk.use !== "sig")) continue;
      try {
        keys.set(jwk.kid, createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" }));
      } catch {
        // A key that does not parse cannot have signed anything we accept: left out.
        continue;
      }
    }
    this.keys = keys;
    this.keysFailed = false;
  }

  private async fetchJson(url: string): Promise<unknown> {
    if (this.options.fetchJson !== undefined) return this.options.fetchJson(url);
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return res.json();
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(reason: string): TokenCheck {
  return { ok: false, kind: "invalid", reason };
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: the caller answers that the token is malformed.
    return undefined;
  }
}
