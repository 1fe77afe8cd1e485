/**
 * The Microsoft Graph v1.0 side of the simulator. Order matters and follows Graph: latency (and a
 * drawn connection reset), then the bearer token (401), then injected faults (queued, then random
 * 5xx), then route and permission (403), then the write quota (429), before the target is looked
 * up (400/404), so a caller without rights learns nothing about which users exist. `$batch` items
 * go through the same steps after their envelope's token check.
 */
import type { AccessTokenAuthority, AccessTokenClaims } from "./access-tokens.js";
import type { FaultDraw, RandomFaults } from "./fault-rates.js";
import { faultHeaders } from "./faults.js";
import type { FaultQueue, FaultSpec } from "./faults.js";
import { assertObjectKey, parseResourcePath, resolveUser } from "./graph-address.js";
import type { ResourceAddress } from "./graph-address.js";
import { batchEnvelope, isBatchPath, parseBatch, toBatchItemResponse } from "./graph-batch.js";
import type { BatchItem, BatchResponseOrder } from "./graph-batch.js";
import type { GraphContext } from "./graph-context.js";
import { getDirectoryObject } from "./graph-directory-objects.js";
import {
  defaultGraphErrorCode,
  GraphError,
  graphErrorBody,
  graphErrorResponse,
  segmentNotFound,
} from "./graph-error.js";
import { OPERATION_ROLES, requireAnyRole } from "./graph-permissions.js";
import { GRAPH_JSON_CONTENT_TYPE } from "./graph-projection.js";
import { checkMemberGroups, confirmCompromised, getUser, listUsers, revokeSignInSessions, updateUser, updateUserRoles } from "./graph-users.js";
import { listGroupTransitiveUsers } from "./graph-groups.js";
import { listRoleAssignments } from "./graph-role-assignments.js";
import { listSignIns, SIGN_IN_READ_ROLES } from "./graph-signins.js";
import { toSimSubRequest } from "./http-exchange.js";
import type { HandledRequest, SimRequest, SimResponse } from "./http-exchange.js";
import type { SeededRandom } from "./prng.js";
import type { RecordedRequest } from "./request-log.js";
import type { SimulatedTenant } from "./tenant.js";
import type { SimUser } from "./tenant-model.js";
import { resourceUnitCost, type LimitVerdict, type ThrottleLimits } from "./throttle-limits.js";
import type { WriteQuota, WriteVerdict } from "./write-quota.js";
import type { ReportsQuota } from "./reports-quota.js";
import type { IdentityProtectionQuota } from "./identity-protection-quota.js";

/** The path prefix of the Graph version the simulator serves. */
export const GRAPH_VERSION_SEGMENT = "v1.0";

/** What the Graph routes need from the simulator; getters because tests change them at run time. */
export interface GraphRouterSettings {
  tenant: SimulatedTenant;
  tokens: AccessTokenAuthority;
  faults: FaultQueue;
  latencyMs(): number;
  /** Upper bound of the random extra latency of each request and each `$batch` item. */
  latencyJitterMs(): number;
  readLagMs(): number;
  randomFaults: RandomFaults;
  writeQuota: WriteQuota;
  /** The other limits at once (resource units, tenant-wide and app-wide writes); empty by default. */
  throttleLimits: ThrottleLimits;
  reportsQuota: ReportsQuota;
  identityProtectionQuota: IdentityProtectionQuota;
  batchResponseOrder(): BatchResponseOrder;
  /** The generator behind the "shuffle" batch response order. */
  batchShuffle: SeededRandom;
  /** Counts `$batch` envelopes that ran and the items in them. */
  batchStats: { envelopes: number; items: number };
  /** Adds a `$batch` item to the request log and returns its record, to be completed when answered. */
  recordSubRequest(request: SimRequest, batch: NonNullable<RecordedRequest["batch"]>): RecordedRequest;
}

