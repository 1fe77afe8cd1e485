/**
 * The hand-written part of the simulated tenant: people and objects with fixed ids that the demo,
 * the Playground configuration and tests refer to by name. Every edge case the bot must handle
 * (apostrophes, `$` and `#EXT#` UPNs, a disabled account, a guest, a break-glass account) has a
 * well-known user so no test depends on what the seeded generator happened to produce.
 */
import { SIM_DOMAIN, SIM_INITIAL_DOMAIN } from "./constants.js";
import type { SimUserType } from "./tenant-model.js";

/** The fixed facts of a well-known user; the tenant fills in the remaining Graph properties. */
export interface WellKnownUser {
  readonly id: string;
  readonly displayName: string;
  readonly givenName: string | null;
  readonly surname: string | null;
  readonly userPrincipalName: string;
  readonly mail: string | null;
  readonly jobTitle: string | null;
  readonly department: string | null;
  readonly accountEnabled: boolean;
  readonly userType: SimUserType;
  readonly signInSessionsValidFromDateTime: string | null;
}

/** Object id of "SecOps Revokers": members may request revocations. */
export const REVOKER_GROUP_ID = "20000000-0000-4000-8000-000000000001";

/** Object id of "SecOps Approvers": members may approve revocations. */
export const APPROVER_GROUP_ID = "20000000-0000-4000-8000-000000000002";

/** Object id of the "Contoso Payroll Connector" service principal (a non-user directory object). */
export const PAYROLL_SERVICE_PRINCIPAL_ID = "30000000-0000-4000-8000-000000000001";

/** Object id of the "Contoso Payroll Connector" app registration (application object). */
export const PAYROLL_APPLICATION_ID = "40000000-0000-4000-8000-000000000001";

/** Application (client) id of the Payroll Connector, shared by its application and service principal. */
export const PAYROLL_APP_ID = "50000000-0000-4000-8000-000000000001";

/**
 * Object id of the bot's own service principal: the `oid` of every access token the simulator issues,
 * as in a real app-only token.
 */
export const BOT_SERVICE_PRINCIPAL_ID = "30000000-0000-4000-8000-000000000002";

/** Object id of the bot's app registration (its appId is the simulator's configured client id). */
export const BOT_APPLICATION_ID = "40000000-0000-4000-8000-000000000002";

/** The app roles the bot's API defines (README, "Automation API"): values as tokens carry them. */
export const REVOCATION_APP_ROLES = {
  request: { id: "60000000-0000-4000-8000-000000000001", value: "Revocation.Request", displayName: "Propose revocations for a person to approve" },
  read: { id: "60000000-0000-4000-8000-000000000002", value: "Revocation.Read", displayName: "Read revocation requests and their outcomes" },
} as const;

/**
 * A Microsoft Sentinel playbook's app registration (a Logic App would use its managed identity;
 * a client secret stands in for it here), granted `Revocation.Request` on the bot's API.
 */
export const SENTINEL_APP_ID = "50000000-0000-4000-8000-000000000003";
export const SENTINEL_APPLICATION_ID = "40000000-0000-4000-8000-000000000003";
export const SENTINEL_SERVICE_PRINCIPAL_ID = "30000000-0000-4000-8000-000000000003";
/** The Sentinel playbook app's client secret in the simulator (fictional). */
export const SENTINEL_CLIENT_SECRET = "sim~sentinel.NOT-A-REAL-SECRET.1357924680";

/** A reporting tool's app registration, granted only `Revocation.Read` on the bot's API. */
export const REPORTING_APP_ID = "50000000-0000-4000-8000-000000000004";
export const REPORTING_APPLICATION_ID = "40000000-0000-4000-8000-000000000004";
export const REPORTING_SERVICE_PRINCIPAL_ID = "30000000-0000-4000-8000-000000000004";
export const REPORTING_CLIENT_SECRET = "sim~reporting.NOT-A-REAL-SECRET.2468013579";

/** The Payroll Connector's client secret (it has no role on the bot's API). */
export const PAYROLL_CLIENT_SECRET = "sim~payroll.NOT-A-REAL-SECRET.1122334455";

// Sessions of the well-known people were last reset long before any test runs, so a revocation
// always moves the timestamp forward.
const LAST_RESET = "2025-09-01T08:00:00Z";

