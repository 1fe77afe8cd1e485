import { randomInt } from "node:crypto";
import type { Client } from "@microsoft/microsoft-graph-client";
import { GraphError, ResponseType } from "@microsoft/microsoft-graph-client";
import { AppError, retryAfterMs, type GraphOperation } from "../errors.js";
import { countGraphCall } from "../telemetry/instruments.js";
import { isObjectId } from "./directory.js";
import { mapGraphError } from "./graph-errors.js";
import { directoryUserOf, USER_SELECT, type DirectoryUser } from "./types.js";

/** Graph's limit on requests in one JSON batch. */
export const BATCH_LIMIT = 20;

/** What Graph answered for one user inside a batch. */
export interface BatchItemResult {
  userId: string;
  /** 2xx. */
  ok: boolean;
  /** For a read: the user as Graph returned it. */
  user?: DirectoryUser;
  /** For a password read-back: the user's lastPasswordChangeDateTime (null when Graph gave none). */
  lastPasswordChange?: string | null;
  /** For a failure: the mapped error (cause and fix), with its status and any retry-after. */
  error?: AppError;
  /** The item's own Retry-After (a throttled item), in ms. */
  retryAfterMs?: number;
}

/** A whole batch: one result per user (in the order asked), and the throttling signals Graph sent. */
export interface BatchAnswer {
  items: BatchItemResult[];
  /** Highest `x-ms-throttle-limit-percentage` seen on the envelope or an item (1.0 = at the limit). */
  throttlePercentage?: number;
  /** How many items were throttled (429). */
  throttled: number;
  /** Graph's x-ms-throttle-scope of a throttled item or envelope, when sent (which limit refused). */
  throttleScope?: string;
  /** Graph's x-ms-throttle-information of a throttled item or envelope (e.g. ResourceUnitLimitExceeded). */
  throttleInformation?: string;
}

interface BatchResponseItem {
  id?: unknown;
  status?: unknown;
  headers?: Record<string, unknown>;
  body?: unknown;
}

/**
 * JSON batching (`POST /$batch`, at most 20 requests): one round trip for up to 20 revocations,
 * disables or reads. Each item is throttled and answered on its own; the envelope itself is 200
 * even when items fail. Items may come back in any order and are matched by ID.
 */
export class GraphBatch {
  constructor(private readonly client: Client) {}

  revoke(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.send(userIds, "revoke", (id) => ({ method: "POST", url: `/users/${id}/revokeSignInSessions`, body: {}, headers: JSON_HEADERS }));
  }

  disable(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.send(userIds, "disable", (id) => ({ method: "PATCH", url: `/users/${id}`, body: { accountEnabled: false }, headers: JSON_HEADERS }));
  }

  /** `PATCH /users/{id}` `accountEnabled: true` (`enable`). */
  enable(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.send(userIds, "enable", (id) => ({ method: "PATCH", url: `/users/${id}`, body: { accountEnabled: true }, headers: JSON_HEADERS }));
  }

  /**
   * Sets a new random password on each user and requires a change at next sign-in. Each password
   * is made here, sent once in the batch body and dropped: nothing returns, logs or stores it.
   */
  resetPassword(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.send(userIds, "resetPassword", (id) => ({
      method: "PATCH",
      url: `/users/${id}`,
      body: { passwordProfile: { password: randomPassword(), forceChangePasswordNextSignIn: true } },
      headers: JSON_HEADERS,
    }));
  }

  /** Reads each user's lastPasswordChangeDateTime (did a reset an interrupted job sent take effect?). */
  readPasswordChange(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.send(userIds, "readUser", (id) => ({ method: "GET", url: `/users/${id}?$select=id,lastPasswordChangeDateTime` }));
  }

  read(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.send(userIds, "readUser", (id) => ({ method: "GET", url: `/users/${id}?$select=${USER_SELECT.join(",")}` }));
  }

