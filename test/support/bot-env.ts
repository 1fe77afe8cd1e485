import { join } from "node:path";
import { APPROVER_GROUP_ID, REVOKER_GROUP_ID, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";

/** The bot's configuration for a simulator, as environment variables (as an operator would set them). */
export function botEnvFor(sim: StartedSimulator, dataDir: string): Record<string, string> {
  return {
    PORT: "0",
    AZURE_TENANT_ID: sim.tenantId,
    AZURE_CLIENT_ID: sim.clientId,
    AZURE_CLIENT_SECRET: sim.clientSecret,
    AZURE_AUTHORITY_HOST: sim.authorityHost,
    GRAPH_BASE_URL: sim.graphBaseUrl,
    REVOKER_GROUP_IDS: REVOKER_GROUP_ID,
    APPROVER_GROUP_IDS: APPROVER_GROUP_ID,
    DATABASE_URL: `sqlite:${join(dataDir, "revoke-bot.db")}`,
  };
}
