/**
 * The Teams front door: the channel adapter and posting first (the auditor and the cards post
 * through them), then the chat commands, card actions and the inbound guard every activity passes.
 */
import { MessageFactory } from "botbuilder";
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import { createBotApp } from "../bot/app.js";
import type { CardNotifier } from "../bot/card-notifier.js";
import { Conversations } from "../bot/conversations.js";
import { createChannelAdapter } from "../bot/inbound-auth.js";
import { InboundGuard } from "../bot/inbound-guard.js";
import { Messenger } from "../bot/messenger.js";
import { RequestCards } from "../bot/request-cards.js";
import { CardActions } from "../bot/commands/card-actions.js";
import { CommandHandlers } from "../bot/commands/dispatch.js";
import type { AppConfig } from "../config.js";
import type { Directory } from "../directory/directory.js";
import type { GraphSignInLog } from "../directory/sign-in-log.js";
import type { GraphRoleLookup } from "../policy/roles.js";
import type { RevocationService } from "../requests/lifecycle.js";
import { SqlConversationStore } from "../store/conversation-store.js";
import { SqlUserHistory } from "../store/user-history.js";
import type { WatchRunner } from "../watch/watch-runner.js";
import type { StartOptions } from "./start-options.js";
import type { Storage } from "./storage.js";

/** The channel adapter, posting to Teams, and the conversations the bot knows (the audit channel among them). */
export function connectTeams(config: Readonly<AppConfig>, options: StartOptions, storage: Storage) {
  const adapter = createChannelAdapter(config, { emulatorOpenIdMetadataUrl: options.emulatorOpenIdMetadataUrl });
  const messenger = new Messenger(adapter, config.bot.id);
  const conversations = new Conversations(new SqlConversationStore(storage.database.db), config.auditChannelId);
  return { adapter, messenger, conversations };
}

export interface TeamsDoorParts {
  config: Readonly<AppConfig>;
  options: StartOptions;
  logger: Logger;
  storage: Storage;
  teams: ReturnType<typeof connectTeams>;
  directory: Directory;
  auditor: Auditor;
  notifier: CardNotifier;
  roles: GraphRoleLookup;
  revocations: RevocationService;
  watches: WatchRunner;
  signInLog: GraphSignInLog;
}

/** The chat commands and card actions on the teams-ai application, behind the inbound guard. */
export function openTeamsDoor({ config, options, logger, storage, teams, directory, auditor, notifier, roles, revocations, watches, signInLog }: TeamsDoorParts) {
  const { adapter, messenger, conversations } = teams;
  const cards = new RequestCards({ revocations, conversations, messenger, logger });
  const handlers = new CommandHandlers({
    cards,
    directory,
    roles,
    revocations,
    auditor,
    auditLog: storage.auditStore,
    auditChannel: {
      configuredId: config.auditChannelId,
      current: () => conversations.auditChannel(),
      set: async (ref) => {
        await conversations.setAuditChannel(ref);
        auditor.kick();
      },
      post: async (ref, text) => {
        await messenger.post(ref, MessageFactory.text(text));
      },
    },
    protectedUsers: config.protectedUsers,
    maxTargets: config.maxTargets,
    now: options.now,
    logger,
    watches,
    userSignIns: signInLog,
    userHistory: new SqlUserHistory(storage.database.db),
  });
  const cardActions = new CardActions({ revocations, cards, notifier, logger });
  const app = createBotApp({ adapter, botAppId: config.bot.id, handlers, cardActions, conversations, messenger, logger });
  // A newly seen conversation may be the first way to reach the audit channel.
  // The bot added to a team or chat (after a team owner removed it, say): audit posts held because
  // the audit channel could not be reached are tried now, not at their next retry.
  app.turn("afterTurn", async (context) => {
    const type = context.activity.type;
    if (type === "conversationUpdate" || type === "installationUpdate") await auditor.retryBlockedNow();
    else auditor.kick();
    return true;
  });
  const guard = new InboundGuard({
    adapter,
    run: (context) => app.run(context).then(() => undefined),
    audit: (entry) => auditor.record(entry),
    logger,
    policy: {
      inboundAuth: config.bot.inboundAuth,
      botId: config.bot.id,
      tokenIssuer: config.bot.tokenIssuer,
      allowedTenantIds: config.bot.allowedTenantIds,
    },
  });
  return { cards, guard };
}
