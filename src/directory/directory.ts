import type { BatchAnswer } from "./graph-batch.js";
import type { RoleAssignment } from "./graph-listing.js";
import type { DirectoryUser } from "./types.js";

export type { RoleAssignment } from "./graph-listing.js";

/** What kind of directory object an ID belongs to, when it is not a user. */
export type DirectoryObjectKind = "user" | "group" | "servicePrincipal" | "application" | "device" | "other";

/** Users a listing returns, one Graph page at a time (a large set is never held whole as Graph objects). */
export type UserPages = AsyncIterable<DirectoryUser[]>;

/**
 * The bot's view of Microsoft Entra ID. Knows nothing of Teams. Every method either succeeds or
 * throws an AppError (src/errors.ts) that says what went wrong and how to fix it.
 */
export interface Directory {
  /** A user by object ID or UPN; undefined when no user has that key. */
  getUser(key: string): Promise<DirectoryUser | undefined>;
  /**
   * What kind of object an ID is, for a clear message when it is not a user. Undefined when
   * nothing has that ID, or when the app may not read directory objects (the lookup is optional).
   */
  identifyObject(id: string): Promise<DirectoryObjectKind | undefined>;
  /** Every user whose department is `name` (Graph compares case-insensitively). */
  usersInDepartment(name: string): UserPages;
  /** Every disabled account. */
  disabledUsers(): UserPages;
  /** Every distinct user who signed in from `ip` since `since` (sign-in logs), read as users. */
  usersSignedInFrom(ip: string, since: Date): UserPages;
  /**
   * Failed sign-ins from `ip` since `since` (the first page of the log): shown on the approval card
   * as information, never as targets.
   */
  failedSignInsFrom(ip: string, since: Date): Promise<FailedSignIns>;
  /** Object IDs (lower case) of a group's member users, nested groups included, a page at a time. */
  groupUserIds(groupId: string): AsyncIterable<string[]>;
  /** Revokes every refresh token and session cookie of the user (by object ID only). */
  revokeSignInSessions(userId: string): Promise<void>;
  /** Sets accountEnabled=false (by object ID only). */
  disableAccount(userId: string): Promise<void>;
  /**
   * Up to 20 revocations (or disables, or reads) in one Graph `$batch`; each user gets its own
   * result (success, a mapped error, its own Retry-After). Throws only when the batch as a whole
   * could not be sent (network, credentials).
   */
  revokeMany(userIds: readonly string[]): Promise<BatchAnswer>;
  disableMany(userIds: readonly string[]): Promise<BatchAnswer>;
  /** Sets accountEnabled=true (`enable`), up to 20 in one `$batch`. */
  enableMany(userIds: readonly string[]): Promise<BatchAnswer>;
  readMany(userIds: readonly string[]): Promise<BatchAnswer>;
  /**
   * Up to 20 password resets in one `$batch` (`PATCH passwordProfile`): each user gets a random
   * password nobody sees and must change it at next sign-in.
   */
  resetPasswordMany(userIds: readonly string[]): Promise<BatchAnswer>;
  /** Up to 20 reads of `lastPasswordChangeDateTime` in one `$batch` (item.lastPasswordChange). */
  readPasswordChangeMany(userIds: readonly string[]): Promise<BatchAnswer>;
  /**
   * Identity Protection's `riskyUsers/confirmCompromised` for these users (one call, at most
   * CONFIRM_COMPROMISED_LIMIT); every user shares its result.
   */
  confirmCompromisedMany(userIds: readonly string[]): Promise<BatchAnswer>;
  /** Which of groupIds the user is a member of (transitively), lower-case IDs. */
  memberGroups(userId: string, groupIds: readonly string[]): Promise<string[]>;
  /**
   * Microsoft Entra role assignments, every page; `principalId` narrows them to one principal.
   * Needs RoleManagement.Read.Directory (a 403 says so).
   */
  roleAssignments(principalId?: string): Promise<RoleAssignment[]>;
  /** The object ID of the bot's own service principal (the `oid` of its Graph token). */
  ownPrincipalId(): Promise<string>;
  /** Obtains a Graph token, proving the credentials work (readiness). */
  checkAccess(): Promise<void>;
}

/** One user's failed sign-ins from an address (a name the tenant does not know has no ID). */
export interface FailedSignInUser {
  id: string | null;
  userPrincipalName: string;
  displayName: string | null;
  attempts: number;
}

/** Failed sign-ins from an address: how many, by whom; `more` when only the first page was read. */
export interface FailedSignIns {
  attempts: number;
  more: boolean;
  users: FailedSignInUser[];
}

/** Users one confirmCompromised call names at most (a job batch; Microsoft documents no maximum). */
export const CONFIRM_COMPROMISED_LIMIT = 20;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when the text is an Entra object ID. */
export function isObjectId(text: string): boolean {
  return GUID.test(text);
}
