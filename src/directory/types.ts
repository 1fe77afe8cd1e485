/** The user properties the bot reads from Microsoft Graph (the `$select` in DESIGN.md). */
export interface DirectoryUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  accountEnabled: boolean | null;
  department: string | null;
  userType: string | null;
  signInSessionsValidFromDateTime: string | null;
}

/** The `$select` list sent with every user read. */
export const USER_SELECT = [
  "id",
  "displayName",
  "userPrincipalName",
  "accountEnabled",
  "department",
  "userType",
  "signInSessionsValidFromDateTime",
] as const;

/**
 * The user a Graph answer describes, with exactly the DirectoryUser fields (anything else Graph
 * sent is dropped); undefined when it lacks an ID or UPN.
 */
export function directoryUserOf(record: unknown): DirectoryUser | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  const r = record as Record<string, unknown>;
  if (typeof r.id !== "string" || r.id === "" || typeof r.userPrincipalName !== "string") return undefined;
  const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
  return {
    id: r.id,
    displayName: text(r.displayName),
    userPrincipalName: r.userPrincipalName,
    accountEnabled: typeof r.accountEnabled === "boolean" ? r.accountEnabled : null,
    department: text(r.department),
    userType: text(r.userType),
    signInSessionsValidFromDateTime: text(r.signInSessionsValidFromDateTime),
  };
}

