/**
 * `GET /directoryObjects/{id}`: what kind of object an id names. The bot uses it to tell a user
 * from a service principal or group when someone pastes an object id.
 */
import { graphJson } from "./graph-context.js";
import type { GraphContext } from "./graph-context.js";
import { resourceNotFound } from "./graph-error.js";
import { projectDirectoryObject } from "./graph-projection.js";
import type { SimResponse } from "./http-exchange.js";

/** Returns the object with its `@odata.type`, or throws 404. */
export function getDirectoryObject(context: GraphContext, id: string): SimResponse {
  const found = context.tenant.directoryObject(id);
  if (!found) {
    throw resourceNotFound(id);
  }
  return graphJson({
    "@odata.context": `${context.baseUrl}/$metadata#directoryObjects/$entity`,
    ...projectDirectoryObject(context.tenant, found, context.request.query.$select, context.readLagMs),
  });
}
