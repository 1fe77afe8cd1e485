/**
 * Which application permissions each simulated Graph operation accepts: the least-privileged one
 * from Microsoft's permission reference plus the broader ones that include it. Tests drop a role
 * with `setRoles` to see the bot's 403 handling.
 */
import { GRAPH_ROLES } from "./constants.js";
import type { AccessTokenClaims } from "./access-tokens.js";
import { GraphError } from "./graph-error.js";

const R = GRAPH_ROLES;

/** Roles that allow each operation. */
export const OPERATION_ROLES = {
  readUser: [R.userReadAll, R.userReadWriteAll, R.directoryReadAll, R.directoryReadWriteAll],
  revokeSignInSessions: [R.userRevokeSessionsAll, R.userReadWriteAll, R.directoryReadWriteAll],
  enableDisableAccount: [R.userEnableDisableAccountAll, R.userReadWriteAll, R.directoryReadWriteAll],
  checkMemberGroups: [R.groupMemberReadAll, R.groupReadAll, R.directoryReadAll, R.directoryReadWriteAll],
  // List group transitiveMembers: GroupMember.Read.All least privileged.
  readGroupMembers: [R.groupMemberReadAll, R.groupReadAll, R.directoryReadAll, R.directoryReadWriteAll],
  readDirectoryObject: [R.directoryReadAll, R.directoryReadWriteAll],
  // Microsoft documents User-PasswordProfile.ReadWrite.All as least privileged for passwordProfile,
  // with User.ReadWrite.All and Directory.ReadWrite.All above it.
  updatePasswordProfile: [R.userPasswordProfileReadWriteAll, R.userReadWriteAll, R.directoryReadWriteAll],
  confirmCompromised: [R.identityRiskyUserReadWriteAll],
  // List unifiedRoleAssignments (directory provider): RoleManagement.Read.Directory least privileged.
  readRoleAssignments: [R.roleManagementReadDirectory, R.roleManagementReadAll, R.directoryReadAll, R.roleManagementReadWriteDirectory, R.directoryReadWriteAll],
} as const satisfies Record<string, readonly string[]>;

/**
 * Passes when the token holds at least one of `allowed`.
 * @throws GraphError 403 Authorization_RequestDenied otherwise
 */
export function requireAnyRole(claims: AccessTokenClaims, allowed: readonly string[]): void {
  if (!allowed.some((role) => claims.roles.includes(role))) {
    throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
  }
}
