/**
 * The Bot Framework side of the simulator, so the bot runs with inbound and outbound channel
 * authentication ON in tests and the demo's tooling:
 *
 * - the channel's OpenID metadata and signing keys (what login.botframework.com serves under
 *   `/v1/.well-known/…`), each key with the `endorsements` (channel ids) botbuilder checks;
 * - tokens signed as the Bot Connector signs the one it sends with every activity (`iss` the
 *   channel issuer, `aud` the bot's app id, `serviceurl` the connector the bot must answer);
 * - the bot registration as an Entra client: the token endpoint issues it tokens for the connector
 *   (BOT_OAUTH_SCOPE), and checkConnectorToken verifies what the bot sends to the connector.
 */
import { randomBytes } from "node:crypto";
import { ACCESS_TOKEN_LIFETIME_SECONDS } from "./access-tokens.js";
import type { HandledRequest, SimRequest } from "./http-exchange.js";
import { JwtSigner } from "./jwt.js";
import type { JwtClaims } from "./jwt.js";

/** First path segment of the channel's metadata: `/botframework/v1/.well-known/openidconfiguration`. */
export const CHANNEL_PATH_SEGMENT = "botframework";

/** Channels the Teams key is endorsed for, and those of the second key (never msteams). */
export const TEAMS_KEY_ENDORSEMENTS: readonly string[] = ["msteams"];
export const OTHER_KEY_ENDORSEMENTS: readonly string[] = ["webchat", "directline"];

interface ChannelKeys {
  teams: JwtSigner;
  other: JwtSigner;
}

let sharedKeys: Promise<ChannelKeys> | undefined;

/**
 * One pair of channel keys per process. botbuilder caches a metadata URL's keys process-wide for
 * up to a day, so a simulator started later on a port an earlier one used must publish the same
 * keys, or genuine tokens would meet a stale cache.
 */
function channelKeys(): Promise<ChannelKeys> {
  sharedKeys ??= Promise.all([JwtSigner.generate(), JwtSigner.generate()]).then(([teams, other]) => ({ teams, other }));
  return sharedKeys;
}

/** How to make a channel token; every field has a default that makes a genuine one. */
export interface ChannelTokenOptions {
  /** `serviceurl` claim: the connector the activity came through (omit to leave the claim out). */
  serviceUrl?: string;
  /** `aud`: default the simulated bot registration's app id. */
  audience?: string;
  /** The published key that signs: Teams' (default) or the one endorsed only for other channels. */
  key?: "msteams" | "other-channel";
  /** `nbf` and `exp` relative to now, in seconds; default -300 and +3600. */
  notBeforeSeconds?: number;
  expiresInSeconds?: number;
  /** Claims added or replaced after the defaults. */
  claims?: JwtClaims;
  /** Header fields added or replaced (e.g. `kid`). */
  header?: JwtClaims;
}

/** The verdict on a token the bot sent to the connector. */
export type ConnectorTokenCheck = { valid: true; claims: JwtClaims } | { valid: false; reason: string };

/** The bot registration the simulated tenant knows, and the connector audience it may ask for. */
export interface BotRegistration {
  appId: string;
  password: string;
  /** BOT_OAUTH_SCOPE: the resource of connector tokens. */
  connectorScope: string;
}

/** The simulated Bot Framework channel of one simulator. */
export class BotChannel {
  private constructor(
    private readonly keys: ChannelKeys,
    /** Entra's key: signs the connector tokens the token endpoint issues to the bot. */
    private readonly entraSigner: JwtSigner,
    private readonly tenantId: string,
    readonly registration: BotRegistration,
    /** The channel's token issuer (BOT_TOKEN_ISSUER). */
    readonly issuer: string,
    /** BOT_OPENID_METADATA_URL. */
    readonly openIdMetadataUrl: string,
  ) {}

  static async create(url: string, entraSigner: JwtSigner, tenantId: string, registration: BotRegistration): Promise<BotChannel> {
    const keys = await channelKeys();
    return new BotChannel(
      keys,
      entraSigner,
      tenantId,
      registration,
      `${url}/${CHANNEL_PATH_SEGMENT}`,
      `${url}/${CHANNEL_PATH_SEGMENT}/v1/.well-known/openidconfiguration`,
    );
  }

