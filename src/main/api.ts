/** The automation API's front door: Entra tokens, rate limits, idempotency, and where its requests are approved. */
import type { Logger } from "pino";
import { EntraTokenValidator } from "../api/access-token.js";
import { RateLimiter } from "../api/rate-limit.js";
import { RequestsApi } from "../api/requests-api.js";
import type { Auditor } from "../audit/auditor.js";
import type { Conversations } from "../bot/conversations.js";
import type { RequestCards } from "../bot/request-cards.js";
import type { AppConfig } from "../config.js";
import type { Directory } from "../directory/directory.js";
import type { RevocationService } from "../requests/lifecycle.js";
import { SqlIdempotencyStore } from "../store/idempotency-store.js";
import type { StartOptions } from "./start-options.js";
import type { Storage } from "./storage.js";

export interface ApiParts {
  config: Readonly<AppConfig>;
  options: StartOptions;
  logger: Logger;
  storage: Storage;
  directory: Directory;
  auditor: Auditor;
  revocations: RevocationService;
  conversations: Conversations;
  cards: RequestCards;
}

/** The requests API; it answers 503 until AZURE_TENANT_ID names the tenant whose apps may call it. */
export function wireApi({ config, options, logger, storage, directory, auditor, revocations, conversations, cards }: ApiParts): RequestsApi {
  return new RequestsApi({
    tokens:
      config.api.tenantId === undefined
        ? undefined
        : new EntraTokenValidator({
            authorityHost: config.graph.authorityHost,
            tenantId: config.api.tenantId,
            clientId: config.api.appId,
            minKeyRefreshMs: options.apiKeyRefreshMs,
          }),
    notConfigured: "Set AZURE_TENANT_ID (the tenant whose apps may call the API) to use the automation API.",
    proposals: new RateLimiter(config.api.requestsPerMinute),
    reads: new RateLimiter(config.api.requestsPerMinute * 10),
    revocations,
    auditor,
    directory,
    idempotency: new SqlIdempotencyStore(storage.database.db, options.apiIdempotencyStaleMs),
    approvals: {
      // The channel's reference without a user: no one person's client refreshes the card.
      find: async () => {
        const channel = await conversations.approvalChannel(config.api.approvalChannelId);
        if (channel === undefined) return undefined;
        const withoutUser: Record<string, unknown> = { ...channel };
        delete withoutUser.user;
        delete withoutUser.activityId;
        return withoutUser;
      },
      publish: (channel, request, secondPerson) => cards.publishIn(channel, request, secondPerson),
    },
    protectedUsers: config.protectedUsers,
    maxTargets: config.maxTargets,
    now: options.now,
    logger,
  });
}
