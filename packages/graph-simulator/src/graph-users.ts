/**
 * The user operations of the simulated Graph: read, list with `$filter` and paging, revoke sign-in
 * sessions, enable/disable, and checkMemberGroups. Each takes an already authorized context and,
 * where it applies, the resolved user.
 */
import { graphJson, rejectMalformedBody, requireJsonObject } from "./graph-context.js";
import type { GraphContext } from "./graph-context.js";
import { badRequest, GraphError } from "./graph-error.js";
import { decodePageToken, encodePageToken, nextLink, parsePageSize } from "./graph-paging.js";
import { parseUserSelect, projectUser, DEFAULT_USER_PROPERTIES, readUser, usersContext } from "./graph-projection.js";
import type { SimResponse } from "./http-exchange.js";
import { FilterSyntaxError, parseFilter, UnsupportedFilterOperatorError } from "./odata-filter.js";
import { isGuid } from "./tenant.js";
import type { SimUser } from "./tenant-model.js";
import { compileUserFilter, UnsupportedFilterError } from "./user-filter.js";
import { requireAnyRole } from "./graph-permissions.js";
import { SIGN_IN_READ_ROLES, type SimSignIn } from "./graph-signins.js";
import type { UserPredicate } from "./user-filter.js";

/** Graph's limit on the number of group ids in one checkMemberGroups call. */
export const CHECK_MEMBER_GROUPS_LIMIT = 20;

// Query options Graph knows but the simulator does not implement: refusing them beats ignoring them,
// which would hand the client a result it did not ask for.
const UNSUPPORTED_LIST_OPTIONS = ["$orderby", "$search", "$count", "$expand", "$skip"];

/** `GET /users/{key}` */
export function getUser(context: GraphContext, user: SimUser): SimResponse {
  // signInActivity comes from the sign-in log: selected only by name, and only with AuditLog.Read.All.
  const raw = context.request.query.$select;
  const parts = raw === undefined ? [] : raw.split(",").map((p) => p.trim());
  const activity = parts.some((p) => p.toLowerCase() === "signinactivity");
  if (activity) requireAnyRole(context.claims, SIGN_IN_READ_ROLES);
  const rest = parts.filter((p) => p.toLowerCase() !== "signinactivity");
  const selected = activity && rest.length === 0 ? (["id"] as (keyof SimUser)[]) : parseUserSelect(activity ? rest.join(",") : raw);
  const view = readUser(context.tenant, user, context.readLagMs);
  return graphJson({
    "@odata.context": usersContext(context.baseUrl, selected, true),
    ...projectUser(view, selected ?? DEFAULT_USER_PROPERTIES),
    ...(activity ? { signInActivity: signInActivityOf(context.tenant.signIns, user.id) } : {}),
  });
}

/**
 * Graph's signInActivity as the sign-in log gives it: the last interactive and non-interactive
 * attempts (successful or not) and the last successful sign-in, each with its request ID; null
 * where there is none.
 */
export function signInActivityOf(signIns: readonly SimSignIn[], userId: string): Record<string, string | null> {
  let interactive: SimSignIn | undefined;
  let nonInteractive: SimSignIn | undefined;
  let successful: SimSignIn | undefined;
  const later = (a: SimSignIn | undefined, b: SimSignIn) => a === undefined || Date.parse(b.createdDateTime) > Date.parse(a.createdDateTime);
  for (const s of signIns) {
    if (s.userId.toLowerCase() !== userId.toLowerCase()) continue;
    if (s.isInteractive === false) {
      if (later(nonInteractive, s)) nonInteractive = s;
    } else if (later(interactive, s)) {
      interactive = s;
    }
    if (s.status.errorCode === 0 && later(successful, s)) successful = s;
  }
  return {
    lastSignInDateTime: interactive?.createdDateTime ?? null,
    lastSignInRequestId: interactive?.id ?? null,
    lastNonInteractiveSignInDateTime: nonInteractive?.createdDateTime ?? null,
    lastNonInteractiveSignInRequestId: nonInteractive?.id ?? null,
    lastSuccessfulSignInDateTime: successful?.createdDateTime ?? null,
    lastSuccessfulSignInRequestId: successful?.id ?? null,
  };
}