  /** The key id of the published, Teams-endorsed channel key. */
  get keyId(): string {
    return this.keys.teams.keyId;
  }

  /** PEM of the Teams-endorsed public key (which a forger knows: it is published). */
  publicKeyPem(): string {
    return this.keys.teams.publicKeyPem();
  }

  /** A token as the Bot Connector sends it with an activity; options make forged variants. */
  issueChannelToken(options: ChannelTokenOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const claims: JwtClaims = {
      iss: this.issuer,
      aud: options.audience ?? this.registration.appId,
      nbf: now + (options.notBeforeSeconds ?? -300),
      exp: now + (options.expiresInSeconds ?? 3600),
    };
    if (options.serviceUrl !== undefined) claims.serviceurl = options.serviceUrl;
    const signer = options.key === "other-channel" ? this.keys.other : this.keys.teams;
    return signer.sign({ ...claims, ...options.claims }, options.header);
  }

  /** Signs arbitrary claims with the tenant's Entra key (published at its JWKS): emulator-style tokens for tests. */
  signAsEntra(claims: JwtClaims): string {
    return this.entraSigner.sign(claims);
  }

  /** The token the token endpoint gives the bot registration for the connector. */
  issueConnectorToken(nowMs: number = Date.now()): string {
    const now = Math.floor(nowMs / 1000);
    const issuer = `https://sts.windows.net/${this.tenantId}/`;
    return this.entraSigner.sign({
      aud: this.registration.connectorScope,
      iss: issuer,
      iat: now,
      nbf: now - 300,
      exp: now + ACCESS_TOKEN_LIFETIME_SECONDS,
      appid: this.registration.appId,
      appidacr: "1",
      azp: this.registration.appId,
      idtyp: "app",
      tid: this.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ver: "1.0",
    });
  }

  /**
   * Checks the Authorization header of a call the bot made to the connector, as the Bot Connector
   * does: a bearer token signed by Entra's key, for the connector audience, from the bot's app id,
   * within its lifetime.
   */
  checkConnectorToken(authorization: string | undefined): ConnectorTokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (match?.[1] === undefined) return { valid: false, reason: "no bearer token" };
    const verified = this.entraSigner.verify(match[1]);
    if (!verified.valid) return { valid: false, reason: verified.reason };
    const { aud, appid, exp, nbf, tid } = verified.claims;
    const now = Math.floor(Date.now() / 1000);
    const scope = this.registration.connectorScope.replace(/\/+$/, "");
    if (typeof aud !== "string" || aud.replace(/\/+$/, "") !== scope) return { valid: false, reason: `audience ${String(aud)} is not ${scope}` };
    if (appid !== this.registration.appId) return { valid: false, reason: `appid ${String(appid)} is not the bot's` };
    if (tid !== this.tenantId) return { valid: false, reason: "another tenant's token" };
    if (typeof exp !== "number" || exp <= now) return { valid: false, reason: "expired" };
    if (typeof nbf === "number" && nbf > now) return { valid: false, reason: "not yet valid" };
    return { valid: true, claims: verified.claims };
  }

  /** Serves the channel's OpenID metadata and keys; undefined for any other path. */
  handle(request: SimRequest): HandledRequest | undefined {
    if (request.segments[0] !== CHANNEL_PATH_SEGMENT) return undefined;
    const route = request.segments.slice(1).join("/").toLowerCase();
    const base = this.issuer;
    if (route === "v1/.well-known/openidconfiguration") {
      return json({
        issuer: this.issuer,
        authorization_endpoint: `${base}/v1/.well-known/authorize`,
        jwks_uri: `${base}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["private_key_jwt"],
      });
    }
    if (route === "v1/.well-known/keys") {
      return json({
        keys: [
          { ...this.keys.teams.publicJwk(), endorsements: [...TEAMS_KEY_ENDORSEMENTS] },
          { ...this.keys.other.publicJwk(), endorsements: [...OTHER_KEY_ENDORSEMENTS] },
        ],
      });
    }
    return {
      response: { status: 404, headers: { "content-type": "application/json" }, body: { error: "not_found" } },
      authenticated: false,
    };
  }
}

function json(body: unknown): HandledRequest {
  return { response: { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body }, authenticated: false };
}
