import type { Client } from "@microsoft/microsoft-graph-client";
import { readConfig } from "../../src/config.js";
import { GraphDirectory } from "../../src/directory/graph-directory.js";
import { createCredential, createGraphClient } from "../../src/index.js";
import type { StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import { botEnvFor } from "./bot-env.js";

/** The real Graph client and directory the bot would build, pointed at a simulator. */
export function graphFor(sim: StartedSimulator, secret = sim.clientSecret): { client: Client; directory: GraphDirectory } {
  const config = readConfig({ ...botEnvFor(sim, "./data"), ALLOW_UNAUTHENTICATED: "true", AZURE_CLIENT_SECRET: secret });
  const credential = createCredential(config);
  const client = createGraphClient(config, credential);
  return { client, directory: new GraphDirectory(client, credential) };
}
