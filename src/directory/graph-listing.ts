/**
 * Paged reads of Microsoft Graph for the bulk selectors: users by `$filter` (department, disabled)
 * and the distinct users behind sign-ins from one IP address. Each is an async iterable of pages,
 * so a caller holds one page of Graph's answer at a time, never the whole listing.
 *
 * The Graph client sends query values exactly as given (it neither encodes `&`, `#` nor `%`), so
 * filters are percent-encoded here: `Research & Development` would otherwise split the query and
 * `%27` would reach Graph as a quote.
 */
import type { Client, GraphRequest } from "@microsoft/microsoft-graph-client";
import { GraphError, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { AppError } from "../errors.js";
import { mapGraphError } from "./graph-errors.js";
import type { FailedSignIns, FailedSignInUser } from "./directory.js";
import { signInsFilter } from "./odata.js";
import { directoryUserOf, USER_SELECT, type DirectoryUser } from "./types.js";

/** Graph's largest page for users and sign-ins. */
export const LIST_PAGE_SIZE = 999;

/**
 * Pages read before a listing gives up: 1,000 pages of 999 is about a million records, far past
 * any tenant the bot serves, so reaching it means a runaway listing (or a nextLink loop).
 */
export const DEFAULT_MAX_PAGES = 1000;

/** The two listings, for error messages and the permission each needs (DESIGN.md "Graph calls"). */
export type ListingOperation = "listUsers" | "readSignIns" | "readGroupMembers" | "readRoleAssignments";

/**
 * The application permission each listing needs. Kept here rather than in errors.ts's
 * GraphOperation: graph-directory.ts keeps a Record<GraphOperation, …> of its own that would have
 * to grow in the same change.
 */
export const LISTING_PERMISSION: Readonly<Record<ListingOperation, string>> = {
  listUsers: "User.Read.All",
  readSignIns: "AuditLog.Read.All",
  readGroupMembers: "GroupMember.Read.All",
  readRoleAssignments: "RoleManagement.Read.Directory",
};

const LISTING_ACTION: Readonly<Record<ListingOperation, string>> = {
  listUsers: "list users",
  readSignIns: "read sign-in logs",
  readGroupMembers: "read the members of the revoker and approver groups",
  readRoleAssignments: "read Microsoft Entra role assignments (who holds an admin role)",
};

/** A user as the sign-in log names them (not a directory read: department and state are unknown). */
export interface SignInUser {
  /** The user's object ID, lower case. */
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}

/** Limits for one listing. */
export interface ListingOptions {
  /** Records per page asked of Graph (`$top`), 1…999; default LIST_PAGE_SIZE. */
  pageSize?: number;
  /** Pages read before failing; default DEFAULT_MAX_PAGES. */
  maxPages?: number;
  /** Awaited before each page is requested (the sign-in watch paces its reads to the reports API's limit). */
  beforePage?: () => Promise<void>;
  /**
   * A page Graph answered 429: told the error (it pauses the readers sharing the limit), it says
   * whether to ask for the page again (after beforePage again). Set, the Graph client's own
   * retries are off, so that every request goes through beforePage's budget.
   */
  onThrottled?: (err: AppError) => Promise<boolean>;
}

/**
 * Every user matching an OData filter, one page at a time, with the DESIGN.md `$select`, `$top=999`,
 * following `@odata.nextLink`. Pages hold fresh compact DirectoryUser objects; nothing of Graph's
 * answer is kept once a page is yielded.
 * @param filter e.g. departmentFilter("Sales") or DISABLED_FILTER (src/directory/odata.ts)
 * @throws AppError: Graph errors mapped (403 names User.Read.All; a refused filter says so and why)
 */
export async function* listUsers(
  client: Client,
  filter: string,
  options: ListingOptions = {},
): AsyncGenerator<DirectoryUser[], void, undefined> {
  const first = client
    .api("/users")
    .select([...USER_SELECT])
    .filter(encodeURIComponent(filter))
    .top(pageSizeOf(options));
  for await (const records of pages(client, first, "listUsers", filter, options)) {
    yield records.map((record) => toDirectoryUser(record, filter));
  }
}

/**
 * The distinct users (by object ID) who signed in from `ip` since `since`, one page of new users
 * per page of sign-ins (a page may be empty). Only the set of IDs already seen is kept, not the
 * sign-in records. Records without a user ID (sign-ins by names unknown to the tenant) are skipped:
 * there is no session of theirs to revoke.
 * @param ip a canonical IPv4 or IPv6 literal (parseCommand's `revokeIp.ip`)
 * @throws AppError: Graph errors mapped (403 names AuditLog.Read.All)
 */
export async function* listSignInUsers(
  client: Client,
  ip: string,
  since: Date,
  options: ListingOptions = {},
): AsyncGenerator<SignInUser[], void, undefined> {
  const filter = signInsFilter(ip, since);
  const first = client.api("/auditLogs/signIns").filter(encodeURIComponent(filter)).top(pageSizeOf(options));
  const seen = new Set<string>();
  for await (const records of pages(client, first, "readSignIns", filter, options)) {
    const fresh: SignInUser[] = [];
    for (const record of records) {
      const user = toSignInUser(record);
      if (user === undefined || seen.has(user.id)) continue;
      seen.add(user.id);
      fresh.push(user);
    }
    yield fresh;
  }
}

/**
 * Failed sign-ins from `ip` since `since`, as information for the approval card (never targets):
 * the first page of every sign-in from the address (`ipAddress eq … and createdDateTime ge …`,
 * newest first), its records with a non-zero `status/errorCode` counted per user. Graph documents
 * only `eq` on `status/errorCode`, so the failures are sorted out here; the targets themselves are
 * read with `status/errorCode eq 0` (listSignInUsers).
 * @throws AppError: Graph errors mapped (403 names AuditLog.Read.All)
 */
export async function readFailedSignIns(client: Client, ip: string, since: Date, options: ListingOptions = {}): Promise<FailedSignIns> {
  const filter = signInsFilter(ip, since, { successfulOnly: false });
  const first = client.api("/auditLogs/signIns").filter(encodeURIComponent(filter)).top(pageSizeOf(options));
  const users = new Map<string, FailedSignInUser>();
  let attempts = 0;
  let more = false;
  // The first page only: a full page means there may be more (the count is then a lower bound).
  for await (const records of pages(client, first, "readSignIns", filter, options)) {
    more = records.length >= pageSizeOf(options);
    for (const record of records) {
      const status = record.status;
      const code = typeof status === "object" && status !== null ? (status as { errorCode?: unknown }).errorCode : undefined;
      if (typeof code !== "number" || code === 0) continue;
      attempts += 1;
      const user = toSignInUser(record);
      const upn = user?.userPrincipalName ?? (typeof record.userPrincipalName === "string" ? record.userPrincipalName.slice(0, 256) : "");
      const key = user?.id ?? `name:${upn.toLowerCase()}`;
      const known = users.get(key);
      if (known !== undefined) known.attempts += 1;
      else users.set(key, { id: user?.id ?? null, userPrincipalName: upn, displayName: user?.displayName ?? stringOrNull(record.userDisplayName), attempts: 1 });
    }
    break;
  }
  return { attempts, more, users: [...users.values()] };
}

function pageSizeOf(options: ListingOptions): number {
  const size = options.pageSize ?? LIST_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > LIST_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer from 1 to ${LIST_PAGE_SIZE}, got ${size}`);
  }
  return size;
}

/**
 * The `value` arrays of every page, following nextLinks (the sign-in watch reads its own filter through it). The raw answer lives only inside
 * fetchPage, so while a caller works on one page the previous one can be collected.
 */
export async function* pages(
  client: Client,
  first: GraphRequest,
  op: ListingOperation,
  filter: string,
  options: ListingOptions,
): AsyncGenerator<Record<string, unknown>[], void, undefined> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  let request: GraphRequest | undefined = first;
  let previousLink: string | undefined;
  for (let read = 0; request !== undefined; ) {
    if (read >= maxPages) {
      throw new AppError(
        "GraphUnavailable",
        `Microsoft Graph was still returning pages after ${maxPages} pages for ${subjectOf(op, filter)}; the listing was stopped and nothing was requested.`,
      );
    }
    if (options.onThrottled !== undefined) request.middlewareOptions([new RetryHandlerOptions(0, 0)]);
    let page: Awaited<ReturnType<typeof fetchPage>>;
    for (;;) {
      if (options.beforePage !== undefined) await options.beforePage();
      try {
        page = await fetchPage(request, op, filter);
        break;
      } catch (err) {
        if (!(err instanceof AppError && err.code === "GraphThrottled" && options.onThrottled !== undefined && (await options.onThrottled(err)))) throw err;
      }
    }
    read += 1;
    if (page.nextLink !== undefined && page.nextLink === previousLink) {
      throw unexpected(op, filter, "the same next page twice");
    }
    previousLink = page.nextLink;
    request = page.nextLink === undefined ? undefined : client.api(page.nextLink);
    yield page.records;
  }
}

async function fetchPage(
  request: GraphRequest,
  op: ListingOperation,
  filter: string,
): Promise<{ records: Record<string, unknown>[]; nextLink: string | undefined }> {
  let body: unknown;
  try {
    body = (await request.get()) as unknown;
  } catch (err) {
    throw listingError(err, op, filter);
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { value?: unknown }).value)) {
    throw unexpected(op, filter, "a page without a value list");
  }
  const { value, "@odata.nextLink": next } = body as { value: unknown[]; "@odata.nextLink"?: unknown };
  const records = value.map((item) => {
    if (typeof item !== "object" || item === null) throw unexpected(op, filter, "a record that is not an object");
    return item as Record<string, unknown>;
  });
  if (next === undefined || next === null) return { records, nextLink: undefined };
  // The client attaches the bearer token only to https Graph hosts, and reads an absolute link as
  // host + version + path; anything else is not a nextLink Graph would send.
  if (typeof next !== "string" || !next.startsWith("https://")) throw unexpected(op, filter, "a next-page link that is not an https URL");
  return { records, nextLink: next };
}

function toDirectoryUser(record: Record<string, unknown>, filter: string): DirectoryUser {
  const user = directoryUserOf(record);
  // Skipping it could leave a session unrevoked that the card claims was in scope.
  if (user === undefined) throw unexpected("listUsers", filter, "a user without an id or userPrincipalName");
  return user;
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_ID = "00000000-0000-0000-0000-000000000000";

function toSignInUser(record: Record<string, unknown>): SignInUser | undefined {
  const { userId, userPrincipalName, userDisplayName } = record;
  if (typeof userId !== "string" || !OBJECT_ID.test(userId) || userId === NIL_ID) return undefined;
  return {
    id: userId.toLowerCase(),
    userPrincipalName: typeof userPrincipalName === "string" ? userPrincipalName : "",
    displayName: stringOrNull(userDisplayName),
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function subjectOf(op: ListingOperation, filter: string): string {
  if (op === "readGroupMembers") return `the member users of group ${filter}`;
  if (op === "readRoleAssignments") return `the Microsoft Entra role assignments${filter === "" ? "" : ` matching ${filter}`}`;
  return op === "listUsers" ? `the users matching ${filter}` : `the sign-ins matching ${filter}`;
}

/**
 * The object IDs (lower case) of a group's member users, nested groups included:
 * `GET /groups/{id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`, one page at a time.
 * @throws AppError: Graph errors mapped (403 names GroupMember.Read.All; a missing group says so)
 */
export async function* listGroupUserIds(client: Client, groupId: string, options: ListingOptions = {}): AsyncGenerator<string[], void, undefined> {
  if (!OBJECT_ID.test(groupId)) throw new AppError("GraphBadRequest", `"${groupId.slice(0, 60)}" is not a group object ID.`);
  const first = client.api(`/groups/${groupId}/transitiveMembers/microsoft.graph.user`).select(["id"]).top(pageSizeOf(options));
  try {
    for await (const records of pages(client, first, "readGroupMembers", groupId, options)) {
      yield records.flatMap((r) => (typeof r.id === "string" && OBJECT_ID.test(r.id) ? [r.id.toLowerCase()] : []));
    }
  } catch (err) {
    if (err instanceof AppError && err.code === "GraphNotFound") {
      throw new AppError(
        "GraphNotFound",
        `The group ${groupId} (REVOKER_GROUP_IDS or APPROVER_GROUP_IDS) does not exist in this tenant, so the bot cannot tell who the responders are; nothing was requested. Fix the group IDs in the configuration.`,
        err.details,
      );
    }
    throw err;
  }
}

function unexpected(op: ListingOperation, filter: string, what: string): AppError {
  return new AppError(
    "GraphBadRequest",
    `Microsoft Graph returned an unexpected answer (${what}) for ${subjectOf(op, filter)}; nothing was requested.`,
  );
}

/**
 * Graph errors of a listing as AppErrors. A refused filter and a missing permission are worded
 * here (the permission differs per listing); everything else (401, 404, 429, 5xx, network, token)
 * is mapGraphError's, whose wording does not depend on the operation.
 */
function listingError(err: unknown, op: ListingOperation, filter: string): AppError {
  if (err instanceof GraphError) {
    const details = {
      status: err.statusCode,
      graphCode: err.code ?? undefined,
      graphMessage: err.message,
      requestId: err.requestId ?? undefined,
    };
    if (err.statusCode === 400 && err.code === "Directory_ExpiredPageToken") {
      return new AppError(
        "GraphUnavailable",
        `Microsoft Graph's paging expired part-way through ${subjectOf(op, filter)}; nothing was requested: run the command again.`,
        details,
      );
    }
    if (err.statusCode === 400) {
      return new AppError(
        "GraphBadRequest",
        `Microsoft Graph refused the filter ${filter} as invalid (400); Graph's own explanation is in the bot's log. Nothing was requested.`,
        details,
      );
    }
    if (err.statusCode === 403 && op === "readSignIns" && err.code === "Authentication_RequestFromNonPremiumTenantOrB2CTenant") {
      return new AppError(
        "GraphForbidden",
        "The bot may not read sign-in logs: reading them through Microsoft Graph needs a Microsoft Entra ID P1 or P2 licence in the tenant.",
        details,
      );
    }
    if (err.statusCode === 403) {
      return new AppError(
        "GraphForbidden",
        `The bot may not ${LISTING_ACTION[op]}: its app registration lacks the Microsoft Graph application permission ${LISTING_PERMISSION[op]}. An admin adds it under API permissions and grants admin consent.`,
        details,
      );
    }
  }
  return mapGraphError(err, "readUser", subjectOf(op, filter));
}

