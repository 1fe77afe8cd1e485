import { MessageFactory } from "botbuilder";
import type { AuditPost } from "../audit/audit-log.js";
import type { AuditSink } from "../audit/auditor.js";
import { aggregateText, auditCardData, auditSummary } from "../cards/audit-card.js";
import { cardAttachment } from "../cards/render.js";
import type { Conversations } from "./conversations.js";
import type { Messenger } from "./messenger.js";

export { aggregateText };

/** Posts each audit entry as a card to the audit channel; a run of refusals as one line with its count. */
export class TeamsAuditSink implements AuditSink {
  constructor(
    private readonly conversations: Conversations,
    private readonly messenger: Messenger,
  ) {}

  async deliver(post: AuditPost): Promise<boolean> {
    const ref = await this.conversations.auditChannel();
    if (ref === undefined) return false;
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
}
