import { MessageFactory, type ConversationReference } from "botbuilder";
import type { AuditPost } from "../audit/audit-log.js";
import type { AuditSink } from "../audit/auditor.js";
import { aggregateText, auditCardData, auditSummary } from "../cards/audit-card.js";
import { auditBlockedThreadText, auditPlaceholderText } from "../cards/audit-outbox-notes.js";
import { cardAttachment } from "../cards/render.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { Conversations } from "./conversations.js";
import type { Messenger } from "./messenger.js";
import { replyTarget } from "./request-cards.js";

export { aggregateText };

/** Finds a request by ID (to tell its thread when the audit channel cannot be reached). */
export type RequestLookup = (id: string) => Promise<RevocationRequest | undefined>;

/** Posts each audit entry as a card to the audit channel; a run of refusals as one line with its count. */
export class TeamsAuditSink implements AuditSink {
  constructor(
    private readonly conversations: Conversations,
    private readonly messenger: Messenger,
    private readonly requests?: RequestLookup,
  ) {}

  async deliver(post: AuditPost): Promise<boolean> {
    const ref = await this.conversations.auditChannel();
    if (ref === undefined) return false;
    if (post.placeholder !== undefined) {
      await this.messenger.post(ref, MessageFactory.text(auditPlaceholderText(post)));
      return true;
    }
    if (post.aggregate !== undefined) {
      await this.messenger.post(ref, MessageFactory.text(aggregateText(post.entry, post.aggregate)));
      return true;
    }
    const data = auditCardData(post.entry);
    const message = MessageFactory.attachment(cardAttachment("audit-entry", data));
    message.summary = auditSummary(post.entry);
    await this.messenger.post(ref, message);
    return true;
  }

  /** Says in the request's thread (its card's, or its chat) that its audit post waits; nothing when the post has no request. */
  async alertBlocked(post: AuditPost): Promise<void> {
    const id = post.entry.requestId;
    if (id === null || this.requests === undefined) return;
    const request = await this.requests(id);
    if (request === undefined) return;
    const origin = request.origin as Partial<ConversationReference>;
    const cardId = request.cardActivityId ?? undefined;
    const ref = cardId === undefined ? origin : replyTarget(origin, cardId);
    await this.messenger.post(ref, MessageFactory.text(auditBlockedThreadText(post)), cardId);
  }
}