/** `GET /users` with `$filter`, `$select`, `$top` and `$skiptoken`. */
export function listUsers(context: GraphContext): SimResponse {
  const { query } = context.request;
  for (const option of UNSUPPORTED_LIST_OPTIONS) {
    if (query[option] !== undefined) {
      throw new GraphError(400, "Request_UnsupportedQuery", `The simulator does not support the query option '${option}'.`);
    }
  }
  const selected = parseUserSelect(query.$select);
  const pageSize = parsePageSize(query.$top);
  const filter = query.$filter;
  const predicate = filter === undefined || filter.trim().length === 0 ? () => true : compileFilter(filter);
  const offset = query.$skiptoken === undefined ? 0 : decodePageToken(query.$skiptoken, filter);

  // One pass that stops at the first match after the page: a page of a 100,000-user directory costs
  // a scan up to its end, not a copy and a filter of the whole directory. The predicate sees the
  // stored user: no supported filter reads signInSessionsValidFromDateTime, the only lagging property.
  const page: SimUser[] = [];
  let skipped = 0;
  let more = false;
  for (const user of context.tenant.users.values()) {
    if (!predicate(user)) continue;
    if (skipped < offset) {
      skipped += 1;
    } else if (page.length < pageSize) {
      page.push(user);
    } else {
      more = true;
      break;
    }
  }
  const body: Record<string, unknown> = { "@odata.context": usersContext(context.baseUrl, selected, false) };
  if (more) {
    body["@odata.nextLink"] = nextLink(`${context.baseUrl}/users`, query, encodePageToken(offset + page.length, filter));
  }
  body.value = page.map((user) =>
    projectUser(readUser(context.tenant, user, context.readLagMs), selected ?? DEFAULT_USER_PROPERTIES),
  );
  return graphJson(body);
}

function compileFilter(filter: string): UserPredicate {
  try {
    return compileUserFilter(parseFilter(filter));
  } catch (error) {
    // Before FilterSyntaxError, which it extends.
    if (error instanceof UnsupportedFilterOperatorError) {
      throw badRequest(error.message, "Request_UnsupportedQuery");
    }
    if (error instanceof FilterSyntaxError) {
      throw badRequest(`Invalid filter clause: ${error.message}`, "BadRequest");
    }
    if (error instanceof UnsupportedFilterError) {
      throw badRequest(error.message, "Request_UnsupportedQuery");
    }
    throw error;
  }
}

/** `POST /users/{key}/revokeSignInSessions` */
export function revokeSignInSessions(context: GraphContext, user: SimUser): SimResponse {
  rejectMalformedBody(context.request);
  context.tenant.revokeSignInSessions(user.id);
  return graphJson({ "@odata.context": `${context.baseUrl}/$metadata#Edm.Boolean`, value: true });
}

/**
 * `PATCH /users/{key}`: `accountEnabled` and `passwordProfile`, all the bot ever changes. A
 * password is checked against Entra's complexity rule (400) and refused (403) unless the app
 * holds the Entra role it takes (User Administrator; Privileged Authentication Administrator for
 * a user who holds an admin role).
 */
export function updateUser(context: GraphContext, user: SimUser): SimResponse {
  const patch = requireJsonObject(context.request);
  let password: { password: string; force: boolean } | undefined;
  for (const [name, value] of Object.entries(patch)) {
    if (name.startsWith("@odata.")) {
      continue; // annotations such as @odata.type carry no change
    }
    if (name === "passwordProfile") {
      password = passwordProfileOf(value);
      continue;
    }
    if (name !== "accountEnabled") {
      throw badRequest(`The simulator supports updating only 'accountEnabled' and 'passwordProfile', not '${name}'.`);
    }
    if (typeof value !== "boolean") {
      throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.");
    }
  }
  if (password !== undefined) {
    // Microsoft documents passwordProfile in app-only access as needing, besides the permission,
    // at least the User Administrator role, and Privileged Authentication Administrator to reset
    // a user who holds an admin role. Entra answers a missing role with the same 403 as a missing
    // permission.
    const appRoles = context.tenant.directoryRolesOfApp(context.claims.appId);
    const admin = (context.tenant.directoryRoles.get(user.id.toLowerCase()) ?? []).length > 0;
    const allowed = admin ? RESET_ADMIN_ROLES : RESET_USER_ROLES;
    if (!appRoles.some((role) => allowed.includes(role))) {
      throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }
    if (!meetsComplexity(password.password, user)) {
      throw badRequest(
        "The specified password does not comply with password complexity requirements. Please provide a different password.",
      );
    }
  }
  const enabled = patch.accountEnabled;
  if (typeof enabled === "boolean") {
    context.tenant.setAccountEnabled(user.id, enabled);
  }
  if (password !== undefined) {
    context.tenant.setPassword(user.id, password.password, password.force);
  }
  return { status: 204 };
}

/** Entra roles that may reset any user's password, admins included. */
const RESET_ADMIN_ROLES: readonly string[] = ["Privileged Authentication Administrator", "Global Administrator"];
/** Entra roles that may reset a user's password who holds no admin role. */
const RESET_USER_ROLES: readonly string[] = ["User Administrator", ...RESET_ADMIN_ROLES];

