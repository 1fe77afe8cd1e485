/**
 * The sign-in log reads of the post-revocation watch: successful sign-ins of many users at once
 * (`GET /auditLogs/signIns` with `(userId eq '…' or …) and createdDateTime ge … and
 * status/errorCode eq 0`, paged by `@odata.nextLink`), and whether a user signed in from an address
 * before. Knows nothing of Teams; every failure is an AppError (403 names AuditLog.Read.All, or the
 * Entra ID P1 licence when Graph says the tenant has none).
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import { GraphError, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { isIP } from "node:net";
import { AppError } from "../errors.js";
import { isObjectId } from "./directory.js";
import { mapGraphError } from "./graph-errors.js";
import { pages, type ListingOptions } from "./graph-listing.js";
import { odataString } from "./odata.js";
import { REPORTS_LIMIT, type ReportsBudget } from "./reports-budget.js";

/**
 * Users asked about in one request. Each `userId eq '<guid>'` clause is about 60 characters once
 * percent-encoded, so 15 keep the URL near 1,000 characters, well inside what Graph accepts. A
 * conservative figure: Microsoft documents no limit on `or` clauses for signIns, and some Graph
 * filters stop at 15 expressions.
 */
export const SIGN_IN_GROUP_SIZE = 15;

/** A successful sign-in as the watch reports it (values as Graph gave them, read defensively). */
export interface SignInEvent {
  id: string;
  /** ISO 8601 from Graph. */
  createdDateTime: string;
  /** Lower-case object ID. */
  userId: string;
  ipAddress: string;
  /** "City, State, Country", or "" when the log has no location. */
  location: string;
  appDisplayName: string;
  /** e.g. "Browser", "Mobile Apps and Desktop clients", or "". */
  clientAppUsed: string;
  /** Whether the user took part (typed a password, approved MFA); null when the log does not say. */
  isInteractive: boolean | null;
}

export interface SignInReadOptions {
  /** Awaited before each request (pacing to the reports API's limit); default: the watch's share of the reports budget. */
  beforeRequest?: () => Promise<void>;
  /** Records per page (`$top`); default 999. */
  pageSize?: number;
}

/** What the watch needs of the sign-in log. */
export interface SignInLog {
  /** Successful sign-ins of the users since `since`, one page at a time (at most SIGN_IN_GROUP_SIZE users). */
  successfulSignIns(userIds: readonly string[], since: Date, options?: SignInReadOptions): AsyncIterable<SignInEvent[]>;
  /** Whether the user signed in successfully from `ip` before `before` (within the log's retention). */
  seenBefore(userId: string, ip: string, before: Date, options?: SignInReadOptions): Promise<boolean>;
}

/** A user's signInActivity (ISO times from Graph, null where there is none). */
export interface SignInActivity {
  lastInteractive: string | null;
  lastNonInteractive: string | null;
  lastSuccessful: string | null;
}

/** Successful sign-ins of one user since a time: how many (up to what was read), and the latest. */
export interface SignInsSince {
  count: number;
  /** More pages were left unread: the count is a lower bound. */
  more: boolean;
  latest: SignInEvent | undefined;
}

/** What `status <user>` reads of a user's sign-ins. */
export interface UserSignIns {
  signInActivity(userId: string): Promise<SignInActivity>;
  successfulSince(userId: string, since: Date, maxPages?: number): Promise<SignInsSince>;
}

