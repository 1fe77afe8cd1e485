import type { TokenCredential } from "@azure/identity";
import { RetryHandlerOptions, type Client } from "@microsoft/microsoft-graph-client";
import { AppError } from "../errors.js";
import { CONFIRM_COMPROMISED_LIMIT, isObjectId, type Directory, type DirectoryObjectKind, type FailedSignIns, type UserPages } from "./directory.js";
import { BATCH_LIMIT, GraphBatch, type BatchAnswer } from "./graph-batch.js";
import { mapGraphError } from "./graph-errors.js";
import { listGroupUserIds, listRoleAssignments, listSignInUsers, listUsers, readFailedSignIns, type RoleAssignment } from "./graph-listing.js";
import { departmentFilter, DISABLED_FILTER } from "./odata.js";
import { ReportsBudget } from "./reports-budget.js";
import { directoryUserOf, USER_SELECT, type DirectoryUser } from "./types.js";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/** 429s a `revoke ip` selection waits out before it fails with Graph's answer. */
const MAX_CARD_THROTTLES = 5;

/**
 * Microsoft Graph implementation of Directory. The Graph client is built by the composition root
 * (src/graph-client.ts) and handed in, so tests can point it anywhere.
 */
export class GraphDirectory implements Directory {
  private readonly batch: GraphBatch;

  /** Every sign-in log read (`revoke ip`) takes its place here, shared with `status` and the watch. */
  private readonly reports: ReportsBudget;

  constructor(
    private readonly client: Client,
    private readonly credential: TokenCredential,
    reports?: ReportsBudget,
  ) {
    this.batch = new GraphBatch(client);
    this.reports = reports ?? new ReportsBudget({ tenantId: "this-tenant" });
  }

  /** The reports budget `revoke ip` reads under (the composition root shares it with the sign-in log). */
  get reportsBudget(): ReportsBudget {
    return this.reports;
  }

  usersInDepartment(name: string): UserPages {
    return listUsers(this.client, departmentFilter(name));
  }

  disabledUsers(): UserPages {
    return listUsers(this.client, DISABLED_FILTER);
  }

  /**
   * The sign-in log names users but not their department, type or sessions-valid-from time, which
   * the snapshot needs: each page of distinct users is read back, 20 to a batch.
   */
  async *usersSignedInFrom(ip: string, since: Date): UserPages {
    // A person waits for the card: its reads go first. A 429 pauses every reader for its
    // Retry-After, and the page is asked again (a few times) once the pause is over.
    let throttles = 0;
    const reading = {
      beforePage: () => this.reports.take("card"),
      onThrottled: async (err: AppError) => {
        await this.reports.throttled(err.details.retryAfterSeconds);
        throttles += 1;
        return throttles <= MAX_CARD_THROTTLES;
      },
    };
    for await (const page of listSignInUsers(this.client, ip, since, reading)) {
      const users: DirectoryUser[] = [];
      for (let i = 0; i < page.length; i += BATCH_LIMIT) {
        const answer = await this.batch.read(page.slice(i, i + BATCH_LIMIT).map((u) => u.id));
        for (const item of answer.items) {
          if (item.ok && item.user !== undefined) users.push(item.user);
          // Deleted since the sign-in: nobody left to revoke.
          else if (item.error?.code === "GraphNotFound") continue;
          else throw item.error ?? new AppError("GraphUnavailable", `Microsoft Graph did not say who ${item.userId} is.`);
        }
      }
      yield users;
    }
  }

  /** Like the targets' read, one place in the reports budget (a 429 pauses every reader). */
  failedSignInsFrom(ip: string, since: Date): Promise<FailedSignIns> {
    let throttles = 0;
    return readFailedSignIns(this.client, ip, since, {
      beforePage: () => this.reports.take("card"),
      onThrottled: async (err: AppError) => {
        await this.reports.throttled(err.details.retryAfterSeconds);
        throttles += 1;
        return throttles <= MAX_CARD_THROTTLES;
      },
    });
  }

  groupUserIds(groupId: string): AsyncIterable<string[]> {
    return listGroupUserIds(this.client, groupId);
  }

  revokeMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.batch.revoke(userIds);
  }

  disableMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.batch.disable(userIds);
  }

  enableMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.batch.enable(userIds);
  }

  readMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.batch.read(userIds);
  }

  resetPasswordMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.batch.resetPassword(userIds);
  }

  readPasswordChangeMany(userIds: readonly string[]): Promise<BatchAnswer> {
    return this.batch.readPasswordChange(userIds);
  }

  /** One `POST /identityProtection/riskyUsers/confirmCompromised`: 204 for all, or one error for all. */
  async confirmCompromisedMany(userIds: readonly string[]): Promise<BatchAnswer> {
    if (userIds.length === 0) return { items: [], throttled: 0 };
    if (userIds.length > CONFIRM_COMPROMISED_LIMIT) throw new RangeError(`confirmCompromised takes at most ${CONFIRM_COMPROMISED_LIMIT} users here, got ${userIds.length}`);
    for (const id of userIds) {
      if (!isObjectId(id)) throw new AppError("GraphBadRequest", `"${id}" is not an object ID; the bot acts on object IDs only.`);
    }
    try {
      // The client's own retries are off: Identity Protection's 429s are paced and backed off by
      // the caller (src/directory/identity-protection-pacer.ts), once for every replica.
      await this.client
        .api("/identityProtection/riskyUsers/confirmCompromised")
        .middlewareOptions([new RetryHandlerOptions(0, 0)])
        .post({ userIds: [...userIds] });
      return { items: userIds.map((userId) => ({ userId, ok: true })), throttled: 0 };
    } catch (err) {
      const error = mapGraphError(err, "confirmCompromised", `${userIds.length} ${userIds.length === 1 ? "user" : "users"}`);
      const retryAfterMs = error.details.retryAfterSeconds === undefined ? undefined : error.details.retryAfterSeconds * 1000;
      return {
        items: userIds.map((userId) => ({ userId, ok: false, error, retryAfterMs })),
        throttled: error.code === "GraphThrottled" ? userIds.length : 0,
      };
    }
  }

  async getUser(key: string): Promise<DirectoryUser | undefined> {
    try {
      const answer: unknown = await this.client
        .api(userPath(key))
        .select([...USER_SELECT])
        .get();
      const user = directoryUserOf(answer);
      if (user === undefined) throw new AppError("GraphBadRequest", `Microsoft Graph returned an unexpected answer for "${key}".`);
      return user;
    } catch (err) {
      const mapped = mapGraphError(err, "readUser", key);
      if (mapped.code === "GraphNotFound") return undefined;
      throw mapped;
    }
  }

  async identifyObject(id: string): Promise<DirectoryObjectKind | undefined> {
    if (!isObjectId(id)) return undefined;
    try {
      const obj = (await this.client.api(`/directoryObjects/${id}`).select(["id"]).get()) as
        | { "@odata.type"?: string }
        | undefined;
      const type = obj?.["@odata.type"] ?? "";
      const kinds: Record<string, DirectoryObjectKind> = {
        "#microsoft.graph.user": "user",
        "#microsoft.graph.group": "group",
        "#microsoft.graph.servicePrincipal": "servicePrincipal",
        "#microsoft.graph.application": "application",
        "#microsoft.graph.device": "device",
      };
      return kinds[type] ?? "other";
    } catch (err) {
      const mapped = mapGraphError(err, "readObject", id);
      // Reading arbitrary directory objects needs Directory.Read.All, which a least-privilege
      // registration may not have: then the caller falls back to "no such user".
      if (mapped.code === "GraphNotFound" || mapped.code === "GraphForbidden") return undefined;
      throw mapped;
    }
  }

  async revokeSignInSessions(userId: string): Promise<void> {
    assertObjectId(userId);
    try {
      await this.client.api(`/users/${userId}/revokeSignInSessions`).post({});
    } catch (err) {
      throw mapGraphError(err, "revoke", userId);
    }
  }

  async disableAccount(userId: string): Promise<void> {
    assertObjectId(userId);
    try {
      await this.client.api(`/users/${userId}`).patch({ accountEnabled: false });
    } catch (err) {
      throw mapGraphError(err, "disable", userId);
    }
  }

  async memberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    assertObjectId(userId);
    const found: string[] = [];
    // checkMemberGroups takes at most 20 group IDs per call.
    for (let i = 0; i < groupIds.length; i += 20) {
      const chunk = groupIds.slice(i, i + 20);
      try {
        const res = (await this.client
          .api(`/users/${userId}/checkMemberGroups`)
          .post({ groupIds: chunk })) as { value?: unknown } | undefined;
        const value = Array.isArray(res?.value) ? res.value : [];
        for (const id of value) if (typeof id === "string") found.push(id.toLowerCase());
      } catch (err) {
        const mapped = mapGraphError(err, "checkGroups", userId);
        // A user unknown to the directory is a member of nothing.
        if (mapped.code === "GraphNotFound") return [];
        throw mapped;
      }
    }
    return found;
  }

  roleAssignments(principalId?: string): Promise<RoleAssignment[]> {
    return listRoleAssignments(this.client, principalId);
  }

  /** The `oid` claim of the app's own Graph token: its service principal, with no Graph call. */
  async ownPrincipalId(): Promise<string> {
    let token: string;
    try {
      const answer = await this.credential.getToken(GRAPH_SCOPE);
      if (answer === null) throw new Error("the credential returned no token");
      token = answer.token;
    } catch (err) {
      throw mapGraphError(err, "readUser", "token");
    }
    let oid: unknown;
    try {
      oid = (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { oid?: unknown }).oid;
    } catch {
      oid = undefined;
    }
    if (typeof oid !== "string" || !isObjectId(oid)) throw new AppError("GraphUnavailable", "The bot's Microsoft Graph token names no service principal (no oid claim), so the bot cannot look up its own Microsoft Entra roles.");
    return oid.toLowerCase();
  }

  async checkAccess(): Promise<void> {
    try {
      const token = await this.credential.getToken(GRAPH_SCOPE);
      if (token === null) throw new Error("the credential returned no token");
    } catch (err) {
      throw mapGraphError(err, "readUser", "token");
    }
  }
}

/** The Graph path for a user key: a GUID as is; a UPN percent-encoded, or quoted when it starts with `$`. */
export function userPath(key: string): string {
  if (isObjectId(key)) return `/users/${key}`;
  if (key.startsWith("$")) {
    // Graph reads /users/$x as a system query option; such UPNs must be addressed as users('…').
    return `/users('${encodeURIComponent(key.replace(/'/g, "''"))}')`;
  }
  return `/users/${encodeURIComponent(key)}`;
}

function assertObjectId(id: string): void {
  // Revoking or disabling by UPN could hit a different account after a rename; only object IDs.
  if (!isObjectId(id)) throw new AppError("GraphBadRequest", `"${id}" is not an object ID; the bot acts on object IDs only.`);
}
