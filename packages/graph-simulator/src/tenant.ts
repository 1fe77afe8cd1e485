/**
 * The live state of the simulated directory. Handlers mutate it (revoke, enable/disable) and tests
 * read it to check what the bot really did, so it is a plain in-memory model with no HTTP in it.
 */
import { SIM_DOMAIN, SIM_INITIAL_DOMAIN, SIM_TENANT_NAME } from "./constants.js";
import { randomUUID } from "node:crypto";
import type {
  SimApplication,
  SimAppRoleAssignment,
  SimDirectoryObject,
  SimGroup,
  SimServicePrincipal,
  SimUser,
} from "./tenant-model.js";
import { toIsoSeconds } from "./time.js";
import type { SimSignIn } from "./graph-signins.js";

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a string shaped like a GUID (any case), the form of every Entra object id. */
export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/** One revocation, remembered so reads can lag behind it like Entra's replicas do. */
interface SessionChange {
  at: number;
  previous: string | null;
}

/** A simulated Entra tenant: users, groups, service principals and applications, keyed by object id. */
export class SimulatedTenant {
  /** Display name used in Entra error texts. */
  readonly displayName = SIM_TENANT_NAME;
  /** Verified domains; the token endpoint accepts these in place of the tenant id, like Entra. */
  readonly domains: readonly string[] = [SIM_DOMAIN, SIM_INITIAL_DOMAIN];
  /** Users by object id, in creation order (the order listings return them in). */
  readonly users = new Map<string, SimUser>();
  readonly groups = new Map<string, SimGroup>();
  readonly servicePrincipals = new Map<string, SimServicePrincipal>();
  readonly applications = new Map<string, SimApplication>();
  /** App roles granted to service principals (admin consent to application permissions, or `New-MgServicePrincipalAppRoleAssignment`). */
  readonly appRoleAssignments: SimAppRoleAssignment[] = [];
  /** The sign-in log (`GET /auditLogs/signIns`), in insertion order; tests may push records. */
  readonly signIns: SimSignIn[] = [];
  private readonly sessionChanges = new Map<string, SessionChange[]>();
  /** Told of each revocation (user, epoch ms): the simulator's returning attacker listens here. */
  readonly revocationListeners: Array<(userId: string, at: number) => void> = [];