/** An OData DateTimeOffset literal at whole seconds (truncated: the window widens, never narrows). */
function odataTime(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new AppError("GraphBadRequest", "The sign-in window was not sent to Microsoft Graph: its start is not a valid date.");
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function userIdClause(userId: string): string {
  // Only object IDs reach the filter: a GUID has nothing to escape, and anything else is refused.
  if (!isObjectId(userId)) throw new AppError("GraphBadRequest", `"${userId.slice(0, 60)}" is not an object ID; the sign-in log is read by object ID only.`);
  return `userId eq ${odataString(userId.toLowerCase())}`;
}

/** `(userId eq 'a' or userId eq 'b') and createdDateTime ge <since> and status/errorCode eq 0` */
export function successfulSignInsFilter(userIds: readonly string[], since: Date): string {
  if (userIds.length === 0 || userIds.length > SIGN_IN_GROUP_SIZE) {
    throw new RangeError(`a sign-in query names 1 to ${SIGN_IN_GROUP_SIZE} users, got ${userIds.length}`);
  }
  const users = userIds.map(userIdClause).join(" or ");
  return `(${users}) and createdDateTime ge ${odataTime(since)} and status/errorCode eq 0`;
}

/** `userId eq 'u' and ipAddress eq 'ip' and createdDateTime le <before> and status/errorCode eq 0` */
export function seenBeforeFilter(userId: string, ip: string, before: Date): string {
  if (isIP(ip) === 0 || ip.includes("%")) throw new AppError("GraphBadRequest", `"${ip.slice(0, 60)}" is not a single IPv4 or IPv6 address.`);
  return `${userIdClause(userId)} and ipAddress eq ${odataString(ip)} and createdDateTime le ${odataTime(before)} and status/errorCode eq 0`;
}

/**
 * Microsoft Graph implementation of SignInLog and UserSignIns. Every sign-in log request takes its
 * place in the one reports budget (src/directory/reports-budget.ts) and a 429 pauses every reader
 * of it; the Graph client's own retries are off for these reads, so none bypasses the budget.
 *
 * `signInActivity` is a property of the user, not a reports resource, and Microsoft documents no
 * limit of its own for it: it is not paced here, and a 429 is said with Graph's Retry-After.
 */
export class GraphSignInLog implements SignInLog, UserSignIns {
  constructor(
    private readonly client: Client,
    private readonly budget: ReportsBudget,
  ) {}

  async signInActivity(userId: string): Promise<SignInActivity> {
    if (!isObjectId(userId)) throw new AppError("GraphBadRequest", `"${userId.slice(0, 60)}" is not an object ID.`);
    let body: unknown;
    try {
      body = await this.client
        .api(`/users/${userId}`)
        .select(["id", "signInActivity"])
        .middlewareOptions([new RetryHandlerOptions(0, 0)])
        .get();
    } catch (err) {
      throw signInReadError(err, userId);
    }
    const activity = (body as { signInActivity?: Record<string, unknown> | null } | undefined)?.signInActivity ?? {};
    const time = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? v : null);
    return {
      lastInteractive: time(activity.lastSignInDateTime),
      lastNonInteractive: time(activity.lastNonInteractiveSignInDateTime),
      lastSuccessful: time(activity.lastSuccessfulSignInDateTime),
    };
  }

  async successfulSince(userId: string, since: Date, maxPages = 3): Promise<SignInsSince> {
    const filter = `${userIdClause(userId)} and createdDateTime ge ${odataTime(since)} and status/errorCode eq 0`;
    const first = this.client
      .api("/auditLogs/signIns")
      .filter(encodeURIComponent(filter))
      .top(999)
      // No waiting in a chat turn: a 429 is said at once (with when to ask again), not retried.
      .middlewareOptions([new RetryHandlerOptions(0, 0)]);
    let count = 0;
    let latest: SignInEvent | undefined;
    let read = 0;
    const beforePage = (): Promise<void> => this.takeStatusRead();
    // No waiting in a chat turn: a 429 pauses every reader and is said at once, not retried.
    const onThrottled = (err: AppError) => this.budget.throttled(err.details.retryAfterSeconds).then(() => false);
    // Graph answers newest first: the first record is the latest.
    for await (const records of pages(this.client, first, "readSignIns", filter, { beforePage, onThrottled })) {
      for (const record of records) {
        const event = signInEventOf(record);
        if (event === undefined) continue;
        count += 1;
        if (latest === undefined || Date.parse(event.createdDateTime) > Date.parse(latest.createdDateTime)) latest = event;
      }
      read += 1;
      if (read >= maxPages) return { count, more: records.length >= 999, latest };
    }
    return { count, more: false, latest };
  }

  /** Takes one of `status`'s places in the reports budget, or refuses at once, saying when to ask again. */
  private async takeStatusRead(): Promise<void> {
    const wait = await this.budget.tryTake("status");
    if (wait !== undefined) {
      throw new AppError(
        "GraphThrottled",
        `Microsoft Graph allows the bot ${REPORTS_LIMIT} sign-in log reads every 10 seconds, and the sign-in watch or a revocation by address is using them just now; ask again in ${wait} s.`,
        { retryAfterSeconds: wait },
      );
    }
  }

  /** A read of the watch's: a 429 pauses every reader of the budget, and the watch tries again later. */
  private watchOptions(options: SignInReadOptions, maxPages?: number): ListingOptions {
    return {
      beforePage: options.beforeRequest ?? (() => this.budget.take("watch")),
      onThrottled: (err) => this.budget.throttled(err.details.retryAfterSeconds).then(() => false),
      maxPages,
    };
  }

  async *successfulSignIns(userIds: readonly string[], since: Date, options: SignInReadOptions = {}): AsyncGenerator<SignInEvent[], void, undefined> {
    const filter = successfulSignInsFilter(userIds, since);
    const first = this.client
      .api("/auditLogs/signIns")
      .filter(encodeURIComponent(filter))
      .top(options.pageSize ?? 999);
    for await (const records of pages(this.client, first, "readSignIns", filter, this.watchOptions(options))) {
      const events: SignInEvent[] = [];
      for (const record of records) {
        const event = signInEventOf(record);
        if (event !== undefined) events.push(event);
      }
      yield events;
    }
  }

  async seenBefore(userId: string, ip: string, before: Date, options: SignInReadOptions = {}): Promise<boolean> {
    const filter = seenBeforeFilter(userId, ip, before);
    const first = this.client.api("/auditLogs/signIns").filter(encodeURIComponent(filter)).top(1);
    // The first page answers the question; no further page is read.
    for await (const records of pages(this.client, first, "readSignIns", filter, this.watchOptions(options, 1))) {
      return records.some((r) => signInEventOf(r) !== undefined);
    }
    return false;
  }
}

