import type { Client } from "@microsoft/microsoft-graph-client";
import { readConfig } from "../../src/config.js";
import { GraphDirectory } from "../../src/directory/graph-directory.js";
import { createCredential, createGraphClient } from "../../src/index.js";
import type { SimUser, StartedSimulator } from "../../src/simulator/index.js";
import { botEnvFor } from "./bot-env.js";

/** The real Graph client and directory the bot would build, pointed at a simulator. */
export function graphFor(sim: StartedSimulator, secret = sim.clientSecret): { client: Client; directory: GraphDirectory } {
  const config = readConfig({ ...botEnvFor(sim, "./data"), ALLOW_UNAUTHENTICATED: "true", AZURE_CLIENT_SECRET: secret });
  const credential = createCredential(config);
  const client = createGraphClient(config, credential);
  return { client, directory: new GraphDirectory(client, credential) };
}

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