/** A matched route: the roles it needs and what it does once they are granted. */
interface Operation {
  roles: readonly string[];
  /** Takes a token from the app's write quota (Graph's write cost 1). */
  write?: boolean;
  /** Counts against the reports APIs' limit (the sign-in log: 5 requests per 10 s per app and tenant). */
  report?: boolean;
  /** Counts against Identity Protection's limit (1 request per second per tenant; 429 without Retry-After). */
  identityProtection?: boolean;
  run(context: GraphContext): SimResponse;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Handles a request whose first segment is `v1.0`. */
export async function handleGraphRequest(
  request: SimRequest,
  origin: string,
  settings: GraphRouterSettings,
): Promise<HandledRequest> {
  // Drawn on arrival, before any wait, so the seeded sequence follows the order requests arrive in.
  const draw = settings.randomFaults.draw(settings.latencyJitterMs());
  const batch = isBatchPath(request);
  // An envelope pays the base latency once; its items add their own jitter and slowness, in
  // parallel, so a batch of 20 costs about one request's latency, not twenty.
  await delay(settings.latencyMs() + (batch ? 0 : draw.extraDelayMs));
  if (draw.slow && !batch) {
    settings.randomFaults.count("slow");
  }
  if (draw.reset) {
    settings.randomFaults.count("resets");
    return { response: { status: 0 }, authenticated: false, resetConnection: true };
  }

  let claims: AccessTokenClaims;
  try {
    claims = settings.tokens.validate(request.headers.authorization);
  } catch (error) {
    if (error instanceof GraphError) {
      return { response: graphErrorResponse(request, error), authenticated: false };
    }
    throw error;
  }

  if (batch) {
    const fault = settings.faults.take(request.method, request.path);
    const response = fault ? graphFaultResponse(request, fault) : await runBatch(request, claims, origin, settings);
    return { response, authenticated: true };
  }
  return { response: runExchange(request, claims, origin, settings, draw, false), authenticated: true };
}

/**
 * One authenticated request, standalone or a `$batch` item: queued fault, random 5xx, route,
 * permission, write quota, operation.
 */
function runExchange(
  request: SimRequest,
  claims: AccessTokenClaims,
  origin: string,
  settings: GraphRouterSettings,
  draw: FaultDraw,
  inBatch: boolean,
): SimResponse {
  const fault = settings.faults.take(request.method, request.path);
  if (fault) {
    return graphFaultResponse(request, fault);
  }
  if (draw.status5xx !== undefined) {
    settings.randomFaults.count("status5xx");
    // A 503 says when to come back, as Graph's usually does.
    const headers: Record<string, string> = draw.status5xx === 503 ? { "Retry-After": "1" } : {};
    return graphFaultResponse(request, { path: /(?:)/, status: draw.status5xx, headers });
  }

  const context: GraphContext = {
    request,
    claims,
    tenant: settings.tenant,
    baseUrl: `${origin}/${GRAPH_VERSION_SEGMENT}`,
    readLagMs: settings.readLagMs(),
  };
  try {
    const operation = route(request, settings.tenant);
    requireAnyRole(claims, operation.roles);
    let quotaHeaders: Record<string, string> = {};
    if (operation.report) {
      const verdict = settings.reportsQuota.take(claims.tenantId, claims.appId);
      if (!verdict.accepted) {
        return {
          status: 429,
          headers: { "content-type": GRAPH_JSON_CONTENT_TYPE, "Retry-After": String(verdict.retryAfterSeconds) },
          body: graphErrorBody(request, "TooManyRequests", "Too many requests to the reporting APIs. Retry after the number of seconds in the Retry-After header."),
        };
      }
    }
    if (operation.identityProtection && !settings.identityProtectionQuota.take(claims.tenantId)) {
      // Microsoft documents that these 429s carry no Retry-After.
      return {
        status: 429,
        headers: { "content-type": GRAPH_JSON_CONTENT_TYPE },
        body: graphErrorBody(request, "TooManyRequests", "Too many requests."),
      };
    }
    if (!operation.report && !operation.identityProtection) {
      // Every directory request costs resource units; a write also counts against the write limits.
      const limits = settings.throttleLimits.take(claims.tenantId, claims.appId, operation.write === true, resourceUnitCost(request.method, request.segments, request.query));
      if (!limits.accepted) {
        return throttledResponse(request, limits);
      }
      quotaHeaders = limits.headers;
    }
    if (operation.write) {
      const verdict = settings.writeQuota.take(claims.tenantId, claims.appId, inBatch);
      if (!verdict.accepted) {
        return throttledResponse(request, verdict);
      }
      quotaHeaders = { ...quotaHeaders, ...verdict.headers };
    }
    const response = operation.run(context);
    return { ...response, headers: { ...response.headers, ...quotaHeaders } };
  } catch (error) {
    if (error instanceof GraphError) {
      return graphErrorResponse(request, error);
    }
    throw error;
  }
}

/** A write refused by the quota: Graph's 429 with Retry-After and the x-ms-throttle-* headers. */
function throttledResponse(request: SimRequest, verdict: Extract<WriteVerdict | LimitVerdict, { accepted: false }>): SimResponse {
  return {
    status: 429,
    headers: { "content-type": GRAPH_JSON_CONTENT_TYPE, ...verdict.headers },
    body: graphErrorBody(request, "TooManyRequests", verdict.message),
  };
}

/**
 * `POST /$batch`: checks the envelope, then runs every item concurrently through runExchange with
 * the envelope's claims. Each item is recorded and draws its faults in request order before any of
 * them waits, so the request log and the seeded fault sequence do not depend on timer order.
 */
async function runBatch(
  envelope: SimRequest,
  claims: AccessTokenClaims,
  origin: string,
  settings: GraphRouterSettings,
): Promise<SimResponse> {
  let items: BatchItem[];
  try {
    if (envelope.method !== "POST") {
      throw methodNotAllowed();
    }
    items = parseBatch(envelope, GRAPH_VERSION_SEGMENT);
  } catch (error) {
    if (error instanceof GraphError) {
      return graphErrorResponse(envelope, error);
    }
    throw error;
  }
  settings.batchStats.envelopes += 1;
  settings.batchStats.items += items.length;
  const prepared = items.map((item) => {
    const request = toSimSubRequest(envelope, item.spec);
    const record = settings.recordSubRequest(request, { itemId: item.id, envelopeRequestId: envelope.requestId });
    // An item's own connection cannot be reset: its reset draw is ignored.
    const draw = settings.randomFaults.draw(settings.latencyJitterMs());
    return { item, request, record, draw };
  });
  const responses = await Promise.all(
    prepared.map(async ({ item, request, record, draw }) => {
      if (draw.slow) {
        settings.randomFaults.count("slow");
      }
      await delay(draw.extraDelayMs);
      const response = runExchange(request, claims, origin, settings, draw, true);
      record.status = response.status;
      record.authenticated = true;
      return toBatchItemResponse(item.id, response);
    }),
  );
  return batchEnvelope(responses, settings.batchResponseOrder(), settings.batchShuffle);
}

/** The response for an injected fault on a Graph path: its body, or a Graph error for its status. */
function graphFaultResponse(request: SimRequest, fault: FaultSpec): SimResponse {
  const headers = faultHeaders(fault);
  if (fault.body !== undefined) {
    return { status: fault.status, headers: { "content-type": GRAPH_JSON_CONTENT_TYPE, ...headers }, body: fault.body };
  }
  if (fault.status < 400) {
    return { status: fault.status, headers };
  }
  const message =
    fault.status === 429
      ? "Too many requests. Retry after the number of seconds in the Retry-After header."
      : `The simulator injected this failure (HTTP ${fault.status}).`;
  return {
    status: fault.status,
    headers: { "content-type": GRAPH_JSON_CONTENT_TYPE, ...headers },
    body: graphErrorBody(request, defaultGraphErrorCode(fault.status), message),
  };
}

function methodNotAllowed(): GraphError {
  return new GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
}

function only(method: string, request: SimRequest, operation: Operation): Operation {
  if (request.method !== method) {
    throw methodNotAllowed();
  }
  return operation;
}

function route(request: SimRequest, tenant: SimulatedTenant): Operation {
  const segments = request.segments.slice(1);
  if (segments.length === 0) {
    throw segmentNotFound(GRAPH_VERSION_SEGMENT);
  }
  const address = parseResourcePath(segments);
  switch (address.collection) {
    case "users":
      return routeUsers(request, address, tenant);
    case "directoryobjects":
      return routeDirectoryObjects(request, address);
    case "auditlogs":
      return routeAuditLogs(request, address);
    case "groups":
      return routeGroups(request, address);
    case "identityprotection":
      return routeIdentityProtection(request, address);
    case "rolemanagement":
      return routeRoleManagement(request, address);
    default:
      throw segmentNotFound(address.collectionSegment);
  }
}

function routeUsers(request: SimRequest, address: ResourceAddress, tenant: SimulatedTenant): Operation {
  if (address.key === undefined) {
    return only("GET", request, { roles: OPERATION_ROLES.readUser, run: (context) => listUsers(context) });
  }
  const [action, extra] = address.rest;
  if (extra !== undefined) {
    throw segmentNotFound(extra);
  }
  // The user is resolved lazily, inside run(), so the permission check comes before any 400/404.
  const onUser = (handler: (context: GraphContext, user: SimUser) => SimResponse) =>
    (context: GraphContext) => handler(context, resolveUser(tenant, address));

  if (action === undefined) {
    if (request.method === "GET") return { roles: OPERATION_ROLES.readUser, run: onUser(getUser) };
    if (request.method === "PATCH") {
      // Each property needs its own permission: a password needs the password permission too.
      const needs = updateUserRoles(request.body.kind === "json" ? request.body.value : undefined);
      const roles = needs === "accountEnabled" ? OPERATION_ROLES.enableDisableAccount : OPERATION_ROLES.updatePasswordProfile;
      const run = onUser(updateUser);
      return {
        roles,
        write: true,
        run: needs === "both" ? (context) => (requireAnyRole(context.claims, OPERATION_ROLES.enableDisableAccount), run(context)) : run,
      };
    }
    throw methodNotAllowed();
  }
  // Graph accepts actions with or without their namespace.
  switch (action.toLowerCase().replace(/^microsoft\.graph\./, "")) {
    case "revokesigninsessions":
      return only("POST", request, { roles: OPERATION_ROLES.revokeSignInSessions, write: true, run: onUser(revokeSignInSessions) });
    case "checkmembergroups":
      return only("POST", request, { roles: OPERATION_ROLES.checkMemberGroups, run: onUser(checkMemberGroups) });
    default:
      throw segmentNotFound(action);
  }
}

/**
 * `GET /groups/{id}/transitiveMembers/microsoft.graph.user`: the only group read the bot makes (who
 * the responders are). Permission first, then the group's key and existence (inside run()).
 */
function routeGroups(request: SimRequest, address: ResourceAddress): Operation {
  const [relation, cast, extra] = address.rest;
  if (address.key === undefined || address.keyForm !== "plain" || relation === undefined) {
    throw methodNotAllowed();
  }
  if (relation.toLowerCase() !== "transitivemembers") throw segmentNotFound(relation);
  if (cast === undefined || cast.toLowerCase() !== "microsoft.graph.user") throw segmentNotFound(cast ?? relation);
  if (extra !== undefined) throw segmentNotFound(extra);
  const groupKey = address.key;
  return only("GET", request, { roles: OPERATION_ROLES.readGroupMembers, run: (context) => listGroupTransitiveUsers(context, groupKey) });
}

/**
 * `POST /identityProtection/riskyUsers/confirmCompromised`: not a directory write (no write quota);
 * Identity Protection's own limit of 1 request per second per tenant.
 */
function routeIdentityProtection(request: SimRequest, address: ResourceAddress): Operation {
  const [action, extra] = address.rest;
  if (address.keyForm !== "plain" || address.key?.toLowerCase() !== "riskyusers" || action === undefined) {
    throw segmentNotFound(address.key ?? address.collectionSegment);
  }
  if (extra !== undefined || action.toLowerCase().replace(/^microsoft\.graph\./, "") !== "confirmcompromised") {
    throw segmentNotFound(extra ?? action);
  }
  return only("POST", request, { roles: OPERATION_ROLES.confirmCompromised, identityProtection: true, run: (context) => confirmCompromised(context) });
}

/** `GET /roleManagement/directory/roleAssignments`: Entra role assignments (who holds an admin role). */
function routeRoleManagement(request: SimRequest, address: ResourceAddress): Operation {
  const [collection, extra] = address.rest;
  if (address.keyForm !== "plain" || address.key?.toLowerCase() !== "directory" || collection === undefined) {
    throw segmentNotFound(address.key ?? address.collectionSegment);
  }
  if (extra !== undefined || collection.toLowerCase() !== "roleassignments") throw segmentNotFound(extra ?? collection);
  return only("GET", request, { roles: OPERATION_ROLES.readRoleAssignments, run: (context) => listRoleAssignments(context) });
}

/** `GET /auditLogs/signIns`: the only audit log the bot reads. */
function routeAuditLogs(request: SimRequest, address: ResourceAddress): Operation {
  if (address.keyForm !== "plain" || address.key?.toLowerCase() !== "signins") {
    throw segmentNotFound(address.key ?? address.collectionSegment);
  }
  const [extra] = address.rest;
  if (extra !== undefined) {
    throw segmentNotFound(extra);
  }
  return only("GET", request, { roles: SIGN_IN_READ_ROLES, report: true, run: (context) => listSignIns(context) });
}

function routeDirectoryObjects(request: SimRequest, address: ResourceAddress): Operation {
  if (address.key === undefined) {
    // Listing every directory object is not something the bot does.
    throw methodNotAllowed();
  }
  const [extra] = address.rest;
  if (extra !== undefined) {
    throw segmentNotFound(extra);
  }
  return only("GET", request, {
    roles: OPERATION_ROLES.readDirectoryObject,
    run: (context) => getDirectoryObject(context, assertObjectKey(address, false)),
  });
}
