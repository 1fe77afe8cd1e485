/**
 * Builders of simulated directory data for tests and tools that seed a tenant by hand.
 */
import type { SimUser } from "./tenant-model.js";

/** A simulated tenant user with every property set: an enabled member, named after its ID. */
export function simUser(id: string, overrides: Partial<SimUser> = {}): SimUser {
  return {
    id,
    displayName: `User ${id.slice(-6)}`,
    givenName: null,
    surname: null,
    userPrincipalName: `u${id.slice(-12)}@contoso.com`,
    mail: null,
    mailNickname: `u${id.slice(-12)}`,
    jobTitle: null,
    department: null,
    officeLocation: null,
    mobilePhone: null,
    businessPhones: [],
    preferredLanguage: null,
    accountEnabled: true,
    userType: "Member",
    createdDateTime: "2024-01-01T00:00:00Z",
    signInSessionsValidFromDateTime: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}
