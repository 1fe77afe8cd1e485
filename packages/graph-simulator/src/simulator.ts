/**
 * startSimulator: one HTTPS server that answers as both Entra ID (the token authority) and
 * Microsoft Graph v1.0, over a seeded fictional tenant. Tests start it in-process; the demo starts
 * it next to the bot and points AZURE_AUTHORITY_HOST and GRAPH_BASE_URL at it; a benchmark starts it
 * with a bulk department, the write quota it wants and the request log off.
 *
 * What a Graph request meets, in order: its fault draw (taken on arrival from a seeded generator),
 * latency (+ jitter, + slowness), a possible connection reset, the bearer token, queued and random
 * faults, route and permission, the write quota (token bucket), then the operation. A `$batch`
 * envelope pays the base latency once and runs its items in parallel, each with its own jitter,
 * slowness, faults, permission check and quota token.
 */
import { writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { isIP } from "node:net";
import { AccessTokenAuthority } from "./access-tokens.js";
import type { BulkDepartmentOptions } from "./bulk-department.js";
import { createTlsIdentity } from "./certificate.js";
import type { TlsIdentity } from "./certificate.js";
import { BotChannel } from "./bot-channel.js";
import type { BotRegistration } from "./bot-channel.js";
import {
  ALL_GRAPH_ROLES,
  BOT_CONNECTOR_SCOPE,
  SIM_BOT_APP_ID,
  SIM_BOT_PASSWORD,
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
} from "./constants.js";
import { EntraError, entraErrorResponse } from "./entra-error.js";
import { AppInsightsIngestion, isIngestionTarget } from "./app-insights.js";
import type { TelemetryEnvelope } from "./app-insights.js";
import { handleEntraRequest } from "./entra-routes.js";
import type { EntraRouteSettings } from "./entra-routes.js";
import { RandomFaults } from "./fault-rates.js";
import type { FaultRates, FaultStats } from "./fault-rates.js";
import { FaultQueue, faultHeaders } from "./faults.js";
import type { FaultSpec } from "./faults.js";
import { BATCH_RESPONSE_ORDERS } from "./graph-batch.js";
import type { BatchResponseOrder } from "./graph-batch.js";
import { graphErrorBody } from "./graph-error.js";
import { GRAPH_VERSION_SEGMENT, handleGraphRequest } from "./graph-router.js";
import type { GraphRouterSettings } from "./graph-router.js";
import { BodyTooLargeError, readBody, toSimRequest, writeResponse } from "./http-exchange.js";
import type { HandledRequest, SimRequest, SimResponse } from "./http-exchange.js";
import { JwtSigner } from "./jwt.js";
import { SeededRandom } from "./prng.js";
import { recordRequest } from "./request-log.js";
import type { RecordedRequest } from "./request-log.js";
import type { SimulatedTenant } from "./tenant.js";
import { createSimulatedTenant } from "./tenant-generator.js";
import { ThrottleLimits, type ThrottleLimitOptions, type ThrottleLimitStats } from "./throttle-limits.js";
import { WriteQuota } from "./write-quota.js";
import { startIdentityEndpoint } from "./managed-identity.js";
import type { ManagedIdentityOptions, StartedIdentityEndpoint } from "./managed-identity.js";
import { ReportsQuota } from "./reports-quota.js";
import type { ReportsQuotaOptions } from "./reports-quota.js";
import { IdentityProtectionQuota } from "./identity-protection-quota.js";
import type { IdentityProtectionQuotaOptions } from "./identity-protection-quota.js";
import { HOSTILE_IPV4, recordSignIn } from "./graph-signins.js";
import type { WriteQuotaOptions, WriteQuotaStats } from "./write-quota.js";

/** How to start a simulator; every field has a default. */
export interface SimulatorOptions {
  /** Interface to listen on; default "127.0.0.1". */
  host?: string;
  /** TCP port; default 0 = an ephemeral port. */
  port?: number;
  /** Directory id of the simulated tenant; default SIM_TENANT_ID. */
  tenantId?: string;
  /** PRNG seed, default 42: the tenant is identical for a given seed. */
  seed?: number;
  /** Generated users besides the well-known ones; default 300. */
  userCount?: number;
  /** App roles put in issued tokens' `roles` claim; default ALL_GRAPH_ROLES. */
  roles?: string[];
  /**
   * Added delay per Graph request; default 0. A `$batch` envelope pays it once, not per item (its
   * items run in parallel and add only their own jitter and slowness).
   */
  latencyMs?: number;
  /** Random extra delay, uniform in [0, latencyJitterMs), per Graph request and per `$batch` item; default 0. */
  latencyJitterMs?: number;
  /** Random 5xx, connection resets and slow responses, drawn from a seeded generator; default none. */
  faultRates?: FaultRates;
  /** The write quota per app+tenant (a token bucket); default 3,000 writes per 150,000 ms. */
  writeQuota?: WriteQuotaOptions;
  /**
   * Graph's other identity limits, enforced with the write quota (the first reached wins): resource
   * units per app+tenant, writes per tenant over all apps, per app over all tenants; default none.
   */
  throttleLimits?: ThrottleLimitOptions[];
  /**
   * The reports APIs' limit (sign-in log reads), a sliding window per app and tenant; default 5
   * requests per 10,000 ms as Microsoft documents it; false turns it off (a test measuring
   * something else).
   */
  reportsQuota?: ReportsQuotaOptions | false;
  /**
   * Identity Protection's limit (riskyUsers/confirmCompromised): 1 request per second per tenant,
   * 429 without Retry-After, as Microsoft documents it; `false` turns it off.
   */
  identityProtectionQuota?: IdentityProtectionQuotaOptions | false;
  /**
   * Whoever stole a revoked user's password signs in again: after each revocation of a user who
   * signed in successfully from `ip` (default HOSTILE_IPV4) before, a successful sign-in from it is
   * logged `delayMs` later (a failure, 50057, if the account is disabled by then). Default off.
   */
  attackerReturns?: { delayMs: number; ip?: string; app?: string };
  /** The order `$batch` responses come back in; default "request". */
  batchResponseOrder?: BatchResponseOrder;
  /** Extra users in one department, e.g. `{ name: "Load Test", count: 100_000 }`, for benchmarks. */
  bulkDepartment?: BulkDepartmentOptions;
  /**
   * Keep the request log (`requests`); default true. A benchmark sending 100,000 writes can turn it
   * off to keep memory flat; the counters of stats() are kept either way.
   */
  recordRequests?: boolean;
  /** The accepted client secret; default SIM_CLIENT_SECRET. */
  clientSecret?: string;
  /** The accepted client id; default SIM_CLIENT_ID. */
  clientId?: string;
  /**
   * Certificate and key to serve; default a fresh self-signed one. Pass one the process already
   * trusts (NODE_EXTRA_CA_CERTS is read only at start) so in-process clients accept the simulator.
   */
  tls?: TlsIdentity;
  /** The bot registration (Azure Bot resource) the channel addresses; default SIM_BOT_APP_ID / SIM_BOT_PASSWORD / BOT_CONNECTOR_SCOPE. */
  botRegistration?: Partial<BotRegistration>;
  /**
   * Serve App Service's managed identity endpoint for this user-assigned identity (plain HTTP on
   * 127.0.0.1, as App Service serves it); default off. Make `botRegistration.appId` its client ID
   * for an Azure Bot with msaAppType UserAssignedMSI.
   */
  managedIdentity?: ManagedIdentityOptions;
}

/** A running simulator and the handles tests use to steer and inspect it. */
export interface StartedSimulator {
  /** e.g. "https://127.0.0.1:41234" */
  url: string;
  /** Same as url: MSAL builds `${authorityHost}/${tenantId}/…`. */
  authorityHost: string;
  /** `${url}/v1.0` */
  graphBaseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM of the self-signed certificate; trust it via NODE_EXTRA_CA_CERTS or a `ca` option. */
  caCertPem: string;
  /** Writes caCertPem to a file (for NODE_EXTRA_CA_CERTS). */
  writeCaCert(path: string): Promise<void>;
  /** Live directory state. */
  tenant: SimulatedTenant;
  /**
   * The Bot Framework channel: its OpenID metadata URL and issuer (BOT_OPENID_METADATA_URL,
   * BOT_TOKEN_ISSUER), the bot registration (BOT_ID, BOT_PASSWORD, BOT_OAUTH_SCOPE; its
   * BOT_LOGIN_URL is `${url}/${tenantId}`), channel tokens for activities, and the check of the
   * bot's tokens to the connector.
   */
  channel: BotChannel;
  /**
   * Signs any claims with Entra's signing key (the key the tenant's JWKS publishes). Entra signs
   * the tokens of every tenant, and of delegated sign-ins, with the same keys: tests use this for
   * tokens the simulator's grants never issue (another tenant's, a user's delegated token, an
   * expired one) to check that a validator refuses them for their claims, not their signature.
   */
  signAsEntra(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /** App Service's managed identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER), when asked for. */
  managedIdentity: StartedIdentityEndpoint | undefined;
  /** Every request received, in arrival order (a live array: clearRequests empties it in place). */
  requests: RecordedRequest[];
  clearRequests(): void;
  /** Roles for tokens issued after the call (tokens already issued keep theirs, as in Entra). */
  setRoles(roles: string[]): void;
  /** Sets the base latency and, when given, the jitter bound (otherwise the jitter is kept). */
  setLatency(ms: number, jitterMs?: number): void;
  /** Replaces the random fault rates and restarts their generator from `rates.seed` (default the simulator's seed). */
  setFaultRates(rates: FaultRates): void;
  /** Changes the write quota's capacity and/or window and refills it; counters are kept. */
  setWriteQuota(options: Pick<WriteQuotaOptions, "capacity" | "windowMs" | "counting" | "neighbourShare">): void;
  /** Replaces the other limits (throttleLimits) with empty windows. */
  setThrottleLimits(limits: ThrottleLimitOptions[]): void;
  /** Refills the write quota, as after a whole idle window. */
  refillWriteQuota(): void;
  setBatchResponseOrder(order: BatchResponseOrder): void;
  /** Counters and gauges for tests and benchmarks (a fresh snapshot each call). */
  stats(): SimulatorStats;
  /** Zeroes the counters of stats() (not the write quota's fill). */
  resetStats(): void;
  /**
   * Queue a fault: the next `times` (default 1) requests matching method+path regex get this response instead.
   * The regex is tested against the percent-decoded path and applies to Entra paths too (to fail the
   * token endpoint); on Graph paths it applies after the bearer token is accepted. A `$batch`
   * envelope is matched by its own path (`/v1.0/$batch`) and each item by its path (e.g.
   * `/v1.0/users/{id}/revokeSignInSessions`), so a fault can fail one item of a batch.
   */
  injectFault(fault: FaultSpec): void;
  /** Make reads of signInSessionsValidFromDateTime return the previous value for this many ms after a revocation (Entra's eventual consistency). default 0 */
  setReadLag(ms: number): void;
  /**
   * The Application Insights resource's connection string (APPLICATIONINSIGHTS_CONNECTION_STRING):
   * its IngestionEndpoint is this simulator, which accepts `POST /v2.1/track` as Breeze does.
   */
  connectionString: string;
  /** Every telemetry envelope Application Insights ingestion accepted (a live array). */
  telemetry: TelemetryEnvelope[];
  close(): Promise<void>;
}

/** What stats() reports. */
export interface SimulatorStats {
  /** The write quota: accepted writes, 429s inside and outside `$batch`, the bot app's current fill. */
  writeQuota: WriteQuotaStats;
  /** Each of the other limits: units accepted, requests refused, what others spent. */
  throttleLimits: ThrottleLimitStats[];
  /** Failures injected by the random fault rates (not the one-shot injectFault queue). */
  faults: FaultStats;
  /** Sign-in log reads accepted and answered 429 by the reports APIs' limit. */
  reports: { accepted: number; throttled: number };
  /** Identity Protection requests accepted and answered 429 by its limit. */
  identityProtection: { accepted: number; throttled: number };
  /** `$batch` envelopes that passed validation, and the items they carried. */
  batches: { envelopes: number; items: number };
}

function assertBatchOrder(order: string): void {
  if (!(BATCH_RESPONSE_ORDERS as readonly string[]).includes(order)) {
    throw new RangeError(`batchResponseOrder must be one of ${BATCH_RESPONSE_ORDERS.join(", ")}, got ${order}`);
  }
}

function assertNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
}

function assertRoles(roles: readonly unknown[]): void {
  if (!roles.every((role) => typeof role === "string")) {
    throw new TypeError("roles must be strings");
  }
}

function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The origin the client used (from the Host header), so discovery documents, issuers and
 * nextLinks name the host the client trusts and its Graph client attaches tokens to, even when it
 * says `localhost` to a simulator listening on 127.0.0.1.
 */
function originOf(request: IncomingMessage, fallback: string): string {
  const host = request.headers.host;
  return host !== undefined && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host)
    ? `https://${host}`
    : fallback;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("The simulator's server did not report a TCP address"));
        return;
      }
      resolve(address);
    });
  });
}

