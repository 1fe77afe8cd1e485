/**
 * What a Graph read returns: the `$select`ed properties (or Graph's default set), the
 * `@odata.context` and `@odata.type` annotations, and a read-lagged view of the user so eventual
 * consistency shows through every read path the same way.
 */
import { badRequest } from "./graph-error.js";
import type { SimulatedTenant } from "./tenant.js";
import type { SimDirectoryObject, SimUser } from "./tenant-model.js";

/** Every user property the simulator can return, in Graph's spelling. */
export const USER_PROPERTIES: readonly (keyof SimUser)[] = [
  "id",
  "displayName",
  "givenName",
  "surname",
  "userPrincipalName",
  "mail",
  "mailNickname",
  "jobTitle",
  "department",
  "officeLocation",
  "mobilePhone",
  "businessPhones",
  "preferredLanguage",
  "accountEnabled",
  "userType",
  "createdDateTime",
  "signInSessionsValidFromDateTime",
  "lastPasswordChangeDateTime",
];

/**
 * What Graph v1.0 returns for a user without `$select`. accountEnabled, department, userType and
 * signInSessionsValidFromDateTime are NOT in it: a client that forgets `$select` reads undefined,
 * exactly as against the real service.
 */
export const DEFAULT_USER_PROPERTIES: readonly (keyof SimUser)[] = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
];

const USER_PROPERTY_BY_LOWER = new Map(USER_PROPERTIES.map((name) => [name.toLowerCase(), name]));

/** The JSON content type Graph answers with. */
export const GRAPH_JSON_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/**
 * Parses a `$select` for users into canonical property names; undefined when absent or empty.
 * @throws GraphError 400 for a property users do not have
 */
export function parseUserSelect(select: string | undefined): (keyof SimUser)[] | undefined {
  if (select === undefined || select.trim().length === 0) {
    return undefined;
  }
  const properties: (keyof SimUser)[] = [];
  for (const raw of select.split(",")) {
    const name = raw.trim();
    // Property names are case-insensitive in Graph's query options.
    const property = USER_PROPERTY_BY_LOWER.get(name.toLowerCase());
    if (!property) {
      throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`, "BadRequest");
    }
    if (!properties.includes(property)) {
      properties.push(property);
    }
  }
  return properties;
}

/** The user as a read sees it now: identical, except for a lagging signInSessionsValidFromDateTime. */
export function readUser(tenant: SimulatedTenant, user: SimUser, readLagMs: number): SimUser {
  return {
    ...user,
    businessPhones: [...user.businessPhones],
    lastPasswordChangeDateTime: user.lastPasswordChangeDateTime ?? user.createdDateTime,
    signInSessionsValidFromDateTime: tenant.signInSessionsValidFromAsRead(user.id, readLagMs),
  };
}

/** The chosen properties of a user, in the order asked. */
export function projectUser(user: SimUser, properties: readonly (keyof SimUser)[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const property of properties) {
    result[property] = user[property];
  }
  return result;
}

/** `@odata.context` of a users read, e.g. `…/$metadata#users(id,displayName)/$entity`. */
export function usersContext(baseUrl: string, selected: readonly string[] | undefined, entity: boolean): string {
  const selection = selected ? `(${selected.join(",")})` : "";
  return `${baseUrl}/$metadata#users${selection}${entity ? "/$entity" : ""}`;
}

/**
 * A directory object with its `@odata.type`, for `/directoryObjects/{id}`. Users get their default
 * (or selected) properties; other types their identifying ones. `$select` names a type does not have
 * are skipped, since the caller cannot know the type in advance.
 */
export function projectDirectoryObject(
  tenant: SimulatedTenant,
  found: SimDirectoryObject,
  select: string | undefined,
  readLagMs: number,
): Record<string, unknown> {
  let properties: Record<string, unknown>;
  switch (found.kind) {
    case "user":
      properties = projectUser(readUser(tenant, found.object, readLagMs), USER_PROPERTIES);
      break;
    case "group": {
      const { id, displayName, description, mailEnabled, mailNickname, securityEnabled } = found.object;
      properties = { id, displayName, description, mailEnabled, mailNickname, securityEnabled };
      break;
    }
    case "servicePrincipal": {
      const { id, appId, displayName, servicePrincipalType } = found.object;
      properties = { id, appId, displayName, servicePrincipalType };
      break;
    }
    case "application": {
      const { id, appId, displayName, signInAudience } = found.object;
      properties = { id, appId, displayName, signInAudience };
      break;
    }
  }
  const wanted = selectedNames(select) ?? defaultNames(found, properties);
  const result: Record<string, unknown> = { "@odata.type": `#microsoft.graph.${found.kind}` };
  for (const [name, value] of Object.entries(properties)) {
    if (wanted.has(name.toLowerCase())) {
      result[name] = value;
    }
  }
  return result;
}

function selectedNames(select: string | undefined): Set<string> | undefined {
  if (select === undefined || select.trim().length === 0) {
    return undefined;
  }
  return new Set(select.split(",").map((name) => name.trim().toLowerCase()));
}

function defaultNames(found: SimDirectoryObject, properties: Record<string, unknown>): Set<string> {
  const names = found.kind === "user" ? DEFAULT_USER_PROPERTIES : Object.keys(properties);
  return new Set(names.map((name) => name.toLowerCase()));
}
