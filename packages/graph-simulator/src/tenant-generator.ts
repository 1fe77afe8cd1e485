/**
 * Builds the seeded fictional Contoso tenant: the well-known fixtures plus `userCount` generated
 * users. Everything comes from the seed, never from the wall clock or Math.random, so two
 * simulators with the same seed hold identical directories.
 */
import { addBulkDepartment } from "./bulk-department.js";
import type { BulkDepartmentOptions } from "./bulk-department.js";
import { SIM_DOMAIN, SIM_INITIAL_DOMAIN } from "./constants.js";
import { addSeededSignIns } from "./graph-signins.js";
import { SeededRandom } from "./prng.js";
import { SimulatedTenant } from "./tenant.js";
import type { SimUser } from "./tenant-model.js";
import { toIsoSeconds } from "./time.js";
import {
  BOT_APPLICATION_ID,
  BOT_SERVICE_PRINCIPAL_ID,
  PAYROLL_APPLICATION_ID,
  PAYROLL_APP_ID,
  PAYROLL_CLIENT_SECRET,
  PAYROLL_SERVICE_PRINCIPAL_ID,
  REPORTING_APP_ID,
  REPORTING_APPLICATION_ID,
  REPORTING_CLIENT_SECRET,
  REPORTING_SERVICE_PRINCIPAL_ID,
  REVOCATION_APP_ROLES,
  SENTINEL_APP_ID,
  SENTINEL_APPLICATION_ID,
  SENTINEL_CLIENT_SECRET,
  SENTINEL_SERVICE_PRINCIPAL_ID,
  WELL_KNOWN,
  WELL_KNOWN_GROUPS,
} from "./well-known.js";

/** The departments generated users are spread over; one has an apostrophe to exercise OData quoting. */
export const GENERATED_DEPARTMENTS: readonly string[] = [
  "Sales",
  "Engineering",
  "Finance",
  "HR",
  "Marketing",
  "Legal",
  "IT",
  "Support",
  "Research & Development",
  "O'Brien Logistics",
];

const FIRST_NAMES = [
  "Adele", "Alex", "Ben", "Carmen", "Chris", "Diego", "Elena", "Farah", "Grace", "Hiro",
  "Isaac", "Jana", "Kofi", "Lena", "Mateo", "Mei", "Nadia", "Omar", "Priya", "Quinn",
  "Rosa", "Sven", "Uma", "Victor", "Wen", "Yara", "Zoe",
] as const;

// "O'Connor" gives some generated users an apostrophe in their UPN too.
const LAST_NAMES = [
  "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
  "Kim", "Lopez", "Murphy", "Nakamura", "Novak", "O'Connor", "Patel", "Quist", "Rossi", "Schmidt",
  "Tanaka", "Uddin", "Varga", "Walsh", "Xu", "Young", "Zimmer",
] as const;

const GUEST_DOMAINS = ["fabrikam.com", "northwindtraders.com", "adatum.com", "tailspintoys.com"] as const;

const JOB_TITLES = ["Specialist", "Manager", "Analyst", "Coordinator", "Engineer", "Director"] as const;

const OFFICES = ["Seattle", "London", "Munich", "Singapore", "Remote"] as const;

const DISABLED_RATE = 0.05;
const GUEST_RATE = 0.03;
const NEVER_RESET_RATE = 0.08;

// Generated timestamps count back from a fixed instant (not from "now") to stay deterministic, and
// it lies in the past so any revocation during a run moves them forward.
const GENERATION_EPOCH = Date.parse("2025-10-01T00:00:00Z");
const WELL_KNOWN_CREATED = "2023-02-01T09:00:00Z";
const DAY_MS = 86_400_000;

/** What the generator needs to know. */
export interface TenantGenerationOptions {
  tenantId: string;
  seed: number;
  userCount: number;
  /** The bot's client id: its app registration and service principal carry it as appId. */
  clientId: string;
  clock?: () => number;
  /** A large extra department for benchmarks, added after every other user. */
  bulkDepartment?: BulkDepartmentOptions;
}

/** Creates the seeded tenant. Deterministic for a given seed and user count. */
export function createSimulatedTenant(options: TenantGenerationOptions): SimulatedTenant {
  if (!Number.isInteger(options.userCount) || options.userCount < 0) {
    throw new RangeError(`userCount must be a non-negative integer, got ${options.userCount}`);
  }
  const tenant = new SimulatedTenant(options.tenantId, options.clock);
  addWellKnownObjects(tenant, options.clientId);
  addGeneratedUsers(tenant, new SeededRandom(options.seed), options.userCount);
  if (options.bulkDepartment) {
    addBulkDepartment(tenant, options.seed, options.bulkDepartment);
  }
  // Sign-ins count back from the build time: a sign-in log is read as "the last 24 hours".
  addSeededSignIns(tenant, options.seed, (options.clock ?? Date.now)());
  return tenant;
}

