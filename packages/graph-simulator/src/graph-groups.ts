/**
 * `GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user`: a group's member users, nested
 * groups' users included (the simulated tenant has no nested groups, so its transitive members are
 * its direct members). As Graph serves it: `$select`, `$top` (1…999, 100 by default), paging by
 * `@odata.nextLink`, 404 Request_ResourceNotFound for a group that does not exist, and 400 for a
 * key that is not a GUID. Needs GroupMember.Read.All (or Group.Read.All, Directory.Read.All).
 */
import type { GraphContext } from "./graph-context.js";
import { graphJson } from "./graph-context.js";
import { GraphError, resourceNotFound } from "./graph-error.js";
import { decodePageToken, encodePageToken, nextLink, parsePageSize } from "./graph-paging.js";
import { DEFAULT_USER_PROPERTIES, parseUserSelect, projectUser, readUser, usersContext } from "./graph-projection.js";
import type { SimResponse } from "./http-exchange.js";
import { isGuid } from "./tenant.js";

// Options this listing does not take in the simulator; $filter and $count need ConsistencyLevel
// (advanced queries), which the bot does not send.
const UNSUPPORTED_OPTIONS = ["$filter", "$count", "$search", "$orderby", "$expand", "$skip"];

/** The member users of the group `groupKey`, a page at a time. */
export function listGroupTransitiveUsers(context: GraphContext, groupKey: string): SimResponse {
  const { query } = context.request;
  for (const option of UNSUPPORTED_OPTIONS) {
    if (query[option] !== undefined) {
      throw new GraphError(400, "Request_UnsupportedQuery", `The simulator does not support the query option '${option}' on group members.`);
    }
  }
  if (!isGuid(groupKey)) throw new GraphError(400, "Request_BadRequest", `Invalid object identifier '${groupKey}'.`);
  const group = context.tenant.groups.get(groupKey.toLowerCase());
  if (group === undefined) throw resourceNotFound(groupKey);
  const selected = parseUserSelect(query.$select);
  const pageSize = parsePageSize(query.$top);
  // The page token is bound to the group, as Graph's skip tokens are to their query.
  const scope = `group:${group.id}`;
  const offset = query.$skiptoken === undefined ? 0 : decodePageToken(query.$skiptoken, scope);
  const members = [...group.memberIds].map((id) => context.tenant.userById(id)).filter((u) => u !== undefined);
  const page = members.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = { "@odata.context": usersContext(context.baseUrl, selected, false) };
  if (offset + page.length < members.length) {
    body["@odata.nextLink"] = nextLink(
      `${context.baseUrl}/groups/${group.id}/transitiveMembers/microsoft.graph.user`,
      query,
      encodePageToken(offset + page.length, scope),
    );
  }
  body.value = page.map((user) => projectUser(readUser(context.tenant, user, context.readLagMs), selected ?? DEFAULT_USER_PROPERTIES));
  return graphJson(body);
}
