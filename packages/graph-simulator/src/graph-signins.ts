/**
 * The sign-in log of the simulated tenant: `GET /v1.0/auditLogs/signIns` with the `$filter` the
 * bot sends for `revoke ip` (`ipAddress eq '…' and createdDateTime ge …`), `$top` and
 * `@odata.nextLink` paging, and the seeded records behind it.
 *
 * Records are seeded relative to the moment the tenant is built (a sign-in log is about "the last
 * 24 hours"), but which users, addresses, apps and offsets they have comes from the seed alone, so
 * two simulators with the same seed hold the same log shifted to their start times.
 */
import { GRAPH_ROLES } from "./constants.js";
import { graphJson } from "./graph-context.js";
import type { GraphContext } from "./graph-context.js";
import { badRequest, GraphError } from "./graph-error.js";
import { decodePageToken, encodePageToken, nextLink, parsePageSize } from "./graph-paging.js";
import type { SimResponse } from "./http-exchange.js";
import { FilterSyntaxError, parseFilter } from "./odata-filter.js";
import type { FilterExpression } from "./odata-filter.js";
import { SeededRandom } from "./prng.js";
import type { SimulatedTenant } from "./tenant.js";
import { toIsoSeconds } from "./time.js";
import { UnsupportedFilterError } from "./user-filter.js";
import { WELL_KNOWN } from "./well-known.js";
import type { WellKnownKey } from "./well-known.js";

/** One sign-in event, with the properties of Graph's `signIn` resource the bot reads. */
export interface SimSignIn {
  id: string;
  /** ISO 8601 UTC, whole seconds. */
  createdDateTime: string;
  userId: string;
  userPrincipalName: string;
  userDisplayName: string;
  /** As Entra records it: IPv4 dotted decimal, IPv6 in RFC 5952 form (lower case, `::`). */
  ipAddress: string;
  appDisplayName: string;
  /** 0 for a successful sign-in, else the Entra error code (e.g. 50126 bad password). */
  status: { errorCode: number; failureReason: string | null };
  /** Where the address was placed (Graph's signInLocation); answered as nulls when absent. */
  location?: { city: string | null; state: string | null; countryOrRegion: string | null };
  /** e.g. "Browser", "Mobile Apps and Desktop clients"; answered as "Browser" when absent. */
  clientAppUsed?: string;
  /** Whether the user took part in the sign-in; answered as true when absent. */
  isInteractive?: boolean;
}

/** Where the seeded addresses are placed, as Entra's IP geolocation would. */
export function locationOf(ip: string): NonNullable<SimSignIn["location"]> {
  if (ip === HOSTILE_IPV4 || ip === HOSTILE_IPV6) return { city: "Tallinn", state: "Harjumaa", countryOrRegion: "EE" };
  if (ip === OFFICE_IPV4) return { city: "Redmond", state: "Washington", countryOrRegion: "US" };
  return { city: "Seattle", state: "Washington", countryOrRegion: "US" };
}

const CLIENTS = ["Browser", "Mobile Apps and Desktop clients"] as const;

/**
 * A sign-in happening now (the simulated user, or whoever holds their password, signs in again):
 * successful unless the account is disabled (50057), as Entra records it, or unless `errorCode`
 * says how the attempt failed (e.g. 50126, a wrong password: someone spraying passwords at the
 * account). Returns the record.
 */
export function recordSignIn(
  tenant: SimulatedTenant,
  userId: string,
  at: number,
  options: { ip: string; app?: string; client?: string; interactive?: boolean; errorCode?: number },
): SimSignIn {
  const user = tenant.userById(userId);
  if (user === undefined) throw new Error(`No user with id ${userId} in the simulated tenant`);
  const errorCode = options.errorCode ?? (user.accountEnabled === false ? 50057 : 0);
  const record: SimSignIn = {
    id: `6f000000-0000-4000-8000-${String(tenant.signIns.length + 1).padStart(12, "0")}`,
    createdDateTime: toIsoSeconds(at),
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    ipAddress: options.ip,
    appDisplayName: options.app ?? "Office 365 Exchange Online",
    status: { errorCode, failureReason: FAILURE_REASONS[errorCode] ?? null },
    location: locationOf(options.ip),
    clientAppUsed: options.client ?? "Browser",
    isInteractive: options.interactive ?? true,
  };
  tenant.signIns.push(record);
  return record;
}