/** The well-known users, by the short key tests and the demo use. */
export const WELL_KNOWN = {
  /** The demo's current user: may request and approve. */
  sam: {
    id: "10000000-0000-4000-8000-000000000001",
    displayName: "Sam Analyst",
    givenName: "Sam",
    surname: "Analyst",
    userPrincipalName: `sam.analyst@${SIM_DOMAIN}`,
    mail: `sam.analyst@${SIM_DOMAIN}`,
    jobTitle: "Security Analyst",
    department: "Security",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** An approver who is not a revoker: the "second pair of eyes". */
  riley: {
    id: "10000000-0000-4000-8000-000000000002",
    displayName: "Riley Reviewer",
    givenName: "Riley",
    surname: "Reviewer",
    userPrincipalName: `riley.reviewer@${SIM_DOMAIN}`,
    mail: `riley.reviewer@${SIM_DOMAIN}`,
    jobTitle: "Security Lead",
    department: "Security",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** A revoker who is not an approver. */
  val: {
    id: "10000000-0000-4000-8000-000000000003",
    displayName: "Val Requester",
    givenName: "Val",
    surname: "Requester",
    userPrincipalName: `val.requester@${SIM_DOMAIN}`,
    mail: `val.requester@${SIM_DOMAIN}`,
    jobTitle: "Security Analyst",
    department: "Security",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** In no group: every request from her must be refused. */
  nina: {
    id: "10000000-0000-4000-8000-000000000004",
    displayName: "Nina Viewer",
    givenName: "Nina",
    surname: "Viewer",
    userPrincipalName: `nina.viewer@${SIM_DOMAIN}`,
    mail: `nina.viewer@${SIM_DOMAIN}`,
    jobTitle: "Marketing Specialist",
    department: "Marketing",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** An ordinary revocation target. */
  alice: {
    id: "10000000-0000-4000-8000-000000000005",
    displayName: "Alice Wood",
    givenName: "Alice",
    surname: "Wood",
    userPrincipalName: `alice@${SIM_DOMAIN}`,
    mail: `alice@${SIM_DOMAIN}`,
    jobTitle: "Account Executive",
    department: "Sales",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: "2025-06-12T14:30:00Z",
  },
  bob: {
    id: "10000000-0000-4000-8000-000000000006",
    displayName: "Bob Stone",
    givenName: "Bob",
    surname: "Stone",
    userPrincipalName: `bob.stone@${SIM_DOMAIN}`,
    mail: `bob.stone@${SIM_DOMAIN}`,
    jobTitle: "Sales Manager",
    department: "Sales",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: "2025-04-02T07:45:10Z",
  },
  /** An apostrophe in the UPN: must survive OData quoting and URL building. */
  oneil: {
    id: "10000000-0000-4000-8000-000000000007",
    displayName: "Pat O'Neil",
    givenName: "Pat",
    surname: "O'Neil",
    userPrincipalName: `pat.o'neil@${SIM_DOMAIN}`,
    mail: `pat.o'neil@${SIM_DOMAIN}`,
    jobTitle: "Financial Controller",
    department: "Finance",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** A `$`-prefixed UPN: Graph only accepts it as `/users('$svc-backup@contoso.com')`. */
  dollar: {
    id: "10000000-0000-4000-8000-000000000008",
    displayName: "Backup Service Account",
    givenName: null,
    surname: null,
    userPrincipalName: `$svc-backup@${SIM_DOMAIN}`,
    mail: null,
    jobTitle: null,
    department: "IT",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** Already disabled: the target of `revoke disabled`. */
  disabled: {
    id: "10000000-0000-4000-8000-000000000009",
    displayName: "Dana Gone",
    givenName: "Dana",
    surname: "Gone",
    userPrincipalName: `dana.gone@${SIM_DOMAIN}`,
    mail: `dana.gone@${SIM_DOMAIN}`,
    jobTitle: "Sales Representative",
    department: "Sales",
    accountEnabled: false,
    userType: "Member",
    signInSessionsValidFromDateTime: "2025-08-20T16:00:00Z",
  },
  /** A B2B guest: `#` in the UPN must be percent-encoded in a URL. */
  guest: {
    id: "10000000-0000-4000-8000-000000000010",
    displayName: "Gil Guest",
    givenName: "Gil",
    surname: "Guest",
    userPrincipalName: `gil_fabrikam.com#EXT#@${SIM_INITIAL_DOMAIN}`,
    mail: "gil@fabrikam.com",
    jobTitle: null,
    department: null,
    accountEnabled: true,
    userType: "Guest",
    signInSessionsValidFromDateTime: LAST_RESET,
  },
  /** The emergency-access account that PROTECTED_USER_IDS must keep out of every revocation. */
  breakglass: {
    id: "10000000-0000-4000-8000-000000000011",
    displayName: "Break Glass",
    givenName: null,
    surname: null,
    userPrincipalName: `breakglass@${SIM_DOMAIN}`,
    mail: null,
    jobTitle: "Emergency access account",
    department: "IT",
    accountEnabled: true,
    userType: "Member",
    signInSessionsValidFromDateTime: "2024-01-15T00:00:00Z",
  },
} as const satisfies Record<string, WellKnownUser>;

/** The short key of a well-known user (`"sam"`, `"alice"`, …). */
export type WellKnownKey = keyof typeof WELL_KNOWN;

/** The well-known groups and their members, by well-known user key. */
export const WELL_KNOWN_GROUPS: readonly {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
  readonly mailNickname: string;
  readonly members: readonly WellKnownKey[];
}[] = [
  {
    id: REVOKER_GROUP_ID,
    displayName: "SecOps Revokers",
    description: "May request sign-in session revocations through the Teams revoke bot.",
    mailNickname: "secops-revokers",
    members: ["sam", "val"],
  },
  {
    id: APPROVER_GROUP_ID,
    displayName: "SecOps Approvers",
    description: "May approve sign-in session revocations requested through the Teams revoke bot.",
    mailNickname: "secops-approvers",
    members: ["sam", "riley"],
  },
];
