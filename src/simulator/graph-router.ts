/**
 * The Microsoft Graph v1.0 side of the simulator. Order matters and follows Graph: latency, then
 * the bearer token (401), then injected faults, then route and permission (403) before the target
 * is looked up (400/404), so a caller without rights learns nothing about which users exist.
 */
import type { AccessTokenAuthority, AccessTokenClaims } from "./access-tokens.js";
import { faultHeaders } from "./faults.js";
import type { FaultQueue, FaultSpec } from "./faults.js";
import { assertObjectKey, parseResourcePath, resolveUser } from "./graph-address.js";
import type { ResourceAddress } from "./graph-address.js";
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
import { checkMemberGroups, getUser, listUsers, revokeSignInSessions, updateUser } from "./graph-users.js";
import type { HandledRequest, SimRequest, SimResponse } from "./http-exchange.js";
import type { SimulatedTenant } from "./tenant.js";
import type { SimUser } from "./tenant-model.js";

/** The path prefix of the Graph version the simulator serves. */
export const GRAPH_VERSION_SEGMENT = "v1.0";

/** What the Graph routes need from the simulator; getters because tests change them at run time. */
export interface GraphRouterSettings {
  tenant: SimulatedTenant;
  tokens: AccessTokenAuthority;
  faults: FaultQueue;
  latencyMs(): number;
  readLagMs(): number;
}

/** A matched route: the roles it needs and what it does once they are granted. */
interface Operation {
  roles: readonly string[];
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
  await delay(settings.latencyMs());

  let claims: AccessTokenClaims;
  try {
    claims = settings.tokens.validate(request.headers.authorization);
  } catch (error) {
    if (error instanceof GraphError) {
      return { response: graphErrorResponse(request, error), authenticated: false };
    }
    throw error;
  }

  const fault = settings.faults.take(request.method, request.path);
  if (fault) {
    return { response: graphFaultResponse(request, fault), authenticated: true };
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
    return { response: operation.run(context), authenticated: true };
  } catch (error) {
    if (error instanceof GraphError) {
      return { response: graphErrorResponse(request, error), authenticated: true };
    }
    throw error;
  }
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
    if (request.method === "PATCH") return { roles: OPERATION_ROLES.enableDisableAccount, run: onUser(updateUser) };
    throw methodNotAllowed();
  }
  // Graph accepts actions with or without their namespace.
  switch (action.toLowerCase().replace(/^microsoft\.graph\./, "")) {
    case "revokesigninsessions":
      return only("POST", request, { roles: OPERATION_ROLES.revokeSignInSessions, run: onUser(revokeSignInSessions) });
    case "checkmembergroups":
      return only("POST", request, { roles: OPERATION_ROLES.checkMemberGroups, run: onUser(checkMemberGroups) });
    default:
      throw segmentNotFound(action);
  }
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
