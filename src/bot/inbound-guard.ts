/**
 * Everything an activity must pass before any handler, Graph call or stored conversation reference:
 *
 * 1. a channel token (when inbound auth is on): botbuilder checks signature, key, lifetime,
 *    audience and endorsements; this adds what it leaves open: the issuer must be the channel's
 *    (BOT_TOKEN_ISSUER), so emulator and skill tokens, which botbuilder accepts from any Entra
 *    app whose appid is the bot's, are refused; and the token's `serviceurl` claim must be present
 *    and equal the activity's serviceUrl, the only place replies go;
 * 2. the channel and tenant: a genuine token proves the Bot Connector sent the activity, not that it
 *    came from Teams or from our tenant: only `msteams` from ALLOWED_TENANT_IDS passes.
 *
 * A bad token is a bare 401 (logged, counted, never audited: anyone can send one). A genuine
 * activity from elsewhere is a bare 403, logged, counted and audited as `activity.refused`; it gets
 * no chat reply, which would go into a foreign tenant. 403 rather than 200: the Bot Connector and
 * whoever watches its logs see the refusal, and an invoke would be malformed as a 200 without a body.
 */
import type { Activity, TurnContext } from "botbuilder";
import type { Logger } from "pino";
import type { NewAuditEntry } from "../audit/audit-log.js";
import type { AuthenticateRequestResult, ChannelAdapter } from "./inbound-auth.js";

/** Why an authenticated activity was refused. */
export type RefusalReason = "channel" | "tenant-missing" | "tenant-not-allowed" | "tenant-mismatch";

/** Why a request was not authenticated. */
export type UnauthenticatedReason =
  | "no-token"
  | "not-channel-issuer"
  | "invalid-token"
  | "service-url"
  | "audience"
  | "metadata-unavailable";

export interface InboundPolicy {
  /** False in demo mode / ALLOW_UNAUTHENTICATED (no BOT_ID). */
  inboundAuth: boolean;
  botId: string;
  /** BOT_TOKEN_ISSUER. */
  tokenIssuer: string;
  /** Lower-case tenant IDs. */
  allowedTenantIds: readonly string[];
}

export interface InboundGuardDeps {
  adapter: ChannelAdapter;
  /** The turn's logic (the teams-ai application). */
  run: (context: TurnContext) => Promise<void>;
  audit: (entry: NewAuditEntry) => Promise<unknown>;
  logger: Logger;
  policy: InboundPolicy;
  /** Audit entries per refusal reason and tenant per minute; past it refusals are only counted and logged. */
  auditPerMinute?: number;
}

/** The HTTP answer to a POST /api/messages. */
export interface InboundOutcome {
  status: number;
  body?: unknown;
}

/** Counts per reason, kept in memory for the log and /readyz. */
export class Counter<K extends string> {
  private readonly counts = new Map<K, number>();

  add(key: K): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  byReason(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** Authenticates, checks channel and tenant, and runs the turn, in that order. */
export class InboundGuard {
  /** Authenticated activities refused for their channel or tenant. */
  readonly refused = new Counter<RefusalReason>();
  /** Requests without a valid channel token. */
  readonly unauthenticated = new Counter<UnauthenticatedReason>();
  private readonly auditWindow = new Map<string, { minute: number; count: number }>();

  constructor(private readonly deps: InboundGuardDeps) {}

  /** Handles one parsed activity and its Authorization header. */
  async handle(raw: Record<string, unknown>, authorization: string): Promise<InboundOutcome> {
    const activity = fixActivity(raw);
    if (activity === undefined) return { status: 400 };

    const authenticated = await this.authenticate(activity, authorization);
    if (typeof authenticated === "string") {
      const n = this.unauthenticated.add(authenticated);
      // Anyone can send these: the first few of each kind are logged, then every hundredth.
      if (n <= 10 || n % 100 === 0) {
        this.deps.logger.info({ reason: authenticated, count: n, unauthenticatedTotal: this.unauthenticated.total() }, "inbound request refused: not authenticated");
      }
      return { status: authenticated === "metadata-unavailable" ? 503 : 401 };
    }

    const refusal = refusalOf(activity, this.deps.policy.allowedTenantIds);
    if (refusal !== undefined) {
      await this.refuse(activity, refusal);
      return { status: 403 };
    }

    try {
      const invoke = await this.deps.adapter.runAuthenticated(authenticated, activity, this.deps.run);
      return { status: invoke?.status ?? 200, body: invoke?.body };
    } catch (err) {
      // The detail is for the log only; the caller learns nothing about the bot's insides.
      this.deps.logger.error({ err, activityType: clip(activity.type, 32) }, "turn failed");
      return { status: 500 };
    }
  }

  private async authenticate(activity: Activity, authorization: string): Promise<AuthenticateRequestResult | UnauthenticatedReason> {
    const { policy, adapter } = this.deps;
    if (!policy.inboundAuth) return adapter.authenticate(activity, "");
    const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization)?.[1];
    if (token === undefined) return "no-token";
    // Refused before botbuilder sees it: a token another issuer signed (an emulator or skill token,
    // which botbuilder would check against Entra's keys) is no channel token, whatever its signature.
    // Reading the unverified payload here only ever refuses.
    const unverified = unverifiedParts(token);
    if (unverified?.payload.iss !== policy.tokenIssuer) return "not-channel-issuer";
    // Shapes no channel token has, refused before botbuilder (whose refusals print key material to stderr).
    if (!cheaplyPlausible(unverified)) return "invalid-token";
    let result: AuthenticateRequestResult;
    try {
      result = await adapter.authenticate(activity, authorization);
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === "number" && status >= 500) {
        this.deps.logger.warn({ err }, "the channel's OpenID metadata could not be loaded");
        return "metadata-unavailable";
      }
      this.deps.logger.debug({ err }, "channel token refused");
      return "invalid-token";
    }
    // Checked again on the verified claims (botbuilder checks the issuer only as a list it was given).
    const identity = result.claimsIdentity;
    if (!identity.isAuthenticated || identity.getClaimValue("iss") !== policy.tokenIssuer) return "not-channel-issuer";
    if (identity.getClaimValue("aud") !== policy.botId) return "audience";
    // botbuilder compares the claim only when the activity names a service URL; here both must
    // exist and be equal, so every reply of the turn goes to the connector the token vouches for.
    const serviceUrlClaim = identity.getClaimValue("serviceurl");
    if (typeof activity.serviceUrl !== "string" || activity.serviceUrl === "" || serviceUrlClaim !== activity.serviceUrl) {
      return "service-url";
    }
    return result;
  }

