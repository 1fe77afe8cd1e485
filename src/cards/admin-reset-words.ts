/**
 * The approval card's words on `--reset-password` and admins: before approval, the approver reads
 * which targets hold an Entra admin role and whether the bot's identity can reset their passwords
 * (found when the request was made and frozen with it, see src/revocation/admin-reset.ts).
 */
import type { RevocationRequest } from "../revocation/types.js";
import type { Fact } from "./models.js";
import { listInWords, plain } from "./format.js";

/** Admins named in the line itself at most; more are named under Details. */
const NAMED_INLINE = 3;

function adminName(a: { displayName: string | null; userPrincipalName: string }): string {
  return plain(a.displayName ?? a.userPrincipalName);
}

/** "3 of these users hold admin roles (Alice Wood, …)", or "" when none does. */
function whoHoldsAdminRoles(count: number, names: string[]): string {
  if (count === 0) return "";
  const lead = count === 1 ? "1 of these users holds an admin role" : `${count.toLocaleString("en-US")} of these users hold admin roles`;
  const shown = count <= NAMED_INLINE && names.length === count ? listInWords(names) : `${names.slice(0, NAMED_INLINE).join(", ")} and ${(count - Math.min(NAMED_INLINE, names.length)).toLocaleString("en-US")} more, named under Details`;
  return `${lead} (${shown})`;
}

/**
 * What the approver must know before approving a password reset, or "" when the bot can reset
 * every target's password.
 */
export function adminResetLine(request: RevocationRequest): string {
  const check = request.adminReset;
  if (check === undefined || !request.containment.resetPassword) return "";
  if (!check.checked) {
    const why = check.permissionMissing
      ? "its app lacks the Microsoft Graph application permission RoleManagement.Read.Directory, which reads Microsoft Entra role assignments (an admin adds it under API permissions and grants admin consent)"
      : plain(check.cause.replace(/\.$/, ""));
    return `The bot could not check whether these users hold admin roles, whose passwords it can reset only with the Microsoft Entra role Privileged Authentication Administrator: ${why}. Their sessions are revoked either way.`;
  }
  const names = check.admins.map(adminName);
  const who = whoHoldsAdminRoles(check.adminCount, names);
  if (check.botCan === "nobody") {
    const lead = who === "" ? "" : `${who}. `;
    return `${lead}This bot's identity holds no User Administrator role (nor Privileged Authentication Administrator), the Microsoft Entra role an app needs to reset a password, so no password can be reset; their sessions are still revoked. An admin assigns the role to the bot's app under Roles and administrators.`;
  }
  if (check.botCan === "non_admins" && check.adminCount > 0) {
    const their = check.adminCount === 1 ? "that user's password" : "their passwords";
    return `${who}: this bot's identity has no role that can reset an admin's password (Privileged Authentication Administrator), so ${their} will not be reset; ${check.adminCount === 1 ? "the sessions are" : "their sessions are"} still revoked.`;
  }
  return "";
}

/** The Details fact naming every frozen admin and their roles, or none. */
export function adminResetDetails(request: RevocationRequest): Fact[] {
  const check = request.adminReset;
  // Only beside a warning: admins the bot can reset need no approver's attention.
  if (check === undefined || !check.checked || check.adminCount === 0 || adminResetLine(request) === "") return [];
  const listed = check.admins.map((a) => (a.roles.length === 0 ? adminName(a) : `${adminName(a)} (${a.roles.map(plain).join(", ")})`));
  const more = check.adminCount > listed.length ? `, and ${(check.adminCount - listed.length).toLocaleString("en-US")} more` : "";
  return [{ title: "Admin roles", value: `${listed.join(", ")}${more}` }];
}

/** The request.created entry's `passwordResetRoles`, in words for the audit card; undefined without it. */
export function adminResetAuditText(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.checked === false) {
    return v.permissionMissing === true
      ? "Not checked for admins: the permission RoleManagement.Read.Directory is missing"
      : `Not checked for admins: ${plain(typeof v.cause === "string" ? v.cause : "Microsoft Graph could not be read")}`;
  }
  const admins = typeof v.adminCount === "number" ? v.adminCount : 0;
  const held = admins === 0 ? "no target holds an admin role" : admins === 1 ? "1 target holds an admin role" : `${admins.toLocaleString("en-US")} targets hold admin roles`;
  const can =
    v.botCanReset === "nobody"
      ? "the bot's identity could reset no password"
      : v.botCanReset === "users without an admin role"
        ? "the bot's identity could reset only users without an admin role"
        : "the bot's identity could reset every target";
  return `Checked before approval: ${held}; ${can}`;
}