/** Roles that allow reading sign-in logs (Microsoft's permission reference for `List signIns`). */
export const SIGN_IN_READ_ROLES: readonly string[] = [GRAPH_ROLES.auditLogReadAll];

/** The hostile-looking documentation addresses the seed uses (RFC 5737 / RFC 3849 ranges). */
export const HOSTILE_IPV4 = "203.0.113.50";
export const HOSTILE_IPV6 = "2001:db8::50";
/** The office's NAT address: many users sign in from it. */
export const OFFICE_IPV4 = "198.51.100.10";

const HOUR_MS = 3_600_000;
/** How far back the log reaches, as in Entra ID P1/P2. */
export const SIGN_IN_RETENTION_DAYS = 30;
/** Generated users that get sign-ins: enough for paging, bounded whatever the tenant's size. */
const SIGNED_IN_GENERATED_USERS = 250;

const APPS = ["Office 365 Exchange Online", "Microsoft Teams", "SharePoint Online", "Azure Portal", "Microsoft Office"] as const;

// Fixed records that tests name by user: hours before the tenant was built. Nothing sits between
// 22h and 26h ago, so a test that runs a minute after start sees the same 24-hour window.
const FIXED_SIGN_INS: readonly { user: WellKnownKey; ip: string; hoursAgo: number; errorCode?: number }[] = [
  { user: "alice", ip: HOSTILE_IPV4, hoursAgo: 2 },
  { user: "alice", ip: HOSTILE_IPV4, hoursAgo: 6 },
  { user: "bob", ip: HOSTILE_IPV4, hoursAgo: 5 },
  { user: "guest", ip: HOSTILE_IPV4, hoursAgo: 1 },
  { user: "breakglass", ip: HOSTILE_IPV4, hoursAgo: 10, errorCode: 50126 },
  { user: "disabled", ip: HOSTILE_IPV4, hoursAgo: 20, errorCode: 50057 },
  { user: "oneil", ip: HOSTILE_IPV4, hoursAgo: 3 * 24 },
  { user: "nina", ip: HOSTILE_IPV4, hoursAgo: 29 * 24 },
  { user: "riley", ip: HOSTILE_IPV6, hoursAgo: 3 },
  { user: "alice", ip: HOSTILE_IPV6, hoursAgo: 2 * 24 },
  { user: "bob", ip: HOSTILE_IPV6, hoursAgo: 12 * 24 },
  { user: "sam", ip: OFFICE_IPV4, hoursAgo: 1 },
  { user: "riley", ip: OFFICE_IPV4, hoursAgo: 2 },
  { user: "val", ip: OFFICE_IPV4, hoursAgo: 4 },
  { user: "nina", ip: OFFICE_IPV4, hoursAgo: 8 },
];

const FAILURE_REASONS: Readonly<Record<number, string>> = {
  50057: "User account is disabled.",
  50126: "Error validating credentials due to invalid username or password.",
};

/**
 * Adds the seeded sign-in log to a tenant whose users already exist: the fixed records above,
 * then one to three sign-ins for each of the first SIGNED_IN_GENERATED_USERS generated users, most
 * from the office, some from home (192.0.2.x, 2001:db8:1::x) and a few from HOSTILE_IPV4.
 * @param now epoch ms the records count back from (the tenant's build time)
 */