/** The roles a PATCH of these properties needs: each property's own (a password needs the password permission). */
export function updateUserRoles(body: unknown): "passwordProfile" | "accountEnabled" | "both" {
  const keys = typeof body === "object" && body !== null ? Object.keys(body) : [];
  const password = keys.includes("passwordProfile");
  const other = keys.some((k) => k !== "passwordProfile" && !k.startsWith("@odata."));
  return password && other ? "both" : password ? "passwordProfile" : "accountEnabled";
}

function passwordProfileOf(value: unknown): { password: string; force: boolean } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("Invalid value specified for property 'passwordProfile' of resource 'User'.");
  }
  const profile = value as Record<string, unknown>;
  for (const key of Object.keys(profile)) {
    if (!["password", "forceChangePasswordNextSignIn", "forceChangePasswordNextSignInWithMfa"].includes(key)) {
      throw badRequest(`Invalid property '${key}' of 'passwordProfile'.`);
    }
  }
  if (typeof profile.password !== "string" || profile.password === "") {
    throw badRequest("Invalid value specified for property 'passwordProfile.password' of resource 'User'.");
  }
  const force = profile.forceChangePasswordNextSignIn;
  if (force !== undefined && typeof force !== "boolean") {
    throw badRequest("Invalid value specified for property 'passwordProfile.forceChangePasswordNextSignIn' of resource 'User'.");
  }
  return { password: profile.password, force: force === true };
}

// Characters Entra accepts in a password: letters, digits, these symbols and the space.
const PASSWORD_SYMBOLS = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

/**
 * Microsoft Entra's password rule for cloud users: 8 to 256 characters from the allowed set, three
 * of the four kinds (lower case, upper case, digits, symbols), and not the user's name.
 */
function meetsComplexity(password: string, user: SimUser): boolean {
  if (password.length < 8 || password.length > 256) return false;
  let lower = false;
  let upper = false;
  let digit = false;
  let symbol = false;
  for (const ch of password) {
    if (ch >= "a" && ch <= "z") lower = true;
    else if (ch >= "A" && ch <= "Z") upper = true;
    else if (ch >= "0" && ch <= "9") digit = true;
    else if (PASSWORD_SYMBOLS.includes(ch)) symbol = true;
    else return false;
  }
  if ([lower, upper, digit, symbol].filter(Boolean).length < 3) return false;
  const alias = (user.userPrincipalName.split("@")[0] ?? "").toLowerCase();
  return alias.length < 3 || !password.toLowerCase().includes(alias);
}

/**
 * `POST /identityProtection/riskyUsers/confirmCompromised` with `{ userIds }`: each user's risk
 * becomes high (confirmedCompromised); 204. Needs Microsoft Entra ID P2 (403 without it).
 */
export function confirmCompromised(context: GraphContext): SimResponse {
  if (!context.tenant.entraIdP2) {
    throw new GraphError(403, "Forbidden", "Your tenant is not licensed for this feature. Identity Protection requires a Microsoft Entra ID P2 license.");
  }
  const { userIds } = requireJsonObject(context.request);
  if (!Array.isArray(userIds) || userIds.length === 0 || !userIds.every((id): id is string => typeof id === "string")) {
    throw badRequest("Invalid value specified for property 'userIds': a non-empty array of user ids is required.");
  }
  const invalid = userIds.find((id) => !isGuid(id));
  if (invalid !== undefined) {
    throw badRequest(`Invalid object identifier '${invalid}'.`);
  }
  for (const id of userIds) {
    if (context.tenant.userById(id) === undefined) throw new GraphError(404, "Request_ResourceNotFound", `Resource '${id}' does not exist.`);
  }
  for (const id of userIds) context.tenant.riskStates.set(id.toLowerCase(), "confirmedCompromised");
  return { status: 204 };
}

/** `POST /users/{key}/checkMemberGroups`: which of the given groups the user belongs to. */
export function checkMemberGroups(context: GraphContext, user: SimUser): SimResponse {
  const { groupIds } = requireJsonObject(context.request);
  if (!Array.isArray(groupIds) || !groupIds.every((id): id is string => typeof id === "string")) {
    throw badRequest("Invalid value specified for property 'groupIds': an array of group ids is required.");
  }
  if (groupIds.length > CHECK_MEMBER_GROUPS_LIMIT) {
    throw badRequest(
      `Too many group ids: checkMemberGroups accepts at most ${CHECK_MEMBER_GROUPS_LIMIT}, got ${groupIds.length}.`,
    );
  }
  const invalid = groupIds.find((id) => !isGuid(id));
  if (invalid !== undefined) {
    throw badRequest(`Invalid object identifier '${invalid}'.`);
  }
  const memberOf = [...new Set(groupIds.map((id) => id.toLowerCase()))].filter((id) =>
    context.tenant.isMember(id, user.id),
  );
  return graphJson({ "@odata.context": `${context.baseUrl}/$metadata#Collection(Edm.String)`, value: memberOf });
}
