/**
 * The bot's identity and its Teams front door: the bot registration, inbound channel tokens,
 * outbound connector tokens, the tenants whose activities are accepted, and demo mode.
 */
import { z } from "zod";
import type { AppConfig, BotType } from "./app-config.js";
import { booleanFlag, csv, GUID, httpsUrl, optionalHttpsUrl, optionalString, stringOr, type Parsed } from "./fields.js";

export const botVariables = {
  BOT_ID: optionalString,
  BOT_PASSWORD: optionalString,
  BOT_TENANT_ID: optionalString,
  BOT_TYPE: z
    .string()
    .optional()
    .transform((v, ctx): BotType => {
      const s = (v ?? "").trim();
      if (s === "") return "MultiTenant";
      const match = (["SingleTenant", "MultiTenant", "UserAssignedMsi"] as const).find(
        (t) => t.toLowerCase() === s.toLowerCase(),
      );
      if (match === undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected SingleTenant, MultiTenant or UserAssignedMsi, got "${s}"`,
        });
        return z.NEVER;
      }
      return match;
    }),
  ALLOW_UNAUTHENTICATED: booleanFlag,
  ALLOWED_TENANT_IDS: csv.superRefine((ids, ctx) => {
    for (const id of ids) {
      if (!GUID.test(id)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${id}" is not a tenant ID (a GUID); list the Entra tenant IDs whose Teams may use the bot, comma-separated` });
      }
    }
  }),
  BOT_OPENID_METADATA_URL: httpsUrl("https://login.botframework.com/v1/.well-known/openidconfiguration"),
  BOT_TOKEN_ISSUER: stringOr("https://api.botframework.com"),
  BOT_LOGIN_URL: optionalHttpsUrl(),
  BOT_OAUTH_SCOPE: stringOr("https://api.botframework.com"),
  DEMO_MODE: booleanFlag,
};

type BotVariables = Parsed<typeof botVariables>;

/**
 * Checks the bot registration (ID, password, tenant for its type); problems are added to
 * `problems`. Answers the bot ID, empty when inbound authentication is off.
 */
export function checkBotIdentity(e: BotVariables, problems: string[]): string {
  const botId = e.BOT_ID ?? "";
  if (botId === "") {
    if (!e.DEMO_MODE && !e.ALLOW_UNAUTHENTICATED) {
      problems.push(
        "BOT_ID: required; set it to the bot's Microsoft App ID (inbound requests cannot be authenticated without it). Only for local testing, ALLOW_UNAUTHENTICATED=true runs without it",
      );
    }
  } else {
    if (!GUID.test(botId)) problems.push(`BOT_ID: expected the bot's Microsoft App ID (a GUID), got "${botId}"`);
    if (e.BOT_TYPE !== "UserAssignedMsi" && e.BOT_PASSWORD === undefined) {
      problems.push("BOT_PASSWORD: required with BOT_ID (the bot registration's client secret), unless BOT_TYPE=UserAssignedMsi");
    }
    if ((e.BOT_TYPE === "SingleTenant" || e.BOT_TYPE === "UserAssignedMsi") && e.BOT_TENANT_ID === undefined) {
      problems.push(`BOT_TENANT_ID: required when BOT_TYPE=${e.BOT_TYPE}; set it to your Entra tenant ID`);
    }
  }
  return botId;
}

/**
 * The tenants whose Teams activities are accepted: ALLOWED_TENANT_IDS, else the bot's tenant,
 * else the Graph tenant (`azureTenantId`); problems are added to `problems`.
 */
export function allowedTenantsOf(e: BotVariables, azureTenantId: string | undefined, problems: string[]): string[] {
  const allowedTenantIds = (e.ALLOWED_TENANT_IDS ?? []).length > 0 ? e.ALLOWED_TENANT_IDS : [e.BOT_TENANT_ID ?? azureTenantId ?? ""].filter((t) => t !== "");
  if (e.ALLOWED_TENANT_IDS !== undefined && allowedTenantIds.length === 0) {
    problems.push("ALLOWED_TENANT_IDS: required when neither BOT_TENANT_ID nor AZURE_TENANT_ID is set; set it to your Entra tenant ID");
  }
  return allowedTenantIds;
}

/** The bot section of the configuration, from checked values. */
export function botConfigOf(e: BotVariables, botId: string, allowedTenantIds: readonly string[]): AppConfig["bot"] {
  return {
    id: botId,
    password: e.BOT_PASSWORD ?? "",
    tenantId: e.BOT_TENANT_ID ?? "",
    type: e.BOT_TYPE,
    allowUnauthenticated: e.ALLOW_UNAUTHENTICATED,
    inboundAuth: botId !== "",
    openIdMetadataUrl: e.BOT_OPENID_METADATA_URL,
    tokenIssuer: e.BOT_TOKEN_ISSUER,
    loginUrl: e.BOT_LOGIN_URL,
    oauthScope: e.BOT_OAUTH_SCOPE,
    allowedTenantIds: Object.freeze(allowedTenantIds.map((t) => t.toLowerCase())),
  };
}
