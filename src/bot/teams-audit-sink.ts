import { MessageFactory } from "botbuilder";
import type { AuditEntry, AuditPost } from "../audit/audit-log.js";
import type { AuditSink } from "../audit/auditor.js";
import { auditCardData, formatTime, plain } from "../cards/present.js";
import { cardAttachment } from "../cards/render.js";
import type { Conversations } from "./conversations.js";
import type { Messenger } from "./messenger.js";

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
    const { entry } = post;
    const card = cardAttachment("audit-entry", auditCardData(entry));
    const message = MessageFactory.attachment(card);
    message.summary = `Audit #${entry.seq}: ${entry.action}`;
    await this.messenger.post(ref, message);
    return true;
  }
}

/** Who a run of refusals belongs to, in words. */
function whoRefused(entry: AuditEntry): string {
  if (entry.action === "activity.refused") return "Messages from outside the allowed tenants";
  if (entry.actor !== null) return plain(entry.actor.name === "" ? entry.actor.aadObjectId : entry.actor.name);
  const tenant = entry.details.tenantId;
  if (typeof tenant === "string") return `Unidentified sender in tenant ${plain(tenant)}`;
  return entry.action === "revocation.refused" ? "Revocation jobs the bot would not run" : "The bot";
}

/**
 * "Dana Analyst: 37 refused actions in the last minute (last: Revocation request refused at
 * 2026-11-03 10:02 UTC: not a revoker). Audit entries #12 to #48; each is in the audit log."
 */
export function aggregateText(last: AuditEntry, aggregate: { count: number; firstSeq: number; lastSeq: number }): string {
  const reason = typeof last.details.reason === "string" && last.details.reason !== "" ? `: ${plain(last.details.reason)}` : "";
  return (
    `${whoRefused(last)}: ${aggregate.count} refused actions in the last minute ` +
    `(last: ${auditCardData(last).title} at ${formatTime(last.at)}${reason}). ` +
    `Audit entries #${aggregate.firstSeq} to #${aggregate.lastSeq}; each is in the audit log (npm run audit:export).`
  );
}