  private async send(
    userIds: readonly string[],
    op: GraphOperation,
    request: (id: string) => { method: string; url: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<BatchAnswer> {
    if (userIds.length === 0) return { items: [], throttled: 0 };
    if (userIds.length > BATCH_LIMIT) throw new RangeError(`a Graph batch holds at most ${BATCH_LIMIT} requests, got ${userIds.length}`);
    for (const id of userIds) {
      // Acting by UPN could hit a different account after a rename; only object IDs.
      if (!isObjectId(id)) throw new AppError("GraphBadRequest", `"${id}" is not an object ID; the bot acts on object IDs only.`);
    }
    const body = { requests: userIds.map((id, i) => ({ id: String(i + 1), ...request(id) })) };

    let response: Response;
    try {
      response = (await this.client.api("/$batch").responseType(ResponseType.RAW).post(body)) as Response;
    } catch (err) {
      throw mapGraphError(err, op, `a batch of ${userIds.length}`);
    }
    const envelopePercentage = percentageOf(response.headers.get("x-ms-throttle-limit-percentage"));
    if (!response.ok) {
      // The envelope itself failed (throttled as a whole, an outage, bad credentials): every item with it.
      const error = mapGraphError(await graphErrorOf(response), op, `a batch of ${userIds.length}`);
      const retryAfter = retryAfterMs(response.headers.get("retry-after"));
      return {
        items: userIds.map((userId) => ({ userId, ok: false, error, retryAfterMs: retryAfter })),
        throttlePercentage: envelopePercentage,
        throttled: response.status === 429 ? userIds.length : 0,
        throttleScope: response.headers.get("x-ms-throttle-scope") ?? undefined,
        throttleInformation: response.headers.get("x-ms-throttle-information") ?? undefined,
      };
    }
    const parsed = (await response.json()) as { responses?: BatchResponseItem[] };
    const byId = new Map<string, BatchResponseItem>();
    for (const item of parsed.responses ?? []) byId.set(String(item.id), item);

    let throttlePercentage = envelopePercentage;
    let throttled = 0;
    let throttleScope: string | undefined;
    let throttleInformation: string | undefined;
    const items = userIds.map((userId, i): BatchItemResult => {
      const item = byId.get(String(i + 1));
      if (item === undefined) {
        return { userId, ok: false, error: new AppError("GraphUnavailable", `Microsoft Graph's batch answer left out the request for ${userId}; it will be retried.`) };
      }
      const status = typeof item.status === "number" ? item.status : 0;
      const headers = lowerCaseKeys(item.headers);
      countGraphCall(status, headers["x-ms-throttle-scope"]);
      const percentage = percentageOf(headers["x-ms-throttle-limit-percentage"]);
      if (percentage !== undefined) throttlePercentage = Math.max(throttlePercentage ?? 0, percentage);
      if (status >= 200 && status < 300) {
        if (op !== "readUser") return { userId, ok: true };
        const changed = (item.body as { lastPasswordChangeDateTime?: unknown } | undefined)?.lastPasswordChangeDateTime;
        return { userId, ok: true, user: directoryUserOf(item.body), lastPasswordChange: typeof changed === "string" ? changed : null };
      }
      if (status === 429) {
        throttled++;
        throttleScope ??= headers["x-ms-throttle-scope"];
        throttleInformation ??= headers["x-ms-throttle-information"];
      }
      const retryAfter = retryAfterMs(headers["retry-after"]);
      return { userId, ok: false, error: mapGraphError(itemError(status, item.body, headers), op, userId), retryAfterMs: retryAfter };
    });
    return { items, throttlePercentage, throttled, throttleScope, throttleInformation };
  }
}

const JSON_HEADERS = { "Content-Type": "application/json" };

const PASSWORD_SETS = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%*+-=?@^_~"] as const;
const PASSWORD_LENGTH = 32;

/**
 * A password nobody will ever know: 32 characters from crypto.randomInt, with at least one of
 * each of upper case, lower case, digit and symbol (Entra's complexity rule asks for three of the
 * four, 8 to 256 characters), in a random order.
 */
export function randomPassword(): string {
  const all = PASSWORD_SETS.join("");
  const chars = PASSWORD_SETS.map((set) => set[randomInt(set.length)] ?? "");
  while (chars.length < PASSWORD_LENGTH) chars.push(all[randomInt(all.length)] ?? "");
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
  }
  return chars.join("");
}

function lowerCaseKeys(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (typeof v === "string" || typeof v === "number") out[k.toLowerCase()] = String(v);
  return out;
}

function percentageOf(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** A batch item's failure as the GraphError the client would have thrown for it alone. */
function itemError(status: number, body: unknown, headers: Record<string, string>): GraphError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const graphError = new GraphError(status, typeof error?.message === "string" ? error.message : `status ${status}`);
  graphError.code = typeof error?.code === "string" ? error.code : null;
  graphError.headers = new Headers(headers);
  graphError.body = body;
  return graphError;
}

async function graphErrorOf(response: Response): Promise<GraphError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  return itemError(response.status, body, headers);
}
