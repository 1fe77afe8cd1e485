/** What the log says once the bot listens: how it is exposed, where it posts, and how its audit chain is keyed. */
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import type { Conversations } from "../bot/conversations.js";
import type { AppConfig } from "../config.js";
import type { Storage } from "./storage.js";

/** Warns when inbound authentication is off, then logs the start with what it is connected to. */
export async function logStart(
  config: Readonly<AppConfig>,
  logger: Logger,
  listening: { port: number; host: string | undefined },
  storage: Storage,
  conversations: Conversations,
  auditor: Auditor,
): Promise<void> {
  if (!config.bot.inboundAuth) {
    logger.warn(
      config.demoMode
        ? "DEMO MODE: inbound Bot Framework authentication is OFF (no BOT_ID). Never expose this port."
        : "ALLOW_UNAUTHENTICATED=true: inbound Bot Framework authentication is OFF (no BOT_ID). Anyone who can reach this port can act as any user; it listens on 127.0.0.1 only.",
    );
    if (config.bot.type !== "MultiTenant" || config.bot.tenantId !== "") {
      logger.warn({ botType: config.bot.type }, "BOT_TYPE and BOT_TENANT_ID are ignored without BOT_ID");
    }
  }

  const { port, host } = listening;
  const { auditKey } = storage;
  logger.info(
    {
      port,
      host: host ?? "all interfaces",
      inboundAuth: config.bot.inboundAuth,
      allowedTenants: config.bot.allowedTenantIds,
      graph: config.graph.baseUrl,
      authority: config.graph.authorityHost,
      store: storage.database.description,
      runner: storage.owner,
      auditChannel: await conversations.describeAuditChannel(),
      approvalChannel: config.api.approvalChannelId === undefined ? "the audit channel" : `APPROVAL_CHANNEL_ID ${config.api.approvalChannelId}`,
      auditChain: auditKey === undefined ? "none (audit chain unkeyed: set AUDIT_KEY_FILE)" : `key ID ${auditKey.id} from ${config.auditKeySource ?? "configuration"}`,
      auditPosts: await auditor.backlog(),
    },
    "teams-revoke-bot listening",
  );
}
