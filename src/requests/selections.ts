/**
 * What a chat command and an automation request share between parsing and the request: the
 * selections (which users, read how, described how), resolving them into a frozen target set
 * (guests and protected accounts left out, MAX_TARGETS enforced), and resolving named users. No
 * Teams types here: src/bot/commands/ and src/api/ both build on it, and each says the outcome its
 * way.
 */
import { isObjectId, type Directory, type FailedSignIns, type UserPages } from "../directory/directory.js";
import { resolveTargets, type ResolvedTargets } from "../directory/resolvers.js";
import type { DirectoryUser } from "../directory/types.js";
import { AppError } from "../errors.js";
import type { RequestSelection } from "../domain/selection.js";
import type { ExcludedTarget } from "../revocation/types.js";

/**
 * A bulk selection: how to read its users, and what it is (the doors say it in words:
 * src/cards/selection-words.ts).
 */
export interface SelectionSource {
  /** The command as audited, e.g. `revoke department Sales`. */
  command: string;
  pages: () => UserPages;
  /** `revoke ip`: the failed sign-ins from the address, read for the card (never targets). */
  failedSignIns?: () => Promise<FailedSignIns>;
  /** The selection as the request stores it, to title its cards and audit posts. */
  selected: Exclude<RequestSelection, { kind: "users" }>;
}

/** Every member user of a department (Graph compares the name exactly, ignoring case). */
export function departmentSelection(directory: Directory, department: string): SelectionSource {
  return {
    command: `revoke department ${department}`,
    pages: () => directory.usersInDepartment(department),
    selected: { kind: "department", name: department },
  };
}

/** Every disabled account. */
export function disabledSelection(directory: Directory): SelectionSource {
  return {
    command: "revoke disabled",
    pages: () => directory.disabledUsers(),
    selected: { kind: "disabled" },
  };
}

/**
 * Everyone who signed in successfully from `ip` since `since` (failed sign-ins are anyone's to
 * cause, so they never choose a target; they are read apart and shown on the card);
 * `window` says how far back, as the audit shows it (e.g. `24h` from chat, the time itself from
 * the API); `hours` when it was asked as a window.
 */
export function ipSelection(directory: Directory, ip: string, since: Date, window: { option: string; hours?: number }): SelectionSource {
  return {
    command: `revoke ip ${ip} --since ${window.option}`,
    pages: () => directory.usersSignedInFrom(ip, since),
    failedSignIns: () => directory.failedSignInsFrom(ip, since),
    selected: { kind: "ip", address: ip, since: since.toISOString(), ...(window.hours === undefined ? {} : { sinceHours: window.hours }) },
  };
}

/** A selection resolved: its targets, or that it holds more users than one request may. */
export type ResolvedSelection =
  | { kind: "resolved"; targets: DirectoryUser[]; excluded: ExcludedTarget[]; failedSignIns?: FailedSignIns }
  | { kind: "tooMany" };

/**
 * Reads the selection page by page into a frozen snapshot, guests and protected accounts left out.
 * @throws the directory's errors (AppError with its cause and fix)
 */
export async function resolveSelection(
  selection: SelectionSource,
  limits: { protectedUsers: readonly string[]; maxTargets: number },
): Promise<ResolvedSelection> {
  try {
    const resolved = await resolveTargets(selection.pages(), limits);
    const failedSignIns = selection.failedSignIns === undefined ? undefined : await selection.failedSignIns();
    return { kind: "resolved", targets: resolved.targets, excluded: excludedOf(resolved), ...(failedSignIns === undefined ? {} : { failedSignIns }) };
  } catch (err) {
    if (err instanceof AppError && err.code === "TooManyTargets") return { kind: "tooMany" };
    throw err;
  }
}

/** What a name that is not a user of this tenant names instead (the directory says, for an object ID). */
export type NotAUser = "group" | "servicePrincipal" | "application" | "device" | "other";

/** Why a named user could not be resolved: no such object, or an object that is not a user. */
export interface NamedUserProblem {
  /** The name as given. */
  key: string;
  /** Its position in the list given. */
  index: number;
  /** Undefined: nothing by that name; otherwise what the object ID names instead. */
  notAUser?: NotAUser;
}

/**
 * Looks up each named user (UPN or object ID), at most 8 at a time. A name that is not a user
 * says what it is instead (a group, an app's identity…), from the directory.
 * @throws the directory's errors
 */
export async function resolveNamedUsers(directory: Directory, keys: readonly string[]): Promise<{ users: DirectoryUser[]; problems: NamedUserProblem[] }> {
  const users = new Map<string, DirectoryUser>();
  const problems: NamedUserProblem[] = [];
  const results = await mapLimit(keys, 8, async (key) => ({ key, user: await directory.getUser(key) }));
  for (const [index, { key, user }] of results.entries()) {
    if (user !== undefined) {
      users.set(user.id, user);
      continue;
    }
    if (isObjectId(key)) {
      const kind = await directory.identifyObject(key);
      if (kind !== undefined && kind !== "user") {
        problems.push({ key, index, notAUser: kind });
        continue;
      }
    }
    problems.push({ key, index });
  }
  return { users: [...users.values()], problems };
}

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Those a resolution left out, and why. */
export function excludedOf(resolved: ResolvedTargets): ExcludedTarget[] {
  return [
    ...resolved.protectedUsers.map((user) => ({ user, why: "protected" as const })),
    ...resolved.guests.map((user) => ({ user, why: "guest" as const })),
  ];
}

/** Splits named users into targets and those left out (protected accounts, guests), as a selection is. */
export async function sortOutUsers(users: DirectoryUser[], protectedUsers: readonly string[]): Promise<{ targets: DirectoryUser[]; excluded: ExcludedTarget[] }> {
  const resolved = await resolveTargets(onePage(users), { protectedUsers });
  return { targets: resolved.targets, excluded: excludedOf(resolved) };
}

// eslint-disable-next-line @typescript-eslint/require-await
async function* onePage(users: DirectoryUser[]): AsyncIterable<DirectoryUser[]> {
  yield users;
}
