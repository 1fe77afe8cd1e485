import type { Activity, ConversationReference, TurnContext } from "botbuilder";
import { MessageFactory, TurnContext as BotTurnContext } from "botbuilder";
import type { Logger } from "pino";
import { channelRootId } from "./commands/conversation-id.js";
import { APPROVAL_ROWS, CARD_TARGET_LIMIT, REPLY_LIST_LIMIT, confirmCardData, resultCardData, targetListMessages, type PendingContext, type PendingViewer } from "../cards/present.js";
import { cardAttachment, renderCard, type AdaptiveCardJson } from "../cards/render.js";
import { approvalCopyFailed, approvalSummary, approvalWhereText } from "../cards/approval-card.js";
import type { RequestCardsPort } from "./commands/ports.js";
import { errorReference } from "../errors.js";
import type { RevocationService } from "../requests/lifecycle.js";
import type { RequestSummary } from "../revocation/request-store.js";
import type { Actor } from "../domain/actor.js";
import { FINAL_STATES } from "../domain/request-state.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { Conversations } from "./conversations.js";
import type { Messenger } from "./messenger.js";

type Reference = Partial<ConversationReference>;

/** Where a pending request's card was posted, as shown to its readers. */
export type Publication =
  | { kind: "posted"; approvalChannel: string }
  | { kind: "noApprovalChannel" };

/**
 * A pending request's cards: the one in the conversation it was asked in, and, for a four-eyes
 * request asked elsewhere, a copy in the approval channel so approvers can act on it there. Both
 * carry a refresh, answered with each viewer's own view.
 */
export class RequestCards implements RequestCardsPort {
  constructor(
    private readonly deps: {
      revocations: RevocationService;
      conversations: Conversations;
      messenger: Messenger;
      logger: Logger;
    },
  ) {}

  /**
   * The approval channel when a copy of the request's card belongs there (four-eyes, asked
   * elsewhere), else undefined. A four-eyes request from a personal chat without one cannot reach
   * any approver: the caller refuses it.
   */
  async approvalChannelFor(context: TurnContext, needsSecondPerson: boolean): Promise<Reference | undefined> {
    if (!needsSecondPerson) return undefined;
    const channel = await this.deps.conversations.auditChannel();
    const id = channel?.conversation?.id;
    if (channel === undefined || id === undefined) return undefined;
    // Asked in the approval channel itself: its card is already in front of the approvers.
    if (channelRootId(id) === channelRootId(context.activity.conversation.id)) return undefined;
    return channel;
  }

  /**
   * Sends the request's card in this conversation, its approval copy when one belongs elsewhere,
   * and, for a set larger than a card lists, the full list in replies to each card.
   */
  async publish(context: TurnContext, request: RevocationRequest, approvalChannel: Reference | undefined, secondPerson: string | null): Promise<void> {
    if (approvalChannel !== undefined) {
      // Recorded before anything is sent: a click on the approval copy must find its conversation.
      await this.deps.revocations.attachApprovalCard(request.id, { reference: approvalChannel, activityId: null });
      request = { ...request, approvalCard: { reference: approvalChannel, activityId: null } };
    }
    const message = this.sharedMessage(request, secondPerson);
    const sent = await context.sendActivity(message);
    const cardId = sent?.id;
    if (cardId !== undefined) await this.deps.revocations.attachCard(request.id, cardId);
    if (request.targets.length > APPROVAL_ROWS) {
      await this.postTargetList(BotTurnContext.getConversationReference(context.activity), cardId, request);
    }

    if (approvalChannel === undefined) return;
    try {
      const approvalId = await this.deps.messenger.post(approvalChannel, this.sharedMessage(request, secondPerson));
      if (approvalId !== undefined) {
        await this.deps.revocations.attachApprovalCard(request.id, { reference: approvalChannel, activityId: approvalId });
        if (request.targets.length > APPROVAL_ROWS) await this.postTargetList(approvalChannel, approvalId, request);
        // Finished (rejected, withdrawn, or even revoked) while the copy was being posted: that
        // final edit could not reach the copy, so the copy is brought up to date here. A request
        // still running needs nothing: its later edits load the request and find the copy.
        const latest = await this.deps.revocations.summary(request.id, CARD_TARGET_LIMIT);
        if (latest !== undefined && FINAL_STATES.has(latest.request.state)) {
          await this.deps.messenger.update(approvalChannel, approvalId, MessageFactory.attachment(cardAttachment("revoke-result", resultCardData(latest))));
        }
      }
    } catch (err) {
      const correlationId = errorReference();
      this.deps.logger.warn({ err, requestId: request.id, correlationId }, "could not post the approval copy of a card");
      await context.sendActivity(approvalCopyFailed(request.id, correlationId));
    }
  }

