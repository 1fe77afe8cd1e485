/**
 * Before a `--reset-password` request is approved: which targets hold a Microsoft Entra admin role,
 * and whether the bot's own identity holds a role that can reset their passwords. Microsoft
 * documents `passwordProfile` updates in app-only access as needing, besides the permission, at
 * least User Administrator, and Privileged Authentication Administrator (or Global Administrator)
 * for a user who holds an admin role. The approver reads the answer on the card before approving.
 */
import type { Logger } from "pino";
import { AppError } from "../errors.js";
import type { Directory, RoleAssignment } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";

/** Template IDs of the built-in roles that matter here ("Microsoft Entra built-in roles"). */
export const RESET_ROLE_IDS = {
  globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
  privilegedAuthenticationAdministrator: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
  userAdministrator: "fe930be7-5e62-47db-91af-98c3a49a38b1",
} as const;

const RESET_ANYONE: readonly string[] = [RESET_ROLE_IDS.globalAdministrator, RESET_ROLE_IDS.privilegedAuthenticationAdministrator];
const RESET_NON_ADMINS: readonly string[] = [RESET_ROLE_IDS.userAdministrator, ...RESET_ANYONE];

/** How long the bot's own role assignments are trusted before they are read again. */
export const OWN_ROLES_CACHE_MS = 15 * 60_000;

/** Admins a request freezes by name at most (the rest are counted). */
export const ADMINS_LISTED = 50;

/** A target who holds an Entra role. */
export interface AdminTarget {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  /** The roles' names as Graph gave them (empty when Graph did not name them). */
  roles: string[];
}

/** What the check found, frozen with the request (migration 017). */
export type AdminResetCheck =
  | {
      checked: true;
      /** Whose passwords the bot's identity can reset: everyone, users without an admin role, or nobody. */
      botCan: "everyone" | "non_admins" | "nobody";
      adminCount: number;
      /** The first ADMINS_LISTED admins among the targets. */
      admins: AdminTarget[];
    }
  | {
      checked: false;
      /** True when Graph refused the read (403): the permission RoleManagement.Read.Directory is missing. */
      permissionMissing: boolean;
      /** Why, in words (the mapped Graph error). */
      cause: string;
    };

/** Finds admins among targets and what the bot's own roles allow; never throws (a failure is recorded). */
export class AdminResetChecker {
  private own: { at: number; roleIds: Set<string> } | undefined;

  constructor(
    private readonly deps: {
      directory: Pick<Directory, "roleAssignments" | "ownPrincipalId">;
      now?: () => number;
      logger?: Logger;
    },
  ) {}

  async check(targets: readonly DirectoryUser[]): Promise<AdminResetCheck> {
    try {
      const roleIds = await this.ownRoleIds();
      // One listing of every assignment, intersected with the set: a tenant holds few assignments,
      // so this is one or two calls for a department of thousands.
      const byPrincipal = new Map<string, RoleAssignment[]>();
      for (const a of await this.deps.directory.roleAssignments()) {
        byPrincipal.set(a.principalId, [...(byPrincipal.get(a.principalId) ?? []), a]);
      }
      const admins: AdminTarget[] = [];
      let adminCount = 0;
      for (const t of targets) {
        const held = byPrincipal.get(t.id.toLowerCase());
        if (held === undefined || held.length === 0) continue;
        adminCount += 1;
        if (admins.length < ADMINS_LISTED) {
          admins.push({ id: t.id, userPrincipalName: t.userPrincipalName, displayName: t.displayName, roles: [...new Set(held.flatMap((a) => (a.roleName === null ? [] : [a.roleName])))] });
        }
      }
      const botCan = RESET_ANYONE.some((id) => roleIds.has(id)) ? "everyone" : RESET_NON_ADMINS.some((id) => roleIds.has(id)) ? "non_admins" : "nobody";
      return { checked: true, botCan, adminCount, admins };
    } catch (err) {
      this.deps.logger?.warn({ err }, "admin role check for --reset-password failed");
      const permissionMissing = err instanceof AppError && err.code === "GraphForbidden";
      const cause = err instanceof AppError ? err.message : "Microsoft Graph could not be reached.";
      return { checked: false, permissionMissing, cause };
    }
  }

  /** The bot's tenant-wide role template IDs, read once and kept OWN_ROLES_CACHE_MS. */
  private async ownRoleIds(): Promise<Set<string>> {
    const now = this.deps.now?.() ?? Date.now();
    if (this.own !== undefined && now - this.own.at < OWN_ROLES_CACHE_MS) return this.own.roleIds;
    const principalId = await this.deps.directory.ownPrincipalId();
    const assignments = await this.deps.directory.roleAssignments(principalId);
    // A role scoped to an administrative unit resets only that unit's users: only tenant-wide counts.
    const roleIds = new Set(assignments.filter((a) => a.directoryScopeId === "/").map((a) => a.roleDefinitionId));
    this.own = { at: now, roleIds };
    return roleIds;
  }
}

/** The admin role check as the request.created entry records it. */
export function adminResetAudit(check: AdminResetCheck): Record<string, unknown> {
  if (!check.checked) return { checked: false, permissionMissing: check.permissionMissing, cause: check.cause };
  return {
    checked: true,
    botCanReset: check.botCan === "everyone" ? "every user, admins included" : check.botCan === "non_admins" ? "users without an admin role" : "nobody",
    adminCount: check.adminCount,
    admins: check.admins.map((a) => ({ id: a.id, upn: a.userPrincipalName, roles: a.roles.join(", ") })),
  };
}