export function addSeededSignIns(tenant: SimulatedTenant, seed: number, now: number): void {
  // A generator of its own, so sign-ins never reshuffle the users generated from `seed`.
  const random = new SeededRandom((seed ^ 0x5161_6e49) >>> 0);
  const wellKnownIds = new Set<string>(Object.values(WELL_KNOWN).map((user) => user.id));
  FIXED_SIGN_INS.forEach((fixed, index) => {
    const user = WELL_KNOWN[fixed.user];
    const errorCode = fixed.errorCode ?? 0;
    tenant.signIns.push({
      id: `60000000-0000-4000-8000-${String(index + 1).padStart(12, "0")}`,
      createdDateTime: toIsoSeconds(now - fixed.hoursAgo * HOUR_MS),
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      userDisplayName: user.displayName,
      ipAddress: fixed.ip,
      appDisplayName: APPS[index % APPS.length] ?? "Microsoft Teams",
      status: { errorCode, failureReason: FAILURE_REASONS[errorCode] ?? null },
      location: locationOf(fixed.ip),
      clientAppUsed: CLIENTS[index % CLIENTS.length] ?? "Browser",
      isInteractive: true,
    });
  });

  let signedIn = 0;
  for (const user of tenant.users.values()) {
    if (signedIn >= SIGNED_IN_GENERATED_USERS) break;
    if (wellKnownIds.has(user.id)) continue;
    signedIn += 1;
    const count = random.int(1, 3);
    for (let i = 0; i < count; i++) {
      // Draw every value whatever the branch, so one rule change does not reshuffle later records.
      const where = random.next();
      const host = random.int(1, 254);
      const ageMs = random.int(0, SIGN_IN_RETENTION_DAYS * 24 * 60 - 1) * 60_000;
      const app = random.pick(APPS);
      const id = random.guid();
      const ipAddress =
        where < 0.55 ? OFFICE_IPV4 : where < 0.8 ? `192.0.2.${host}` : where < 0.95 ? `2001:db8:1::${host.toString(16)}` : HOSTILE_IPV4;
      tenant.signIns.push({
        id,
        createdDateTime: toIsoSeconds(now - ageMs),
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        userDisplayName: user.displayName,
        ipAddress,
        appDisplayName: app,
        status: { errorCode: 0, failureReason: null },
        // From values already drawn, so the seeded sequence is the same as before these fields.
        location: locationOf(ipAddress),
        clientAppUsed: CLIENTS[host % CLIENTS.length] ?? "Browser",
        isInteractive: host % 3 !== 0,
      });
    }
  }
}

// Query options Graph's signIns list does not take (it supports $filter, $top and $skiptoken).
const SUPPORTED_OPTIONS = new Set(["$filter", "$top", "$skiptoken"]);

const SUPPORTED_SUMMARY =
  "The simulator supports `ipAddress eq '…'`, `userId eq '…'` (several joined with 'or'), `createdDateTime` with ge, gt, le or lt, and `status/errorCode eq <number>`, joined with 'and'.";

type SignInPredicate = (signIn: SimSignIn) => boolean;

function unsupported(detail: string): UnsupportedFilterError {
  return new UnsupportedFilterError(`Unsupported or invalid query filter clause specified: ${detail}. ${SUPPORTED_SUMMARY}`);
}

/** `userId eq '…'` alone, or several of them joined with `or` (the watch asks about many users at once). */
function isUserIdChoice(expression: FilterExpression): boolean {
  if (expression.type === "logical") return expression.operator === "or" && isUserIdChoice(expression.left) && isUserIdChoice(expression.right);
  return (
    expression.type === "comparison" &&
    expression.operator === "eq" &&
    expression.left.type === "property" &&
    expression.left.path.toLowerCase() === "userid"
  );
}

const TIME_COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  ge: (a, b) => a >= b,
  gt: (a, b) => a > b,
  le: (a, b) => a <= b,
  lt: (a, b) => a < b,
};

/**
 * Compiles a parsed filter over sign-ins.
 * @throws UnsupportedFilterError for anything but the supported comparisons; `or` only between
 *   `userId eq` clauses
 */
