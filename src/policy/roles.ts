import type { Directory } from "../directory/directory.js";

export interface Roles {
  revoker: boolean;
  approver: boolean;
}

export const NO_ROLES: Roles = Object.freeze({ revoker: false, approver: false });

/** Looks up a person's roles from Entra group membership, at the moment of each action. */
export interface RoleLookup {
  rolesOf(aadObjectId: string | undefined): Promise<Roles>;
}

/**
 * RoleLookup over Graph checkMemberGroups, cached per user for at most `ttlMs` (60 s by default)
 * so a removed approver loses the role within a minute. Roles are never read from card data.
 */
export class GraphRoleLookup implements RoleLookup {
  private readonly cache = new Map<string, { roles: Roles; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly groups: { revokerGroupIds: readonly string[]; approverGroupIds: readonly string[] },
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async rolesOf(aadObjectId: string | undefined): Promise<Roles> {
    if (aadObjectId === undefined || aadObjectId === "") return NO_ROLES;
    const key = aadObjectId.toLowerCase();
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.until > this.now()) return cached.roles;
    const all = [...new Set([...this.groups.revokerGroupIds, ...this.groups.approverGroupIds])];
    const member = new Set(await this.directory.memberGroups(key, all));
    const roles: Roles = {
      revoker: this.groups.revokerGroupIds.some((g) => member.has(g)),
      approver: this.groups.approverGroupIds.some((g) => member.has(g)),
    };
    this.cache.set(key, { roles, until: this.now() + this.ttlMs });
    return roles;
  }
}