  /**
   * Posts the card of a request from automation in the approval channel, where it was made (its
   * origin): approvers act on it there. A set larger than a card lists goes in replies to it.
   */
  async publishIn(channel: Reference, request: RevocationRequest, secondPerson: string | null): Promise<void> {
    // A refused post throws (the caller withdraws the request); a post answered without a message
    // ID (the Agents Playground) is attached on the first click instead, as chat cards are.
    const cardId = await this.deps.messenger.post(channel, this.sharedMessage(request, secondPerson));
    if (cardId !== undefined) await this.deps.revocations.attachCard(request.id, cardId);
    if (request.targets.length > CARD_TARGET_LIMIT) await this.postTargetList(channel, cardId, request);
  }

  /** The card as everyone sees it before their own refresh (and on clients without Universal Actions). */
  sharedMessage(request: RevocationRequest, secondPerson: string | null): Partial<Activity> {
    const message = MessageFactory.attachment(cardAttachment("revoke-confirm", confirmCardData(request, this.contextOf(request, secondPerson))));
    // The card alone, with a summary for notifications: a text beside it would make some clients
    // (the Agents Playground) split the message and not return the card's message ID.
    message.summary = approvalSummary(request);
    return message;
  }

  /** One person's view of a pending request: their buttons, or that it waits for an approver. */
  async viewFor(view: RequestSummary, actor: Actor): Promise<AdaptiveCardJson> {
    view = await this.wholeSet(view);
    const request = requestOf(view);
    const secondPerson = this.secondPersonOf(view);
    const viewpoint = await this.deps.revocations.viewpointOf(view, actor, secondPerson);
    const viewer: PendingViewer = { abilities: viewpoint.abilities, isRequester: viewpoint.isRequester };
    return renderCard("revoke-confirm", confirmCardData(request, this.contextOf(request, secondPerson, view.targetCount), viewer));
  }

  /** A pending request as it shows to someone whose role could not be looked up: no buttons. */
  async waitingView(view: RequestSummary): Promise<AdaptiveCardJson> {
    view = await this.wholeSet(view).catch(() => view);
    const request = requestOf(view);
    const secondPerson = this.secondPersonOf(view);
    const viewer: PendingViewer = { abilities: { approve: false, reject: false, cancel: false }, isRequester: false };
    return renderCard("revoke-confirm", confirmCardData(request, this.contextOf(request, secondPerson, view.targetCount), viewer));
  }

  /**
   * The summary with every user of the set (up to REPLY_LIST_LIMIT), so the card's title and its
   * breakdown (enabled, already disabled) count the whole set, not the first rows of it.
   */
  private async wholeSet(view: RequestSummary): Promise<RequestSummary> {
    if (view.rows.length >= view.targetCount || view.rows.length >= REPLY_LIST_LIMIT) return view;
    return (await this.deps.revocations.summary(view.request.id, Math.min(view.targetCount, REPLY_LIST_LIMIT))) ?? view;
  }

  /** The rule frozen with the request (its responders were read when it was made). */
  private secondPersonOf(view: RequestSummary): string | null {
    return this.deps.revocations.secondPersonOf({ ...view.request, targetCount: view.targetCount });
  }

  /** Which of the request's cards the conversation holds: the original, the approval copy, or none. */
  cardIn(request: RevocationRequest, conversationId: string): "origin" | "approval" | undefined {
    const here = channelRootId(conversationId);
    const origin = conversationIdOf(request.origin);
    if (origin !== undefined && channelRootId(origin) === here) return "origin";
    const approval = request.approvalCard === null ? undefined : conversationIdOf(request.approvalCard.reference);
    return approval !== undefined && channelRootId(approval) === here ? "approval" : undefined;
  }

  private contextOf(request: RevocationRequest, secondPerson: string | null, targetCount?: number): PendingContext {
    const approval = request.approvalCard === null ? undefined : conversationIdOf(request.approvalCard.reference);
    const requesterTeamsId = (request.origin as Reference).user?.id;
    return {
      secondPerson,
      ...(targetCount === undefined ? {} : { targetCount }),
      approvalWhere:
        approval === undefined
          ? ""
          : approvalWhereText(),
      refreshUserIds: requesterTeamsId === undefined ? [] : [requesterTeamsId],
    };
  }

  /** The full target list, in replies to the card (the card's thread, in a channel). */
  private async postTargetList(ref: Reference, cardId: string | undefined, request: RevocationRequest): Promise<void> {
    const replyRef = cardId === undefined ? ref : replyTarget(ref, cardId);
    for (const text of targetListMessages(request)) {
      await this.deps.messenger.post(replyRef, MessageFactory.text(text), cardId);
    }
  }
}

/** A summary as a request whose targets are the rows it holds (the card lists no more). */
function requestOf(view: RequestSummary): RevocationRequest {
  return { ...view.request, targets: view.rows.map((r) => r.target) };
}

function conversationIdOf(reference: unknown): string | undefined {
  const id = (reference as Reference | undefined)?.conversation?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Where replies to a card go: in a channel, the card's thread (`;messageid=`); chats have no threads. */
export function replyTarget(ref: Reference, cardId: string): Reference {
  const conversation = ref.conversation;
  if (conversation === undefined || conversation.conversationType !== "channel" || conversation.id.includes(";messageid=")) return ref;
  return { ...ref, conversation: { ...conversation, id: `${conversation.id};messageid=${cardId}` } };
}