  /**
   * @param tenantId the directory id (a GUID)
   * @param clock epoch-milliseconds source; revocation timestamps come from it
   */
  constructor(
    readonly tenantId: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** True when `name` designates this tenant: its id or one of its domains (case-insensitive). */
  isKnownAs(name: string): boolean {
    const lower = name.toLowerCase();
    return lower === this.tenantId.toLowerCase() || this.domains.includes(lower);
  }

  /** Adds a user; ids and UPNs are unique across the directory, as in Entra. */
  addUser(user: SimUser): SimUser {
    this.assertNewObjectId(user.id);
    if (this.userByUpn(user.userPrincipalName)) {
      throw new Error(`A user with UPN ${user.userPrincipalName} already exists`);
    }
    const stored = { ...user, id: user.id.toLowerCase(), businessPhones: [...user.businessPhones] };
    this.users.set(stored.id, stored);
    return stored;
  }

  /** Adds a group. Members must already exist. */
  addGroup(group: SimGroup): SimGroup {
    this.assertNewObjectId(group.id);
    for (const memberId of group.memberIds) {
      if (!this.users.has(memberId)) {
        throw new Error(`Group ${group.displayName} names an unknown member ${memberId}`);
      }
    }
    const stored = { ...group, id: group.id.toLowerCase(), memberIds: new Set(group.memberIds) };
    this.groups.set(stored.id, stored);
    return stored;
  }

  /** Adds a service principal. */
  addServicePrincipal(servicePrincipal: SimServicePrincipal): SimServicePrincipal {
    this.assertNewObjectId(servicePrincipal.id);
    const stored = { ...servicePrincipal, id: servicePrincipal.id.toLowerCase() };
    this.servicePrincipals.set(stored.id, stored);
    return stored;
  }

  /** Adds an application object. */
  addApplication(application: SimApplication): SimApplication {
    this.assertNewObjectId(application.id);
    const stored = { ...application, id: application.id.toLowerCase() };
    this.applications.set(stored.id, stored);
    return stored;
  }

  /** The service principal of the app with this application (client) ID, if the tenant has one. */
  servicePrincipalByAppId(appId: string): SimServicePrincipal | undefined {
    const wanted = appId.toLowerCase();
    return [...this.servicePrincipals.values()].find((sp) => sp.appId.toLowerCase() === wanted);
  }

  /** The app registration with this application (client) ID, if it lives in this tenant. */
  applicationByAppId(appId: string): SimApplication | undefined {
    const wanted = appId.toLowerCase();
    return [...this.applications.values()].find((app) => app.appId.toLowerCase() === wanted);
  }

  /**
   * Grants the client's service principal the resource app's role named `roleValue`, as
   * `New-MgServicePrincipalAppRoleAssignment` does. Returns the assignment.
   * @throws Error when either app has no service principal or the role is not defined for apps
   */
  assignAppRole(clientAppId: string, resourceAppId: string, roleValue: string): SimAppRoleAssignment {
    const principal = this.servicePrincipalByAppId(clientAppId);
    const resource = this.servicePrincipalByAppId(resourceAppId);
    const role = this.applicationByAppId(resourceAppId)?.appRoles?.find((r) => r.value === roleValue);
    if (principal === undefined || resource === undefined) throw new Error(`No service principal for ${principal === undefined ? clientAppId : resourceAppId}`);
    if (role === undefined || !role.allowedMemberTypes.includes("Application")) throw new Error(`App ${resourceAppId} defines no application role ${roleValue}`);
    const existing = this.appRoleAssignments.find((a) => a.principalId === principal.id && a.resourceId === resource.id && a.appRoleId === role.id);
    if (existing !== undefined) return existing;
    const assignment = { id: randomUUID(), principalId: principal.id, resourceId: resource.id, appRoleId: role.id };
    this.appRoleAssignments.push(assignment);
    return assignment;
  }

  /** Removes the client's grant of the resource app's role (if it had it). */
  unassignAppRole(clientAppId: string, resourceAppId: string, roleValue: string): void {
    const principal = this.servicePrincipalByAppId(clientAppId);
    const resource = this.servicePrincipalByAppId(resourceAppId);
    const role = this.applicationByAppId(resourceAppId)?.appRoles?.find((r) => r.value === roleValue);
    const i = this.appRoleAssignments.findIndex((a) => a.principalId === principal?.id && a.resourceId === resource?.id && a.appRoleId === role?.id);
    if (i >= 0) this.appRoleAssignments.splice(i, 1);
  }

  /** The values of the resource app's roles granted to the client's service principal. */
  grantedAppRoles(clientServicePrincipalId: string, resourceAppId: string): string[] {
    const resource = this.servicePrincipalByAppId(resourceAppId);
    const roles = this.applicationByAppId(resourceAppId)?.appRoles ?? [];
    return this.appRoleAssignments
      .filter((a) => a.principalId === clientServicePrincipalId.toLowerCase() && a.resourceId === resource?.id)
      .flatMap((a) => roles.filter((r) => r.id === a.appRoleId).map((r) => r.value));
  }

  /** Every user, in creation order. */
  listUsers(): SimUser[] {
    return [...this.users.values()];
  }

  /** The user with this object id (any case), if any. */
  userById(id: string): SimUser | undefined {
    return this.users.get(id.toLowerCase());
  }

  /** The user with this UPN; UPNs compare case-insensitively, as in Entra. */
  userByUpn(userPrincipalName: string): SimUser | undefined {
    const wanted = userPrincipalName.toLowerCase();
    // A scan rather than an index: tests may edit a user's UPN in place and must not leave a stale index.
    for (const user of this.users.values()) {
      if (user.userPrincipalName.toLowerCase() === wanted) {
        return user;
      }
    }
    return undefined;
  }

  /** The user designated by an object id or a UPN (already unquoted and percent-decoded). */
  userByKey(key: string): SimUser | undefined {
    return isGuid(key) ? this.userById(key) : this.userByUpn(key);
  }

  /** Any directory object by id, tagged with its kind. */
  directoryObject(id: string): SimDirectoryObject | undefined {
    const key = id.toLowerCase();
    const user = this.users.get(key);
    if (user) return { kind: "user", object: user };
    const group = this.groups.get(key);
    if (group) return { kind: "group", object: group };
    const servicePrincipal = this.servicePrincipals.get(key);
    if (servicePrincipal) return { kind: "servicePrincipal", object: servicePrincipal };
    const application = this.applications.get(key);
    if (application) return { kind: "application", object: application };
    return undefined;
  }

  /** True when the user is a (direct) member of the group. */
  isMember(groupId: string, userId: string): boolean {
    return this.groups.get(groupId.toLowerCase())?.memberIds.has(userId.toLowerCase()) ?? false;
  }

  /**
   * Revokes the user's sessions: `signInSessionsValidFromDateTime` becomes now, at second precision.
   * Two revocations within the same second would otherwise leave the value unchanged, and a client
   * verifying "strictly later than before" would report a failure that did not happen, so the value
   * is bumped to one second after the previous one when needed.
   * @returns the new value
   */
  revokeSignInSessions(userId: string): string {
    const user = this.requireUser(userId);
    const now = this.clock();
    const previous = user.signInSessionsValidFromDateTime;
    let next = toIsoSeconds(now);
    if (previous !== null) {
      const previousMs = Date.parse(previous);
      if (Number.isFinite(previousMs) && Date.parse(next) <= previousMs) {
        next = toIsoSeconds(previousMs + 1000);
      }
    }
    user.signInSessionsValidFromDateTime = next;
    const changes = this.sessionChanges.get(user.id) ?? [];
    changes.push({ at: now, previous });
    this.sessionChanges.set(user.id, changes);
    for (const listener of this.revocationListeners) listener(user.id, now);
    return next;
  }

  /**
   * The `signInSessionsValidFromDateTime` a read sees now when replicas lag `readLagMs` behind
   * writes: the value from before the oldest revocation that is still inside the lag window.
   */
  signInSessionsValidFromAsRead(userId: string, readLagMs: number): string | null {
    const user = this.requireUser(userId);
    if (readLagMs > 0) {
      const horizon = this.clock() - readLagMs;
      const unreplicated = this.sessionChanges.get(user.id)?.find((change) => change.at > horizon);
      if (unreplicated) {
        return unreplicated.previous;
      }
    }
    return user.signInSessionsValidFromDateTime;
  }

  /**
   * Directory (admin) roles by user ID, lower case: resetting a holder's password needs an app
   * holding Privileged Authentication Administrator (or Global Administrator). The well-known break-glass account is a Global Administrator and
   * the backup service account an Exchange Administrator.
   */
  readonly directoryRoles = new Map<string, string[]>([
    ["10000000-0000-4000-8000-000000000011", ["Global Administrator"]],
    ["10000000-0000-4000-8000-000000000008", ["Exchange Administrator"]],
  ]);

  /**
   * Microsoft Entra roles assigned to an app's service principal, by app ID (lower case). An app
   * with no entry holds User Administrator, the role Microsoft documents as the least an app needs
   * to update `passwordProfile` in app-only access (as an operator sets the bot up); tests set
   * others, or none.
   */
  readonly appDirectoryRoles = new Map<string, string[]>();

  /** The Entra roles the app's service principal holds. */
  directoryRolesOfApp(appId: string): readonly string[] {
    return this.appDirectoryRoles.get(appId.toLowerCase()) ?? ["User Administrator"];
  }

  /** Password resets the tenant accepted, in order: when, and whether a change is required. */
  readonly passwordResets: Array<{ userId: string; at: string; forceChangePasswordNextSignIn: boolean }> = [];

  /**
   * The passwords Graph received, for tests that prove the bot never shows them anywhere (Graph
   * necessarily knows them; nothing else may).
   */
  readonly receivedPasswords: string[] = [];

  /** Identity Protection's risk state by user ID (lower case): `confirmedCompromised` once confirmed. */
  readonly riskStates = new Map<string, string>();

  /** Whether the tenant has Microsoft Entra ID P2 (Identity Protection's riskyUsers API needs it). */
  entraIdP2 = true;

  /** Sets the user's password (already checked) and records the reset. */
  setPassword(userId: string, password: string, forceChangePasswordNextSignIn: boolean): void {
    const user = this.requireUser(userId);
    this.receivedPasswords.push(password);
    user.lastPasswordChangeDateTime = toIsoSeconds(this.clock());
    this.passwordResets.push({ userId: user.id, at: new Date(this.clock()).toISOString(), forceChangePasswordNextSignIn });
  }

  /** Enables or disables sign-in for the user. */
  setAccountEnabled(userId: string, enabled: boolean): void {
    this.requireUser(userId).accountEnabled = enabled;
  }

  /**
   * Adds many users at once, stored as given (not copied) so a benchmark's 100,000 users cost one
   * object each. The same rules as addUser, checked against one index of UPNs built for the call
   * instead of a directory scan per user, which would make a large seed quadratic.
   * @param users object ids must be lower case
   */
  addUsersInBulk(users: Iterable<SimUser>): void {
    const upns = new Set<string>();
    for (const user of this.users.values()) {
      upns.add(user.userPrincipalName.toLowerCase());
    }
    for (const user of users) {
      this.assertNewObjectId(user.id);
      if (user.id !== user.id.toLowerCase()) {
        throw new Error(`Object id ${user.id} must be lower case`);
      }
      const upn = user.userPrincipalName.toLowerCase();
      if (upns.has(upn)) {
        throw new Error(`A user with UPN ${user.userPrincipalName} already exists`);
      }
      upns.add(upn);
      this.users.set(user.id, user);
    }
  }

  private requireUser(userId: string): SimUser {
    const user = this.userById(userId);
    if (!user) {
      throw new Error(`No user with id ${userId} in the simulated tenant`);
    }
    return user;
  }

  private assertNewObjectId(id: string): void {
    if (!isGuid(id)) {
      throw new Error(`Object id ${id} is not a GUID`);
    }
    if (this.directoryObject(id)) {
      throw new Error(`Object id ${id} is already in use`);
    }
  }
}
