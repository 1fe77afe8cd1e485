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