/** Starts a simulator. Resolves once it is listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<StartedSimulator> {
  const host = options.host ?? "127.0.0.1";
  const tenantId = (options.tenantId ?? SIM_TENANT_ID).toLowerCase();
  const clientId = options.clientId ?? SIM_CLIENT_ID;
  const clientSecret = options.clientSecret ?? SIM_CLIENT_SECRET;
  let roles: readonly string[] = [...(options.roles ?? ALL_GRAPH_ROLES)];
  let latencyMs = options.latencyMs ?? 0;
  let latencyJitterMs = options.latencyJitterMs ?? 0;
  let readLagMs = 0;
  let batchResponseOrder = options.batchResponseOrder ?? "request";
  const seed = options.seed ?? 42;
  const recording = options.recordRequests ?? true;
  assertRoles(roles);
  assertNonNegative("latencyMs", latencyMs);
  assertNonNegative("latencyJitterMs", latencyJitterMs);
  assertBatchOrder(batchResponseOrder);
  // Built before the tenant so a bad option fails fast, not after generating 100,000 users.
  const randomFaults = new RandomFaults(options.faultRates ?? {}, seed);
  const writeQuota = new WriteQuota(options.writeQuota);
  const throttleLimits = new ThrottleLimits(options.throttleLimits ?? []);
  const reportsQuota = new ReportsQuota(options.reportsQuota ?? {});
  const identityProtectionQuota = new IdentityProtectionQuota(options.identityProtectionQuota ?? {});

  const tenant = createSimulatedTenant({
    tenantId,
    seed,
    userCount: options.userCount ?? 300,
    clientId,
    bulkDepartment: options.bulkDepartment,
  });
  const [tls, signer] = await Promise.all([
    options.tls ?? createTlsIdentity(host),
    JwtSigner.generate(),
  ]);
  const tokens = new AccessTokenAuthority(signer, tenantId);
  const attackerTimers = new Set<NodeJS.Timeout>();
  const attacker = options.attackerReturns;
  if (attacker !== undefined) {
    const ip = attacker.ip ?? HOSTILE_IPV4;
    const returned = new Set<string>();
    tenant.revocationListeners.push((userId) => {
      // Only someone who signed in from that address before holds the password there.
      const knew = tenant.signIns.some((s) => s.userId === userId && s.ipAddress === ip && s.status.errorCode === 0);
      if (!knew || returned.has(userId)) return;
      returned.add(userId);
      const timer = setTimeout(() => {
        attackerTimers.delete(timer);
        if (tenant.userById(userId) !== undefined) recordSignIn(tenant, userId, Date.now(), { ip, app: attacker.app ?? "Office 365 Exchange Online" });
      }, attacker.delayMs);
      timer.unref();
      attackerTimers.add(timer);
    });
  }
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];

  // The channel's URLs name the simulator's address, known only once it listens: filled in below.
  const channelRef: { current?: BotChannel } = {};
  const registration: BotRegistration = {
    appId: options.botRegistration?.appId ?? SIM_BOT_APP_ID,
    password: options.botRegistration?.password ?? SIM_BOT_PASSWORD,
    connectorScope: options.botRegistration?.connectorScope ?? BOT_CONNECTOR_SCOPE,
  };
  const entraSettings: EntraRouteSettings = {
    tenant,
    clientId,
    clientSecret,
    tokens,
    signer,
    currentRoles: () => roles,
    botChannel: {
      registration,
      issueConnectorToken: () => {
        if (channelRef.current === undefined) throw new Error("the simulator is not listening yet");
        return channelRef.current.issueConnectorToken();
      },
    },
  };
  const batchStats = { envelopes: 0, items: 0 };
  const graphSettings: GraphRouterSettings = {
    tenant,
    tokens,
    faults,
    latencyMs: () => latencyMs,
    latencyJitterMs: () => latencyJitterMs,
    readLagMs: () => readLagMs,
    randomFaults,
    writeQuota,
    throttleLimits,
    reportsQuota,
    identityProtectionQuota,
    batchResponseOrder: () => batchResponseOrder,
    // Its own stream, so shuffling responses does not move the fault sequence.
    batchShuffle: new SeededRandom((seed ^ 0xba7c4) >>> 0),
    batchStats,
    recordSubRequest: (request, batch) => {
      const record = recordRequest(request, batch);
      if (recording) {
        requests.push(record);
      }
      return record;
    },
  };

  let fallbackOrigin = `https://${urlHost(host)}`;
  const ingestionRef: { current?: AppInsightsIngestion } = {};

  const dispatch = async (request: SimRequest, origin: string): Promise<HandledRequest> => {
    if (request.segments[0]?.toLowerCase() === GRAPH_VERSION_SEGMENT) {
      return handleGraphRequest(request, origin, graphSettings);
    }
    const fault = faults.take(request.method, request.path);
    if (fault) {
      return { response: entraFaultResponse(request, fault), authenticated: false };
    }
    const channelAnswer = channelRef.current?.handle(request);
    if (channelAnswer !== undefined) {
      return channelAnswer;
    }
    return (
      handleEntraRequest(request, origin, entraSettings) ?? {
        response: {
          status: 404,
          headers: { "content-type": "application/json" },
          body: graphErrorBody(
            request,
            "NotFound",
            `The simulator serves Entra ID under /{tenant}/… and Microsoft Graph under /${GRAPH_VERSION_SEGMENT}; nothing at ${request.path}.`,
          ),
        },
        authenticated: false,
      }
    );
  };

  const onRequest = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    let rawBody: Buffer;
    try {
      rawBody = await readBody(incoming);
    } catch (error) {
      const tooLarge = error instanceof BodyTooLargeError;
      outgoing.writeHead(tooLarge ? 413 : 400, { "content-type": "text/plain", connection: "close" });
      outgoing.end(tooLarge ? error.message : "Could not read the request body");
      return;
    }
    // The ingestion endpoint is joined as `${IngestionEndpoint}/v2.1/track`, and a portal connection
    // string ends in "/": "//v2.1/track" would parse as a host, so leading slashes become one there.
    if (isIngestionTarget(incoming.url)) incoming.url = (incoming.url ?? "/").replace(/^\/+/, "/");
    const request = toSimRequest(incoming, rawBody);
    const record = recordRequest(request);
    if (recording) {
      requests.push(record);
    }
    let handled: HandledRequest;
    try {
      const ingested = ingestionRef.current?.handle(request.method, request.path, incoming.headers, rawBody);
      handled = ingested !== undefined ? { response: ingested, authenticated: false } : await dispatch(request, originOf(incoming, fallbackOrigin));
    } catch (error) {
      // A simulator bug must surface as a loud 500 in the test, not as a hung request.
      handled = {
        response: {
          status: 500,
          headers: { "content-type": "application/json" },
          body: graphErrorBody(request, "InternalServerError", `Simulator failure: ${String(error)}`),
        },
        authenticated: false,
      };
    }
    if (handled.resetConnection) {
      record.connectionReset = true;
      // No status line, no body: the client sees the connection drop (ECONNRESET / "socket hang up").
      incoming.socket.destroy();
      return;
    }
    record.status = handled.response.status;
    record.authenticated = handled.authenticated;
    if (!outgoing.destroyed) {
      writeResponse(outgoing, request, handled.response);
    }
  };

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (incoming, outgoing) => {
    void onRequest(incoming, outgoing);
  });
  const address = await listen(server, options.port ?? 0, host);
  const url = `https://${urlHost(host)}:${address.port}`;
  fallbackOrigin = url;
  const ingestion = new AppInsightsIngestion(url);
  ingestionRef.current = ingestion;
  const startedChannel = await BotChannel.create(url, signer, tenantId, registration);
  channelRef.current = startedChannel;
  const managedIdentity =
    options.managedIdentity === undefined
      ? undefined
      : await startIdentityEndpoint(options.managedIdentity, {
          signer,
          tenantId,
          graphRoles: () => roles,
          connector: { appId: registration.appId, scope: registration.connectorScope, issue: (nowMs) => startedChannel.issueConnectorToken(nowMs) },
        });
  let closing: Promise<void> | undefined;

  return {
    url,
    authorityHost: url,
    graphBaseUrl: `${url}/${GRAPH_VERSION_SEGMENT}`,
    tenantId,
    clientId,
    clientSecret,
    caCertPem: tls.certPem,
    writeCaCert: (path) => writeFile(path, tls.certPem, "utf8"),
    tenant,
    channel: startedChannel,
    managedIdentity,
    connectionString: ingestion.connectionString,
    telemetry: ingestion.envelopes,
    requests,
    signAsEntra: (claims, header) => signer.sign(claims, header),
    clearRequests: () => {
      requests.length = 0;
    },
    setRoles: (next) => {
      assertRoles(next);
      roles = [...next];
    },
    setLatency: (ms, jitterMs) => {
      assertNonNegative("latency", ms);
      if (jitterMs !== undefined) {
        assertNonNegative("latency jitter", jitterMs);
        latencyJitterMs = jitterMs;
      }
      latencyMs = ms;
    },
    setFaultRates: (rates) => randomFaults.configure(rates),
    setWriteQuota: (quota) => writeQuota.configure(quota),
    refillWriteQuota: () => writeQuota.refill(),
    setThrottleLimits: (limits) => throttleLimits.configure(limits),
    setBatchResponseOrder: (order) => {
      assertBatchOrder(order);
      batchResponseOrder = order;
    },
    stats: () => ({
      writeQuota: writeQuota.stats(tenantId, clientId),
      throttleLimits: throttleLimits.stats(),
      faults: randomFaults.stats(),
      reports: { accepted: reportsQuota.accepted, throttled: reportsQuota.throttled },
      identityProtection: { accepted: identityProtectionQuota.accepted, throttled: identityProtectionQuota.throttled },
      batches: { ...batchStats },
    }),
    resetStats: () => {
      writeQuota.resetCounters();
      throttleLimits.resetCounters();
      randomFaults.resetCounters();
      batchStats.envelopes = 0;
      batchStats.items = 0;
    },
    injectFault: (fault) => faults.add(fault),
    setReadLag: (ms) => {
      assertNonNegative("read lag", ms);
      readLagMs = ms;
    },
    close: () => {
      // Idempotent: a test's after() hook and a harness may both close the same simulator.
      for (const timer of attackerTimers) clearTimeout(timer);
      attackerTimers.clear();
      closing ??= Promise.all([
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // Keep-alive connections (MSAL and the Graph client pool them) would hold close() open.
          server.closeAllConnections();
        }),
        managedIdentity?.close(),
      ]).then(() => undefined);
      return closing;
    },
  };
}

/** The response for an injected fault on an Entra path: its body, or an Entra error for its status. */
function entraFaultResponse(request: SimRequest, fault: FaultSpec): SimResponse {
  const headers = faultHeaders(fault);
  if (fault.body !== undefined) {
    return { status: fault.status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: fault.body };
  }
  if (fault.status < 400) {
    return { status: fault.status, headers };
  }
  const transient = fault.status === 429 || fault.status >= 500;
  const failure = transient
    ? new EntraError(fault.status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
    : new EntraError(fault.status, "invalid_request", 50000, "There was an error issuing a token or an issue with our sign-in service.");
  const response = entraErrorResponse(request, failure);
  return { ...response, headers: { ...response.headers, ...headers } };
}
