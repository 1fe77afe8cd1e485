/**
 * The Teams front door: the channel adapter and posting first (the auditor and the cards post
 * through them), then the chat commands, card actions and the inbound guard every activity passes.
 */
import { MessageFactory } from "botbuilder";
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import { createBotApp } from "./app.js";
import type { CardNotifier } from "./card-notifier.js";
import { Conversations } from "./conversations.js";
import { createChannelAdapter } from "./inbound-auth.js";
import { InboundGuard } from "./inbound-guard.js";
import { Messenger } from "./messenger.js";
import { RequestCards } from "./request-cards.js";
import { CardActions } from "./commands/card-actions.js";
import { CommandHandlers } from "./commands/dispatch.js";
import type { AppConfig } from "../config.js";
import type { Directory } from "../directory/directory.js";
import type { GraphSignInLog } from "../directory/sign-in-log.js";
import type { GraphRoleLookup } from "../policy/roles.js";
import type { RevocationService } from "../requests/lifecycle.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { ConversationRecords } from "./conversations.js";
import type { UserHistory } from "../revocation/user-history.js";
import type { WatchRunner } from "../watch/watch-runner.js";

/** The channel adapter, posting to Teams, and the conversations the bot knows (the audit channel among them). */
export function connectTeams(config: Readonly<AppConfig>, emulatorOpenIdMetadataUrl: string | undefined, conversationStore: ConversationRecords) {
  const adapter = createChannelAdapter(config, { emulatorOpenIdMetadataUrl });
  const messenger = new Messenger(adapter, config.bot.id);
  const conversations = new Conversations(conversationStore, config.auditChannelId);
  return { adapter, messenger, conversations };
}

export interface TeamsDoorParts {
  config: Readonly<AppConfig>;
  logger: Logger;
  now: (() => Date) | undefined;
  auditLog: AuditLog;
  userHistory: UserHistory;
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
export function openTeamsDoor({ config, now, logger, auditLog, userHistory, teams, directory, auditor, notifier, roles, revocations, watches, signInLog }: TeamsDoorParts) {
  const { adapter, messenger, conversations } = teams;
  const cards = new RequestCards({ revocations, conversations, messenger, logger });
  const handlers = new CommandHandlers({
    cards,
    directory,
    roles,
    revocations,
    auditor,
    auditLog,
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
    now,
    logger,
    watches,
    userSignIns: signInLog,
    userHistory,
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
