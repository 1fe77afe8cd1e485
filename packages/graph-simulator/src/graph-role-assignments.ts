/**
 * `GET /v1.0/roleManagement/directory/roleAssignments`: Microsoft Entra role assignments, as Graph
 * serves them ("List unifiedRoleAssignments", directory provider): `$filter` by `principalId` or
 * `roleDefinitionId` (eq), `$expand=roleDefinition` or `$expand=principal`, server-driven paging by
 * `@odata.nextLink`. Needs RoleManagement.Read.Directory (least privileged), RoleManagement.Read.All,
 * Directory.Read.All, RoleManagement.ReadWrite.Directory or Directory.ReadWrite.All; a token
 * without any of them gets Graph's 403 Authorization_RequestDenied.
 *
 * The assignments are the tenant's: users' roles (`tenant.directoryRoles`), the calling app's
 * service principal's roles (`tenant.directoryRolesOfApp`), and those of any other app a test set
 * in `tenant.appDirectoryRoles`. Every assignment is tenant-wide (`directoryScopeId` "/").
 */
import { createHash } from "node:crypto";
import type { GraphContext } from "./graph-context.js";
import { graphJson } from "./graph-context.js";
import { GraphError } from "./graph-error.js";
import { decodePageToken, encodePageToken, nextLink, parsePageSize } from "./graph-paging.js";
import { isGuid } from "./tenant.js";
import type { SimResponse } from "./http-exchange.js";

/** Template IDs of the built-in Microsoft Entra roles the simulator knows ("Microsoft Entra built-in roles"). */
export const ENTRA_ROLE_TEMPLATE_IDS: Readonly<Record<string, string>> = {
  "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
  "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
  "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
  "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
  "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
  "Password Administrator": "966707d0-3269-4727-9be2-8c3a10f19b9d",
  "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
};

const UNSUPPORTED_OPTIONS = ["$search", "$orderby", "$skip", "$count"];
const FILTER = /^\s*(principalId|roleDefinitionId)\s+eq\s+'([^']*)'\s*$/i;

interface Assignment {
  principalId: string;
  principal: Record<string, unknown>;
  role: string;
}

function roleIdOf(name: string): string {
  const id = ENTRA_ROLE_TEMPLATE_IDS[name];
  if (id === undefined) throw new Error(`The simulator knows no template ID for the Entra role "${name}"`);
  return id;
}

function assignmentsOf(context: GraphContext): Assignment[] {
  const { tenant, claims } = context;
  const found: Assignment[] = [];
  for (const [userId, roles] of tenant.directoryRoles) {
    const user = tenant.userById(userId);
    if (user === undefined) continue;
    const principal = { "@odata.type": "#microsoft.graph.user", id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName };
    for (const role of roles) found.push({ principalId: user.id, principal, role });
  }
  const apps = new Map<string, { id: string; appId: string; displayName: string }>();
  apps.set(claims.objectId.toLowerCase(), { id: claims.objectId.toLowerCase(), appId: claims.appId, displayName: tenant.servicePrincipalByAppId(claims.appId)?.displayName ?? claims.appId });
  for (const appId of tenant.appDirectoryRoles.keys()) {
    const sp = tenant.servicePrincipalByAppId(appId);
    if (sp !== undefined && !apps.has(sp.id)) apps.set(sp.id, { id: sp.id, appId: sp.appId, displayName: sp.displayName });
  }
  for (const app of apps.values()) {
    const principal = { "@odata.type": "#microsoft.graph.servicePrincipal", id: app.id, appId: app.appId, displayName: app.displayName };
    for (const role of tenant.directoryRolesOfApp(app.appId)) found.push({ principalId: app.id, principal, role });
  }
  return found;
}

/** The assignments matching the query, a page at a time. */
export function listRoleAssignments(context: GraphContext): SimResponse {
  const { query } = context.request;
  for (const option of UNSUPPORTED_OPTIONS) {
    if (query[option] !== undefined) throw new GraphError(400, "Request_UnsupportedQuery", `The query option '${option}' is not supported on roleAssignments.`);
  }
  let match: (a: Assignment) => boolean = () => true;
  if (query.$filter !== undefined) {
    const parsed = FILTER.exec(query.$filter);
    if (parsed === null) throw new GraphError(400, "Request_UnsupportedQuery", `Unsupported or invalid query filter clause specified for property of resource 'UnifiedRoleAssignment': '${query.$filter}'.`);
    const [, property = "", value = ""] = parsed;
    if (!isGuid(value)) throw new GraphError(400, "Request_BadRequest", `Invalid object identifier '${value}'.`);
    const wanted = value.toLowerCase();
    match = property.toLowerCase() === "principalid" ? (a) => a.principalId.toLowerCase() === wanted : (a) => roleIdOf(a.role) === wanted;
  }
  const expand = (query.$expand ?? "").split(",").map((e) => e.trim().toLowerCase()).filter((e) => e !== "");
  for (const e of expand) {
    if (e !== "roledefinition" && e !== "principal") throw new GraphError(400, "Request_BadRequest", `Could not find a property named '${e}' on type 'microsoft.graph.unifiedRoleAssignment'.`);
  }
  const all = assignmentsOf(context).filter(match);
  const pageSize = parsePageSize(query.$top);
  const scope = `roleAssignments:${query.$filter ?? ""}:${query.$expand ?? ""}`;
  const offset = query.$skiptoken === undefined ? 0 : decodePageToken(query.$skiptoken, scope);
  const page = all.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = { "@odata.context": `${context.baseUrl}/$metadata#roleManagement/directory/roleAssignments` };
  if (offset + page.length < all.length) {
    body["@odata.nextLink"] = nextLink(`${context.baseUrl}/roleManagement/directory/roleAssignments`, query, encodePageToken(offset + page.length, scope));
  }
  body.value = page.map((a) => {
    const roleDefinitionId = roleIdOf(a.role);
    return {
      id: createHash("sha256").update(`${roleDefinitionId}:${a.principalId}`).digest("base64url").slice(0, 43),
      principalId: a.principalId,
      roleDefinitionId,
      directoryScopeId: "/",
      appScopeId: null,
      ...(expand.includes("roledefinition") ? { roleDefinition: { id: roleDefinitionId, templateId: roleDefinitionId, displayName: a.role, isBuiltIn: true, isEnabled: true } } : {}),
      ...(expand.includes("principal") ? { principal: a.principal } : {}),
    };
  });
  return graphJson(body);
}
