import { MessageFactory } from "botbuilder";
import type { AuditEntry } from "../audit/audit-log.js";
import type { AuditSink } from "../audit/auditor.js";
import { auditCardData } from "../cards/present.js";
import { cardAttachment } from "../cards/render.js";
import type { Conversations } from "./conversations.js";
import type { Messenger } from "./messenger.js";

/** Posts each audit entry as a card to the audit channel. */
export class TeamsAuditSink implements AuditSink {
  constructor(
    private readonly conversations: Conversations,
    private readonly messenger: Messenger,
  ) {}

  async deliver(entry: AuditEntry): Promise<boolean> {
    const ref = await this.conversations.auditChannel();
    if (ref === undefined) return false;
    const card = cardAttachment("audit-entry", auditCardData(entry));
    const message = MessageFactory.attachment(card);
    message.summary = `Audit #${entry.seq}: ${entry.action}`;
    await this.messenger.post(ref, message);
    return true;
  }
}