/** A failed read of signInActivity: the permission or licence it needs, else Graph's mapped error. */
function signInReadError(err: unknown, userId: string): AppError {
  if (err instanceof GraphError && err.statusCode === 403) {
    const details = { status: 403, graphCode: err.code ?? undefined, graphMessage: err.message, requestId: err.requestId ?? undefined };
    return err.code === "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
      ? new AppError("GraphForbidden", "The bot may not read sign-in activity: it needs a Microsoft Entra ID P1 or P2 licence in the tenant.", details)
      : new AppError(
          "GraphForbidden",
          "The bot may not read sign-in activity: its app registration lacks the Microsoft Graph application permission AuditLog.Read.All. An admin adds it under API permissions and grants admin consent.",
          details,
        );
  }
  return mapGraphError(err, "readUser", userId);
}

/**
 * Whether an AppError from the sign-in log means watching cannot work at all here: no permission
 * or licence (403), or Graph refusing the query itself (400), which asking again will not change.
 */
export function isWatchUnavailable(err: unknown): err is AppError {
  return err instanceof AppError && (err.code === "GraphForbidden" || err.code === "GraphBadRequest");
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** A sign-in record as a SignInEvent; undefined for one without an ID, a user ID or a time. */
export function signInEventOf(record: Record<string, unknown>): SignInEvent | undefined {
  const id = str(record.id);
  const userId = str(record.userId);
  const createdDateTime = str(record.createdDateTime);
  if (id === "" || !isObjectId(userId) || Number.isNaN(Date.parse(createdDateTime))) return undefined;
  const location = typeof record.location === "object" && record.location !== null ? (record.location as Record<string, unknown>) : {};
  const place = [str(location.city), str(location.state), str(location.countryOrRegion)].filter((p) => p !== "").join(", ");
  return {
    id,
    createdDateTime,
    userId: userId.toLowerCase(),
    ipAddress: str(record.ipAddress),
    location: place,
    appDisplayName: str(record.appDisplayName),
    clientAppUsed: str(record.clientAppUsed),
    isInteractive: typeof record.isInteractive === "boolean" ? record.isInteractive : null,
  };
}
