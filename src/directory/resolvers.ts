/**
 * Turns a stream of user pages (graph-listing.ts) into the target snapshot a bulk request stores:
 * who will be revoked, which guests are skipped, which protected accounts are excluded. Only the
 * compact DirectoryUser of each user is kept, so memory grows with the snapshot, not with Graph's
 * answers, and a `maxTargets` ceiling stops a selection far larger than intended.
 */
import { AppError } from "../errors.js";
import type { DirectoryUser } from "./types.js";

/** Users one bulk request may hold before resolving stops: a whole large tenant, and a bound. */
export const DEFAULT_MAX_TARGETS = 200_000;

/** Where resolving has got to, for a "resolving…" message. */
export interface ResolveProgress {
  /** Pages read so far. */
  pages: number;
  /** Distinct users so far (targets, guests and protected accounts together). */
  users: number;
}

export interface ResolveOptions {
  /** Object IDs and UPNs never revoked (PROTECTED_USER_IDS); compared case-insensitively. */
  protectedUsers: readonly string[];
  /** Most distinct users held before failing with TooManyTargets; default DEFAULT_MAX_TARGETS. */
  maxTargets?: number;
  /** Called after each page. Synchronous: throttle any chat update on the caller's side. */
  onProgress?: (progress: ResolveProgress) => void;
}

/** The frozen snapshot of a bulk selection. Every user appears in exactly one list, once. */
export interface ResolvedTargets {
  /** Member users to revoke, in the order Graph listed them. */
  targets: DirectoryUser[];
  /** Guests (userType Guest or an #EXT# UPN): their sessions live in their home tenant. */
  guests: DirectoryUser[];
  /** Accounts in PROTECTED_USER_IDS, never revoked. */
  protectedUsers: DirectoryUser[];
  /** Pages read. */
  pages: number;
  /** Users listed more than once (Graph paging over a changing directory can repeat one); kept once. */
  duplicates: number;
}

/**
 * Consumes a page stream and sorts each user into targets, guests or protected. Holds one compact
 * copy per distinct user (the seven DirectoryUser fields, whatever else the source's objects carry)
 * plus a set of their IDs.
 * @throws AppError TooManyTargets past maxTargets (the stream is closed); the source's own errors as they come
 */
export async function resolveTargets(
  source: AsyncIterable<readonly DirectoryUser[]>,
  options: ResolveOptions,
): Promise<ResolvedTargets> {
  const maxTargets = options.maxTargets ?? DEFAULT_MAX_TARGETS;
  if (!Number.isInteger(maxTargets) || maxTargets < 1) {
    throw new RangeError(`maxTargets must be a positive integer, got ${maxTargets}`);
  }
  const protectedKeys = new Set(options.protectedUsers.map((key) => key.toLowerCase()));
  const result: ResolvedTargets = { targets: [], guests: [], protectedUsers: [], pages: 0, duplicates: 0 };
  const seen = new Set<string>();

  for await (const page of source) {
    result.pages += 1;
    for (const user of page) {
      const id = user.id.toLowerCase();
      if (seen.has(id)) {
        result.duplicates += 1;
        continue;
      }
      if (seen.size >= maxTargets) {
        throw new AppError(
          "TooManyTargets",
          `This selection matches more than ${maxTargets.toLocaleString("en-US")} users, more than one request may hold; nothing was requested. Narrow it (a smaller department, a shorter --since) or split it.`,
        );
      }
      seen.add(id);
      const snapshot = compact(user);
      if (isProtected(snapshot, protectedKeys)) result.protectedUsers.push(snapshot);
      else if (isGuest(snapshot)) result.guests.push(snapshot);
      else result.targets.push(snapshot);
    }
    options.onProgress?.({ pages: result.pages, users: seen.size });
  }
  return result;
}

/** True for accounts whose sessions this tenant cannot revoke (B2B guests). */
export function isGuest(user: DirectoryUser): boolean {
  return (user.userType ?? "").toLowerCase() === "guest" || user.userPrincipalName.toUpperCase().includes("#EXT#");
}

function isProtected(user: DirectoryUser, keys: ReadonlySet<string>): boolean {
  return keys.has(user.id.toLowerCase()) || keys.has(user.userPrincipalName.toLowerCase());
}

function compact(user: DirectoryUser): DirectoryUser {
  return {
    id: user.id,
    displayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    department: user.department,
    userType: user.userType,
    signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
  };
}