/** One Microsoft Entra role assignment: who holds which role, tenant-wide or in a narrower scope. */
export interface RoleAssignment {
  /** Object ID of the user, group or service principal, lower case. */
  principalId: string;
  /** The role definition's ID (a built-in role's ID is its template ID), lower case. */
  roleDefinitionId: string;
  /** The role's name, when Graph expanded the definition. */
  roleName: string | null;
  /** "/" for the whole tenant; an administrative unit or object otherwise. */
  directoryScopeId: string;
}

/**
 * Microsoft Entra role assignments, every page: `GET /roleManagement/directory/roleAssignments
 * ?$expand=roleDefinition`, narrowed to one principal with `$filter=principalId eq '{id}'`.
 * A tenant holds few role assignments, so reading them all once per request is cheaper than one
 * call per target.
 * @throws AppError: Graph errors mapped (403 names RoleManagement.Read.Directory)
 */
export async function listRoleAssignments(client: Client, principalId?: string): Promise<RoleAssignment[]> {
  if (principalId !== undefined && !OBJECT_ID.test(principalId)) throw new AppError("GraphBadRequest", `"${principalId.slice(0, 60)}" is not an object ID.`);
  const filter = principalId === undefined ? "" : `principalId eq '${principalId}'`;
  let first = client.api("/roleManagement/directory/roleAssignments").expand("roleDefinition");
  if (filter !== "") first = first.filter(encodeURIComponent(filter));
  const found: RoleAssignment[] = [];
  for await (const records of pages(client, first, "readRoleAssignments", filter, {})) {
    for (const r of records) {
      if (typeof r.principalId !== "string" || typeof r.roleDefinitionId !== "string") throw unexpected("readRoleAssignments", filter, "an assignment without principalId or roleDefinitionId");
      const definition = r.roleDefinition as { displayName?: unknown; templateId?: unknown } | undefined;
      found.push({
        principalId: r.principalId.toLowerCase(),
        roleDefinitionId: (typeof definition?.templateId === "string" ? definition.templateId : r.roleDefinitionId).toLowerCase(),
        roleName: typeof definition?.displayName === "string" ? definition.displayName : null,
        directoryScopeId: typeof r.directoryScopeId === "string" ? r.directoryScopeId : "/",
      });
    }
  }
  return found;
}