export function compileSignInFilter(expression: FilterExpression): SignInPredicate {
  switch (expression.type) {
    case "logical": {
      if (expression.operator === "or" && !isUserIdChoice(expression)) throw unsupported("'or' between anything but userId comparisons");
      const left = compileSignInFilter(expression.left);
      const right = compileSignInFilter(expression.right);
      return expression.operator === "and" ? (signIn) => left(signIn) && right(signIn) : (signIn) => left(signIn) || right(signIn);
    }
    case "not":
      throw unsupported("the 'not' operator");
    case "predicate":
      throw unsupported(`the function '${expression.call.name}'`);
    case "comparison": {
      const { left, right, operator } = expression;
      const property = left.type === "property" ? left.path.toLowerCase() : "";
      if (property === "ipaddress" && operator === "eq" && right.type === "literal" && right.kind === "string") {
        // Addresses compare case-insensitively (IPv6 hex digits), like Graph's string comparisons.
        const wanted = String(right.value).toLowerCase();
        return (signIn) => signIn.ipAddress.toLowerCase() === wanted;
      }
      if (property === "userid" && operator === "eq" && right.type === "literal" && (right.kind === "string" || right.kind === "guid")) {
        const wanted = String(right.value).toLowerCase();
        return (signIn) => signIn.userId.toLowerCase() === wanted;
      }
      if (property === "status/errorcode" && operator === "eq" && right.type === "literal" && right.kind === "number") {
        const wanted = Number(right.value);
        return (signIn) => signIn.status.errorCode === wanted;
      }
      const compare = TIME_COMPARISONS[operator];
      if (property === "createddatetime" && compare !== undefined && right.type === "literal" && right.kind === "datetime") {
        const at = Date.parse(String(right.value));
        if (!Number.isFinite(at)) throw unsupported(`the date-time '${String(right.value)}'`);
        return (signIn) => compare(Date.parse(signIn.createdDateTime), at);
      }
      throw unsupported(`'${operator}' on '${left.type === "property" ? left.path : "a non-property"}'`);
    }
  }
}

function compile(filter: string): SignInPredicate {
  try {
    return compileSignInFilter(parseFilter(filter));
  } catch (error) {
    if (error instanceof FilterSyntaxError) {
      throw badRequest(`Invalid filter clause: ${error.message}`, "BadRequest");
    }
    if (error instanceof UnsupportedFilterError) {
      throw badRequest(error.message, "Request_UnsupportedQuery");
    }
    throw error;
  }
}

/** `GET /auditLogs/signIns` (v1.0: interactive sign-ins only) with `$filter`, `$top` and `$skiptoken`, newest first as in Graph. */
export function listSignIns(context: GraphContext): SimResponse {
  const { query } = context.request;
  for (const option of Object.keys(query)) {
    if (option.startsWith("$") && !SUPPORTED_OPTIONS.has(option.toLowerCase())) {
      throw new GraphError(400, "Request_UnsupportedQuery", `The query option '${option}' is not supported on signIns.`);
    }
  }
  const pageSize = parsePageSize(query.$top);
  const filter = query.$filter;
  const predicate: SignInPredicate = filter === undefined || filter.trim().length === 0 ? () => true : compile(filter);
  const offset = query.$skiptoken === undefined ? 0 : decodePageToken(query.$skiptoken, filter);

  // v1.0 lists interactive user sign-ins only (Microsoft's "List signIns": non-interactive,
  // service principal and managed identity sign-ins are in beta, filtered by signInEventTypes).
  const matching = context.tenant.signIns
    .filter((signIn) => signIn.isInteractive !== false)
    .filter(predicate)
    .map((signIn) => ({ signIn, at: Date.parse(signIn.createdDateTime) }))
    .sort((a, b) => b.at - a.at || (a.signIn.id < b.signIn.id ? -1 : a.signIn.id > b.signIn.id ? 1 : 0))
    .map(({ signIn }) => signIn);
  const page = matching.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = { "@odata.context": `${context.baseUrl}/$metadata#auditLogs/signIns` };
  const nextOffset = offset + page.length;
  if (nextOffset < matching.length) {
    body["@odata.nextLink"] = nextLink(`${context.baseUrl}/auditLogs/signIns`, query, encodePageToken(nextOffset, filter));
  }
  body.value = page.map((signIn) => ({
    ...signIn,
    status: { ...signIn.status },
    location: { ...(signIn.location ?? { city: null, state: null, countryOrRegion: null }) },
    clientAppUsed: signIn.clientAppUsed ?? "Browser",
    isInteractive: signIn.isInteractive ?? true,
  }));
  return graphJson(body);
}
