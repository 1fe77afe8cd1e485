/**
 * Server-driven paging for collection reads. Graph hands out an opaque `$skiptoken` inside
 * `@odata.nextLink`; the simulator's token records where the next page starts and which filter it
 * belongs to, so a token replayed with a different filter fails like an expired Graph token.
 */
import { createHash } from "node:crypto";
import { GraphError } from "./graph-error.js";

/** Graph's default and maximum page sizes for directory collections. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

interface PageTokenContent {
  v: 1;
  offset: number;
  scope: string;
}

function scopeOf(filter: string | undefined): string {
  return createHash("sha256").update(filter ?? "").digest("base64url").slice(0, 16);
}

/** Makes the `$skiptoken` for the page starting at `offset` of this filter's results. */
export function encodePageToken(offset: number, filter: string | undefined): string {
  const content: PageTokenContent = { v: 1, offset, scope: scopeOf(filter) };
  return Buffer.from(JSON.stringify(content), "utf8").toString("base64url");
}

function expiredToken(): GraphError {
  return new GraphError(
    400,
    "Directory_ExpiredPageToken",
    "The specified page token value has expired and can no longer be included in your request.",
  );
}

/**
 * Reads a `$skiptoken` back into an offset.
 * @throws GraphError 400 Directory_ExpiredPageToken when it is not one of ours or not for this filter
 */
export function decodePageToken(token: string, filter: string | undefined): number {
  let content: unknown;
  try {
    content = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    // Not a token we made; Graph answers any unreadable token the same way.
    throw expiredToken();
  }
  if (typeof content !== "object" || content === null) {
    throw expiredToken();
  }
  const { v, offset, scope } = content as Partial<PageTokenContent>;
  if (v !== 1 || typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || scope !== scopeOf(filter)) {
    throw expiredToken();
  }
  return offset;
}

/**
 * Parses `$top`.
 * @throws GraphError 400 outside 1…999
 */
export function parsePageSize(top: string | undefined): number {
  if (top === undefined) {
    return DEFAULT_PAGE_SIZE;
  }
  const size = /^\d+$/.test(top) ? Number(top) : NaN;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new GraphError(
      400,
      "Request_BadRequest",
      `Invalid page size specified: '${top}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
    );
  }
  return size;
}

/** The `@odata.nextLink` for the next page: the same query with a new `$skiptoken`. */
export function nextLink(collectionUrl: string, query: Record<string, string>, skipToken: string): string {
  const parts = Object.entries(query)
    .filter(([name]) => name !== "$skiptoken")
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  parts.push(`$skiptoken=${skipToken}`);
  return `${collectionUrl}?${parts.join("&")}`;
}
