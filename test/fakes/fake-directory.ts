import type { Directory, DirectoryObjectKind, FailedSignIns, RoleAssignment } from "../../src/directory/directory.js";
import type { BatchAnswer, BatchItemResult } from "../../src/directory/graph-batch.js";
import type { DirectoryUser } from "../../src/directory/types.js";
import { AppError } from "../../src/errors.js";

let counter = 0;

/** A user for unit tests. */
export function testUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  counter++;
  const hex = counter.toString(16).padStart(12, "0");
  return {
    id: `aaaaaaaa-0000-4000-8000-${hex}`,
    displayName: `User ${counter}`,
    userPrincipalName: `user${counter}@contoso.com`,
    accountEnabled: true,
    department: "Sales",
    userType: "Member",
    signInSessionsValidFromDateTime: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

/**
 * An in-memory Directory (our own interface) whose revocations move the sessions-valid-from
 * time like Entra does, with scriptable failures and staleness.
 */
export class FakeDirectory implements Directory {
  readonly users = new Map<string, DirectoryUser>();
  readonly revoked: string[] = [];
  readonly disabled: string[] = [];
  /** Errors thrown by the next revocations of a user, in order. */
  readonly revokeFailures = new Map<string, AppError[]>();
  /** Users whose reads keep returning the old value (eventual consistency that does not converge). */
  readonly stale = new Set<string>();
  groups = new Map<string, string[]>();

  constructor(users: DirectoryUser[] = []) {
    for (const u of users) this.users.set(u.id, { ...u });
  }

  getUser(key: string): Promise<DirectoryUser | undefined> {
    const user = this.users.get(key) ?? [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key.toLowerCase());
    return Promise.resolve(user === undefined ? undefined : { ...user });
  }

  identifyObject(id: string): Promise<DirectoryObjectKind | undefined> {
    return Promise.resolve(this.users.has(id) ? "user" : undefined);
  }

  revokeSignInSessions(userId: string): Promise<void> {
    this.revoked.push(userId);
    const failure = this.revokeFailures.get(userId)?.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const user = this.users.get(userId);
    if (user === undefined) return Promise.reject(new AppError("GraphNotFound", `No object ${userId} in this tenant.`, { status: 404 }));
    if (!this.stale.has(userId)) {
      user.signInSessionsValidFromDateTime = new Date(Math.max(Date.now(), Date.parse(user.signInSessionsValidFromDateTime ?? "1970-01-01T00:00:00Z") + 1000)).toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    return Promise.resolve();
  }

  disableAccount(userId: string): Promise<void> {
    this.disabled.push(userId);
    const user = this.users.get(userId);
    if (user === undefined) return Promise.reject(new AppError("GraphNotFound", "gone", { status: 404 }));
    user.accountEnabled = false;
    return Promise.resolve();
  }

  /** Sign-ins by IP: user IDs per address (the fake keeps no times: every sign-in is recent). */
  readonly signIns = new Map<string, string[]>();

  usersInDepartment(name: string): AsyncIterable<DirectoryUser[]> {
    return pages([...this.users.values()].filter((u) => (u.department ?? "").toLowerCase() === name.toLowerCase()));
  }

  disabledUsers(): AsyncIterable<DirectoryUser[]> {
    return pages([...this.users.values()].filter((u) => u.accountEnabled === false));
  }

  usersSignedInFrom(ip: string): AsyncIterable<DirectoryUser[]> {
    const ids = [...new Set(this.signIns.get(ip) ?? [])];
    return pages(
      ids.flatMap((id) => {
        const u = this.users.get(id);
        return u === undefined ? [] : [u];
      }),
    );
  }

  /** How long each batch of revocations takes (a job that must be caught half-way). */
  writeDelayMs = 0;

  async revokeMany(userIds: readonly string[]): Promise<BatchAnswer> {
    if (this.writeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.writeDelayMs));
    return eachOf(userIds, (id) => this.revokeSignInSessions(id));
  }

  disableMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return eachOf(userIds, (id) => this.disableAccount(id));
  }

  enableMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return eachOf(userIds, (id) => {
      const user = this.users.get(id);
      if (user === undefined) return Promise.reject(new AppError("GraphNotFound", "gone", { status: 404 }));
      user.accountEnabled = true;
      return Promise.resolve();
    });
  }

  /** Users whose password was reset, in order (the fake keeps no password). */
  readonly passwordResets: string[] = [];
  readonly confirmedCompromised: string[] = [];

  /** When each user's password was last set (lower-case ID). */
  readonly passwordChangedAt = new Map<string, string>();

  resetPasswordMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return eachOf(userIds, (id) => {
      this.passwordResets.push(id);
      this.passwordChangedAt.set(id.toLowerCase(), new Date().toISOString());
      return Promise.resolve();
    });
  }

  async readPasswordChangeMany(userIds: readonly string[]): Promise<BatchAnswer> {
    const answer = await eachOf(userIds, () => Promise.resolve());
    return { ...answer, items: answer.items.map((i) => ({ ...i, lastPasswordChange: this.passwordChangedAt.get(i.userId.toLowerCase()) ?? null })) };
  }

  confirmCompromisedMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return eachOf(userIds, (id) => {
      this.confirmedCompromised.push(id);
      return Promise.resolve();
    });
  }

  readMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return eachOf(userIds, async (id) => {
      const user = await this.getUser(id);
      if (user === undefined) throw new AppError("GraphNotFound", `No object ${id} in this tenant.`, { status: 404 });
      return user;
    });
  }

  /** What failedSignInsFrom answers (none by default). */
  failedSignIns: FailedSignIns = { attempts: 0, more: false, users: [] };

  failedSignInsFrom(): Promise<FailedSignIns> {
    return Promise.resolve(this.failedSignIns);
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async *groupUserIds(groupId: string): AsyncIterable<string[]> {
    yield [...this.groups.entries()].filter(([, groups]) => groups.includes(groupId)).map(([userId]) => userId.toLowerCase());
  }

  memberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    const mine = this.groups.get(userId.toLowerCase()) ?? [];
    return Promise.resolve(groupIds.filter((g) => mine.includes(g)));
  }

  /** Microsoft Entra role assignments of the fake tenant (none unless a test adds them). */
  readonly roleAssignmentList: RoleAssignment[] = [];
  readonly principalId = "b0770b07-0000-4000-8000-00000000fa4e";

  roleAssignments(principalId?: string): Promise<RoleAssignment[]> {
    return Promise.resolve(this.roleAssignmentList.filter((a) => principalId === undefined || a.principalId === principalId.toLowerCase()));
  }

  ownPrincipalId(): Promise<string> {
    return Promise.resolve(this.principalId);
  }

  checkAccess(): Promise<void> {
    return Promise.resolve();
  }
}

/** A batch answer built from one call per user, as Graph answers each item of a $batch on its own. */
async function eachOf(userIds: readonly string[], call: (id: string) => Promise<DirectoryUser | void>): Promise<BatchAnswer> {
  const items: BatchItemResult[] = [];
  let throttled = 0;
  for (const userId of userIds) {
    try {
      const user = await call(userId);
      items.push({ userId, ok: true, user: user ?? undefined });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === "GraphThrottled") throttled++;
      const seconds = err.details.retryAfterSeconds;
      items.push({ userId, ok: false, error: err, retryAfterMs: seconds === undefined ? undefined : seconds * 1000 });
    }
  }
  return { items, throttled };
}

/** Copies of the users in pages of 999, as Graph pages a listing. */
async function* pages(users: DirectoryUser[]): AsyncIterable<DirectoryUser[]> {
  for (let i = 0; i < users.length; i += 999) {
    await Promise.resolve();
    yield users.slice(i, i + 999).map((u) => ({ ...u }));
  }
}