function addWellKnownObjects(tenant: SimulatedTenant, clientId: string): void {
  for (const fixture of Object.values(WELL_KNOWN)) {
    tenant.addUser({
      ...fixture,
      mailNickname: mailNicknameOf(fixture.userPrincipalName),
      officeLocation: fixture.userType === "Member" ? "Seattle" : null,
      mobilePhone: null,
      businessPhones: [],
      preferredLanguage: fixture.userType === "Member" ? "en-US" : null,
      createdDateTime: WELL_KNOWN_CREATED,
    });
  }
  for (const group of WELL_KNOWN_GROUPS) {
    tenant.addGroup({
      id: group.id,
      displayName: group.displayName,
      description: group.description,
      mailNickname: group.mailNickname,
      mailEnabled: false,
      securityEnabled: true,
      memberIds: new Set(group.members.map((key) => WELL_KNOWN[key].id)),
    });
  }
  tenant.addApplication({
    id: PAYROLL_APPLICATION_ID,
    appId: PAYROLL_APP_ID,
    displayName: "Contoso Payroll Connector",
    signInAudience: "AzureADMyOrg",
    clientSecrets: [PAYROLL_CLIENT_SECRET],
  });
  tenant.addServicePrincipal({
    id: PAYROLL_SERVICE_PRINCIPAL_ID,
    appId: PAYROLL_APP_ID,
    displayName: "Contoso Payroll Connector",
    servicePrincipalType: "Application",
  });
  // The bot's registration exposes its API (README, "Automation API"): api://<client id>, two app roles.
  tenant.addApplication({
    id: BOT_APPLICATION_ID,
    appId: clientId,
    displayName: "Teams Revoke Bot",
    signInAudience: "AzureADMyOrg",
    identifierUris: [`api://${clientId}`],
    appRoles: Object.values(REVOCATION_APP_ROLES).map((role) => ({ ...role, allowedMemberTypes: ["Application"] as const })),
    requestedAccessTokenVersion: null,
    // manifest/app-registration-api.json asks for idtyp, so the bot can tell app tokens from users'.
    optionalClaims: { accessToken: [{ name: "idtyp" }] },
  });
  tenant.addServicePrincipal({
    id: BOT_SERVICE_PRINCIPAL_ID,
    appId: clientId,
    displayName: "Teams Revoke Bot",
    servicePrincipalType: "Application",
  });
  // Automation clients: a Sentinel playbook that may propose, a reporting tool that may only read.
  for (const client of [
    { id: SENTINEL_APPLICATION_ID, sp: SENTINEL_SERVICE_PRINCIPAL_ID, appId: SENTINEL_APP_ID, name: "Contoso Sentinel Playbook", secret: SENTINEL_CLIENT_SECRET, role: REVOCATION_APP_ROLES.request.value },
    { id: REPORTING_APPLICATION_ID, sp: REPORTING_SERVICE_PRINCIPAL_ID, appId: REPORTING_APP_ID, name: "Contoso SOC Reporting", secret: REPORTING_CLIENT_SECRET, role: REVOCATION_APP_ROLES.read.value },
  ]) {
    tenant.addApplication({ id: client.id, appId: client.appId, displayName: client.name, signInAudience: "AzureADMyOrg", clientSecrets: [client.secret] });
    tenant.addServicePrincipal({ id: client.sp, appId: client.appId, displayName: client.name, servicePrincipalType: "Application" });
    tenant.assignAppRole(client.appId, clientId, client.role);
  }
}

function addGeneratedUsers(tenant: SimulatedTenant, random: SeededRandom, count: number): void {
  for (let i = 0; i < count; i++) {
    // Draw every value for every user, whatever the branches below use, so that changing one
    // rule (say, the guest rate) does not reshuffle every later user.
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const isGuest = random.chance(GUEST_RATE);
    const guestDomain = random.pick(GUEST_DOMAINS);
    const department = random.pick(GENERATED_DEPARTMENTS);
    const jobTitle = random.pick(JOB_TITLES);
    const office = random.pick(OFFICES);
    const disabled = random.chance(DISABLED_RATE);
    const neverReset = random.chance(NEVER_RESET_RATE);
    const resetMs = GENERATION_EPOCH - random.int(0, 400) * DAY_MS - random.int(0, 86_399) * 1000;
    const createdMs = resetMs - random.int(0, 700) * DAY_MS - random.int(0, 86_399) * 1000;
    const phoneSuffix = random.int(1000, 9999);
    let id = random.guid();
    while (tenant.directoryObject(id)) {
      id = random.guid();
    }

    const localPart = uniqueLocalPart(tenant, `${first}.${last}`.toLowerCase(), isGuest ? guestDomain : null);
    const userPrincipalName = isGuest
      ? `${localPart}_${guestDomain}#EXT#@${SIM_INITIAL_DOMAIN}`
      : `${localPart}@${SIM_DOMAIN}`;
    const user: SimUser = {
      id,
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      userPrincipalName,
      mail: isGuest ? `${localPart}@${guestDomain}` : userPrincipalName,
      mailNickname: mailNicknameOf(userPrincipalName),
      jobTitle: isGuest ? null : `${department} ${jobTitle}`,
      department: isGuest ? null : department,
      officeLocation: isGuest ? null : office,
      mobilePhone: null,
      businessPhones: isGuest ? [] : [`+1 425 555 ${phoneSuffix}`],
      preferredLanguage: isGuest ? null : "en-US",
      accountEnabled: !disabled,
      userType: isGuest ? "Guest" : "Member",
      createdDateTime: toIsoSeconds(createdMs),
      signInSessionsValidFromDateTime: neverReset ? null : toIsoSeconds(resetMs),
    };
    tenant.addUser(user);
  }
}

/** `first.last`, then `first.last2`, `first.last3`, … until the resulting UPN is free. */
function uniqueLocalPart(tenant: SimulatedTenant, base: string, guestDomain: string | null): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}${n}`;
    const upn = guestDomain
      ? `${candidate}_${guestDomain}#EXT#@${SIM_INITIAL_DOMAIN}`
      : `${candidate}@${SIM_DOMAIN}`;
    if (!tenant.userByUpn(upn)) {
      return candidate;
    }
  }
}

function mailNicknameOf(userPrincipalName: string): string {
  // Entra derives mailNickname from the UPN's local part without characters mail cannot carry.
  const localPart = userPrincipalName.slice(0, userPrincipalName.lastIndexOf("@"));
  return localPart.replace(/[^A-Za-z0-9._-]/g, "");
}
