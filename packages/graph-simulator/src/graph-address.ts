/**
 * How Graph URLs address an entity: `/users/{id-or-upn}` or the OData key form
 * `/users('{id-or-upn}')`. The key form exists because some UPNs cannot sit in a plain segment:
 * one starting with `$` reads as an OData system segment, so Graph refuses it unless quoted.
 */
import { badRequest, resourceNotFound, segmentNotFound } from "./graph-error.js";
import { isGuid } from "./tenant.js";
import type { SimulatedTenant } from "./tenant.js";
import type { SimUser } from "./tenant-model.js";

/** A parsed resource path below `/v1.0`. */
export interface ResourceAddress {
  /** The entity set, lower-cased (`users`, `directoryobjects`). */
  collection: string;
  /** The entity set segment as sent, for error messages. */
  collectionSegment: string;
  /** The entity key, unquoted; undefined for the collection itself. */
  key?: string;
  /** Whether the key came as `('…')` (quoted) or as its own segment (plain). */
  keyForm?: "plain" | "quoted";
  /** Segments after the entity (an action such as `revokeSignInSessions`). */
  rest: string[];
}

const KEY_SEGMENT = /^([A-Za-z]+)\((.*)\)$/;
const QUOTED_LITERAL = /^'((?:[^']|'')*)'$/;

/**
 * Splits `segments` (already below `/v1.0`, percent-decoded) into collection, key and the rest.
 * @throws GraphError 400 for a key in parentheses that is not a quoted string literal
 */
export function parseResourcePath(segments: readonly string[]): ResourceAddress {
  const [first = "", ...rest] = segments;
  const keyed = KEY_SEGMENT.exec(first);
  if (keyed) {
    const [, collectionSegment = "", inside = ""] = keyed;
    const quoted = QUOTED_LITERAL.exec(inside.trim());
    if (!quoted) {
      throw badRequest("Bad Request - Error in query syntax.", "BadRequest");
    }
    // Inside an OData string literal a quote is written twice: ('pat.o''neil@contoso.com').
    const key = (quoted[1] ?? "").replace(/''/g, "'");
    return { collection: collectionSegment.toLowerCase(), collectionSegment, key, keyForm: "quoted", rest };
  }
  const [key, ...after] = rest;
  if (key === undefined) {
    return { collection: first.toLowerCase(), collectionSegment: first, rest: [] };
  }
  return { collection: first.toLowerCase(), collectionSegment: first, key, keyForm: "plain", rest: after };
}

/**
 * Checks a key's form as Graph does: a GUID or, for users, something with an `@` (a UPN).
 * @throws GraphError 400 for anything else
 */
export function assertObjectKey(address: ResourceAddress, allowUpn: boolean): string {
  const key = address.key ?? "";
  if (address.keyForm === "plain" && key.startsWith("$")) {
    throw segmentNotFound(key);
  }
  if (isGuid(key) || (allowUpn && key.includes("@"))) {
    return key;
  }
  throw badRequest(`Invalid object identifier '${key}'.`);
}

/**
 * The user a users address designates, by object id or UPN (case-insensitive).
 * @throws GraphError 400 for a malformed key, 404 for no such user
 */
export function resolveUser(tenant: SimulatedTenant, address: ResourceAddress): SimUser {
  const key = assertObjectKey(address, true);
  const user = tenant.userByKey(key);
  if (!user) {
    throw resourceNotFound(key);
  }
  return user;
}
