import type { Directory } from "../directory/directory.js";
import { isAppActor } from "../domain/actor.js";

export interface Roles {
  revoker: boolean;
  approver: boolean;
}

export const NO_ROLES: Roles = Object.freeze({ revoker: false, approver: false });

/** Looks up a person's roles from Entra group membership, at the moment of each action. */
export interface RoleLookup {
  rolesOf(aadObjectId: string | undefined): Promise<Roles>;
  /**
   * The object IDs (lower case) of every member user of the revoker and approver groups, nested
   * groups included, read from Graph now (once per request: never cached, so a new member counts).
   */
  responderIds(): Promise<Set<string>>;
}

/** People whose roles are cached at most: anyone can make the bot look someone up, so the cache is bounded. */
export const ROLE_CACHE_MAX_ENTRIES = 10_000;

/**
 * RoleLookup over Graph checkMemberGroups, cached per user for at most `ttlMs` (60 s by default)
 * so a removed approver loses the role within a minute. Roles are never read from card data. The
 * cache holds at most `maxEntries` people, least recently used dropped first (a Map keeps
 * insertion order, and a hit is re-inserted at the end).
 */
export class GraphRoleLookup implements RoleLookup {
  private readonly cache = new Map<string, { roles: Roles; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly groups: { revokerGroupIds: readonly string[]; approverGroupIds: readonly string[] },
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = ROLE_CACHE_MAX_ENTRIES,
  ) {}

  /** How many people's roles are cached now. */
  get size(): number {
    return this.cache.size;
  }

  async responderIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const group of new Set([...this.groups.revokerGroupIds, ...this.groups.approverGroupIds])) {
      for await (const page of this.directory.groupUserIds(group)) for (const id of page) ids.add(id.toLowerCase());
    }
    return ids;
  }

  async rolesOf(aadObjectId: string | undefined): Promise<Roles> {
    // An app (automation) is in no group: its only rights are the app roles its token carries.
    if (aadObjectId === undefined || aadObjectId === "" || isAppActor({ aadObjectId })) return NO_ROLES;
    const key = aadObjectId.toLowerCase();
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      if (cached.until > this.now()) {
        this.cache.set(key, cached);
        return cached.roles;
      }
    }
    const all = [...new Set([...this.groups.revokerGroupIds, ...this.groups.approverGroupIds])];
    const member = new Set(await this.directory.memberGroups(key, all));
    const roles: Roles = {
      revoker: this.groups.revokerGroupIds.some((g) => member.has(g)),
      approver: this.groups.approverGroupIds.some((g) => member.has(g)),
    };
    this.cache.delete(key);
    this.cache.set(key, { roles, until: this.now() + this.ttlMs });
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
    return roles;
  }
}