  private async refuse(activity: Activity, reason: RefusalReason): Promise<void> {
    const count = this.refused.add(reason);
    const details = {
      reason,
      channelId: clip(activity.channelId, 32),
      tenantId: clip(tenantOf(activity), 64),
      activityType: clip(activity.type, 32),
      conversationType: clip(activity.conversation?.conversationType, 16),
    };
    this.deps.logger.warn({ ...details, refusedCount: count, refusedTotal: this.refused.total() }, "activity refused: not from Teams in an allowed tenant");
    if (!this.withinAuditBudget(`${reason}|${details.tenantId}`)) return;
    const from = activity.from as { aadObjectId?: unknown; name?: unknown } | undefined;
    const objectId = typeof from?.aadObjectId === "string" ? clip(from.aadObjectId, 64) : "";
    try {
      await this.deps.audit({
        actor: objectId === "" ? null : { aadObjectId: objectId, name: clip(from?.name, 64) },
        action: "activity.refused",
        requestId: null,
        details,
      });
    } catch (err) {
      this.deps.logger.error({ err }, "could not audit a refused activity");
    }
  }

  /** At most auditPerMinute entries per reason and tenant per minute: a foreign tenant cannot flood the chain. */
  private withinAuditBudget(key: string): boolean {
    const minute = Math.floor(Date.now() / 60_000);
    const slot = this.auditWindow.get(key);
    if (slot === undefined || slot.minute !== minute) {
      if (this.auditWindow.size > 1000) this.auditWindow.clear();
      this.auditWindow.set(key, { minute, count: 1 });
      return true;
    }
    slot.count += 1;
    return slot.count <= (this.deps.auditPerMinute ?? 20);
  }
}

/** The reason an activity is refused for its channel or tenant, or undefined when it may pass. */
export function refusalOf(activity: Activity, allowedTenantIds: readonly string[]): RefusalReason | undefined {
  if (activity.channelId !== "msteams") return "channel";
  const tenant = tenantOf(activity);
  if (tenant === undefined) return "tenant-missing";
  const conversationTenant = (activity.conversation as { tenantId?: unknown } | undefined)?.tenantId;
  if (typeof conversationTenant === "string" && conversationTenant.toLowerCase() !== tenant.toLowerCase()) return "tenant-mismatch";
  if (!allowedTenantIds.includes(tenant.toLowerCase())) return "tenant-not-allowed";
  return undefined;
}

function tenantOf(activity: Activity): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const id = channelData?.tenant?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

interface UnverifiedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** A JWT's header and payload, unverified; undefined when it is not one. */
function unverifiedParts(token: string): UnverifiedToken | undefined {
  const [header = "", payload = ""] = token.split(".");
  try {
    const h: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    const p: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (h === null || typeof h !== "object" || p === null || typeof p !== "object") return undefined;
    return { header: h as Record<string, unknown>, payload: p as Record<string, unknown> };
  } catch {
    // Not JSON: not a token of ours.
    return undefined;
  }
}

/** Channel tokens are RSA-signed, name their key, and are within their lifetime (5 minutes' skew, as botbuilder allows). */
function cheaplyPlausible(token: UnverifiedToken): boolean {
  const { alg, kid } = token.header;
  if (alg !== "RS256" && alg !== "RS384" && alg !== "RS512") return false;
  if (typeof kid !== "string" || kid === "") return false;
  const now = Date.now() / 1000;
  const { exp, nbf } = token.payload;
  if (typeof exp !== "number" || exp + 300 < now) return false;
  if (typeof nbf === "number" && nbf - 300 > now) return false;
  return true;
}

/** Outside text for a log line or audit detail: no control or bidirectional characters, bounded. */
export function clip(value: unknown, max: number): string {
  if (typeof value !== "string") return "";
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").slice(0, max);
}

/** The checks CloudAdapter.process makes on a body before it authenticates (it is bypassed here). */
function fixActivity(raw: Record<string, unknown>): Activity | undefined {
  if (typeof raw.type !== "string" || raw.type === "") return undefined;
  const activity = raw as Partial<Activity> & Record<string, unknown>;
  for (const field of ["timestamp", "expiration", "localTimestamp"] as const) {
    const value = raw[field];
    if (typeof value === "string") {
      activity[`raw${field[0]?.toUpperCase() ?? ""}${field.slice(1)}`] = value;
      (activity as Record<string, unknown>)[field] = new Date(value);
    }
  }
  return activity as Activity;
}
