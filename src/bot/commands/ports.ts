/**
 * Interfaces shared by bot/commands/ and the rest of bot/. The rest of bot/ (the teams-ai
 * Application, cards in chats, proactive posts) implements them and imports bot/commands/;
 * bot/commands/ depends only on these, so no import runs from bot/commands/ back up to bot/.
 */
import type { ConversationReference, TurnContext } from "botbuilder";
import type { Logger } from "pino";
import type { Proposals } from "../../requests/proposals.js";
import type { Auditor } from "../../audit/auditor.js";
import type { AuditLog } from "../../audit/audit-log.js";
import type { AdaptiveCardJson } from "../../cards/render.js";
import type { Directory } from "../../directory/directory.js";
import type { RoleLookup } from "../../policy/roles.js";
import type { RevocationService } from "../../requests/lifecycle.js";
import type { RequestSummary } from "../../revocation/request-store.js";
import type { Actor } from "../../domain/actor.js";
import type { RevocationRequest } from "../../revocation/types.js";
import type { WatchControl } from "../../watch/types.js";
import type { UserSignIns } from "../../directory/sign-in-log.js";
import type { UserHistory } from "../../revocation/user-history.js";

export type Reference = Partial<ConversationReference>;

/** A pending request's cards (bot/request-cards.ts). */
export interface RequestCardsPort {
  /**
   * The approval channel when a copy of the request's card belongs there (it needs a second
   * person and was asked elsewhere), else undefined.
   */
  approvalChannelFor(context: TurnContext, needsSecondPerson: boolean): Promise<Reference | undefined>;
  /** Sends the request's card here, and its approval copy when there is an approval channel. */
  publish(context: TurnContext, request: RevocationRequest, approvalChannel: Reference | undefined, secondPerson: string | null): Promise<void>;
  /** Which of the request's cards the conversation holds. */
  cardIn(request: RevocationRequest, conversationId: string): "origin" | "approval" | undefined;
  /** One person's view of a pending request. */
  viewFor(view: RequestSummary, actor: Actor): Promise<AdaptiveCardJson>;
  /** A pending request as it shows without buttons (roles could not be looked up). */
  waitingView(view: RequestSummary): Promise<AdaptiveCardJson>;
}

/** Edits a decided request's cards to its final state (bot/card-notifier.ts). */
export interface FinalCardPort {
  /** Re-sends the final card everywhere the request has one; never lists failures again. */
  showFinal(view: RequestSummary): Promise<void>;
}

/** The audit channel (bot/conversations.ts and the messenger). */
export interface AuditChannelPort {
  /** AUDIT_CHANNEL_ID, when configured: `audit here` cannot override it. */
  readonly configuredId: string | undefined;
  /** Where audit posts go now, if anywhere. */
  current(): Promise<Reference | undefined>;
  /** Makes the conversation the audit channel. */
  set(ref: Reference): Promise<void>;
  /** Posts a text message into a conversation (the old audit channel, on a move). */
  post(ref: Reference, text: string): Promise<void>;
}

/** What every command handler receives. */
export interface HandlerDeps {
  /** Proposing a request: the use case both doors share (requests/proposals.ts). */
  proposals: Proposals;
  directory: Directory;
  roles: RoleLookup;
  revocations: RevocationService;
  auditor: Auditor;
  auditLog: AuditLog;
  auditChannel: AuditChannelPort;
  /** Posts request cards (and their approval copies). */
  cards: RequestCardsPort;
  /** Lower-case object IDs and UPNs never revoked (PROTECTED_USER_IDS). */
  protectedUsers: readonly string[];
  /** Largest target set one request may hold (MAX_TARGETS). */
  maxTargets: number;
  now?: () => Date;
  logger: Logger;
  /** The post-revocation sign-in watches (absent: the bot runs without them). */
  watches?: WatchControl;
  /** A user's sign-in activity and sign-ins since a time (`status`); absent: not shown. */
  userSignIns?: UserSignIns;
  /** Requests that named a user (`status`); absent: not shown. */
  userHistory?: UserHistory;
}
