/**
 * The shapes of the simulated directory's objects. Property names are Microsoft Graph's, so a
 * handler can project them with `$select` without a mapping table.
 */

/** `Member` for the tenant's own people, `Guest` for B2B collaborators (`#EXT#` UPNs). */
export type SimUserType = "Member" | "Guest";

/** A user object, as Microsoft Graph v1.0 would return it with every property selected. */
export interface SimUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  accountEnabled: boolean;
  userType: SimUserType;
  createdDateTime: string;
  /** ISO 8601, second precision (`2026-11-24T10:02:03Z`); tokens issued before it are refused. */
  signInSessionsValidFromDateTime: string | null;
  /** When the password was last set; Graph gives the creation time for a password never changed. */
  lastPasswordChangeDateTime?: string;
}

/** A security group. Membership is direct only: the simulated tenant has no nested groups. */
export interface SimGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  memberIds: Set<string>;
}

/** An enterprise application (service principal) in the tenant. */
export interface SimServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: "Application";
}

/** An app registration (application object). */
export interface SimApplication {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: "AzureADMyOrg";
}

/** Any directory object, tagged with its Graph type so `/directoryObjects/{id}` can say what it is. */
export type SimDirectoryObject =
  | { kind: "user"; object: SimUser }
  | { kind: "group"; object: SimGroup }
  | { kind: "servicePrincipal"; object: SimServicePrincipal }
  | { kind: "application"; object: SimApplication };
