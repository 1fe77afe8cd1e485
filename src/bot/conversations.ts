import type { ConversationReference } from "botbuilder";
import { channelRootId } from "../commands/conversation-id.js";

/**
 * Conversation references the bot has seen (from installation, conversation updates and
 * messages), so it can post into a conversation later, and the audit channel's reference.
 */
export class Conversations {
  private readonly refs = new Map<string, Partial<ConversationReference>>();
  private auditRef: Partial<ConversationReference> | undefined;

  /** @param configuredAuditChannelId AUDIT_CHANNEL_ID, if set */
  constructor(private readonly configuredAuditChannelId: string | undefined) {}

  remember(ref: Partial<ConversationReference>): void {
    const id = ref.conversation?.id;
    if (id === undefined || id === "") return;
    this.refs.set(channelRootId(id), ref);
  }

  /** Makes the given conversation (a channel's root, not a thread) the audit channel. */
  setAuditChannel(ref: Partial<ConversationReference>): void {
    const id = ref.conversation?.id ?? "";
    this.auditRef = { ...ref, conversation: { ...ref.conversation, id: channelRootId(id) } as ConversationReference["conversation"] };
    delete this.auditRef.activityId;
  }

  /**
   * Where audit posts go: the channel set with `audit here`, else AUDIT_CHANNEL_ID addressed
   * through the service URL of any conversation seen in the tenant. Undefined until one is known.
   */
  auditChannel(): Partial<ConversationReference> | undefined {
    if (this.auditRef !== undefined) return this.auditRef;
    const id = this.configuredAuditChannelId;
    if (id === undefined) return undefined;
    const seen = this.refs.get(channelRootId(id));
    const any = seen ?? [...this.refs.values()].find((r) => r.serviceUrl !== undefined);
    if (any?.serviceUrl === undefined) return undefined;
    const tenantId = (any.conversation as { tenantId?: string } | undefined)?.tenantId;
    return {
      channelId: any.channelId ?? "msteams",
      serviceUrl: any.serviceUrl,
      bot: any.bot,
      conversation: { id, isGroup: true, conversationType: "channel", tenantId, name: "" },
    };
  }

  /** A description of the audit destination for messages ("not set" when none). */
  describeAuditChannel(): string {
    if (this.auditRef !== undefined) return `the channel where audit here was said (${this.auditRef.conversation?.id ?? "?"})`;
    if (this.configuredAuditChannelId !== undefined) return `AUDIT_CHANNEL_ID ${this.configuredAuditChannelId}`;
    return "not set";
  }
}
