/** The automation API (docs/automation-api.md): whose tokens it accepts, where its requests are approved, how fast it may be called. */
import { z } from "zod";
import type { AppConfig } from "./app-config.js";
import { GUID, integer, optionalString, type Parsed } from "./fields.js";

export const apiVariables = {
  APPROVAL_CHANNEL_ID: optionalString,
  API_REQUESTS_PER_MINUTE: integer("API_REQUESTS_PER_MINUTE", 30, 1, 10_000),
  API_APP_ID: optionalString.superRefine((v, ctx) => {
    if (v !== undefined && !GUID.test(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected the application (client) ID of the API's app registration (a GUID), got "${v}"` });
    }
  }),
};

/**
 * The API section of the configuration, from checked values.
 * @param tenantId the tenant whose tokens are accepted (AZURE_TENANT_ID, else BOT_TENANT_ID)
 * @param graphClientId the Graph app registration's client ID, the audience unless API_APP_ID is set
 */
export function apiConfigOf(e: Parsed<typeof apiVariables>, tenantId: string | undefined, graphClientId: string): AppConfig["api"] {
  return {
    approvalChannelId: e.APPROVAL_CHANNEL_ID,
    tenantId: tenantId?.toLowerCase(),
    requestsPerMinute: e.API_REQUESTS_PER_MINUTE,
    appId: e.API_APP_ID ?? graphClientId,
  };
}
