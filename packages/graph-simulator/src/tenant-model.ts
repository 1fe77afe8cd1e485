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

/** An app role an application defines (`appRoles` of the application object). */
export interface SimAppRole {
  /** The role's GUID (`appRoleAssignment.appRoleId`). */
  id: string;
  /** What a token's `roles` claim carries, e.g. `Revocation.Request`. */
  value: string;
  displayName: string;
  /** `Application`: assignable to apps (service principals, managed identities); `User`: to people. */
  allowedMemberTypes: ReadonlyArray<"Application" | "User">;
}

/** An app registration (application object). */
export interface SimApplication {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: "AzureADMyOrg";
  /** Application ID URIs ("Expose an API"), e.g. `api://<appId>`: what a client names in its scope. */
  identifierUris?: readonly string[];
  /** App roles other apps can be granted on this app's API. */
  appRoles?: readonly SimAppRole[];
  /**
   * `api.requestedAccessTokenVersion` of the manifest: the version of access tokens issued for this
   * API. null (the default, as in Entra) and 1 give v1.0 tokens, 2 gives v2.0 tokens.
   */
  requestedAccessTokenVersion?: 1 | 2 | null;
  /**
   * `optionalClaims.accessToken` of the manifest: claims Entra adds to access tokens for this API
   * only when asked, e.g. `idtyp` ("app" in an app-only token, "user" in a delegated one).
   */
  optionalClaims?: { accessToken?: ReadonlyArray<{ name: string }> };
  /** Client secrets' values (the simulator knows them; Entra shows a secret's value once). */
  clientSecrets?: readonly string[];
}

/** An app role granted to a service principal on a resource's service principal (`appRoleAssignments`). */
export interface SimAppRoleAssignment {
  id: string;
  /** The client's service principal (or managed identity) object ID. */
  principalId: string;
  /** The resource (API) service principal's object ID. */
  resourceId: string;
  appRoleId: string;
}

/** Any directory object, tagged with its Graph type so `/directoryObjects/{id}` can say what it is. */
export type SimDirectoryObject =
  | { kind: "user"; object: SimUser }
  | { kind: "group"; object: SimGroup }
  | { kind: "servicePrincipal"; object: SimServicePrincipal }
  | { kind: "application"; object: SimApplication };
