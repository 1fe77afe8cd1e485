import type { ConversationReference } from "botbuilder";
import { channelRootId } from "./commands/conversation-id.js";

/** Where conversation references and named settings are kept (the database, shared by replicas). */
export interface ConversationRecords {
  save(id: string, reference: unknown): Promise<void>;
  get(id: string): Promise<unknown>;
  latest(): Promise<unknown>;
  setSetting(key: string, value: unknown): Promise<void>;
  getSetting(key: string): Promise<unknown>;
}

type Reference = Partial<ConversationReference>;

const AUDIT_CHANNEL_SETTING = "auditChannel";

/**
 * Conversation references the bot has seen (from installation, conversation updates and
 * messages), so it can post into a conversation later, and the audit channel's reference. Kept
 * in the database, so a restart or another replica can still reach them.
 */
export class Conversations {
  /** What was last written per conversation, so an unchanged reference is not rewritten every turn. */
  private readonly written = new Map<string, string>();

  /** @param configuredAuditChannelId AUDIT_CHANNEL_ID, if set */
  constructor(
    private readonly records: ConversationRecords,
    private readonly configuredAuditChannelId: string | undefined,
  ) {}

  async remember(ref: Reference): Promise<void> {
    const id = ref.conversation?.id;
    if (id === undefined || id === "") return;
    const root = channelRootId(id);
    // The activity ID changes on every message; the rest is what a later post needs.
    const stable = { ...ref };
    delete stable.activityId;
    const json = JSON.stringify(stable);
    if (this.written.get(root) === json) return;
    await this.records.save(root, stable);
    this.written.set(root, json);
  }

  /** Makes the given conversation (a channel's root, not a thread) the audit channel. */
  async setAuditChannel(ref: Reference): Promise<void> {
    const id = ref.conversation?.id ?? "";
    const audit: Reference = { ...ref, conversation: { ...ref.conversation, id: channelRootId(id) } as ConversationReference["conversation"] };
    delete audit.activityId;
    await this.records.setSetting(AUDIT_CHANNEL_SETTING, audit);
  }

  /**
   * Where audit posts go: AUDIT_CHANNEL_ID when configured (addressed through the service URL of
   * any conversation seen in the tenant; configuration always wins over a chat command), else the
   * channel set with `audit here`. Undefined until one is known.
   */
  async auditChannel(): Promise<Reference | undefined> {
    const id = this.configuredAuditChannelId;
    if (id === undefined) return (await this.records.getSetting(AUDIT_CHANNEL_SETTING)) as Reference | undefined;
    return this.channelById(id);
  }

  /**
   * Where requests from automation are posted: APPROVAL_CHANNEL_ID when it is given, else the
   * audit channel (AUDIT_CHANNEL_ID or `audit here`), where chat requests' approval copies go too.
   */
  async approvalChannel(configuredApprovalChannelId: string | undefined): Promise<Reference | undefined> {
    return configuredApprovalChannelId === undefined ? this.auditChannel() : this.channelById(configuredApprovalChannelId);
  }

  /** A reference to the channel with this ID, addressed through the service URL of a conversation seen in the tenant. */
  private async channelById(id: string): Promise<Reference | undefined> {
    const seen = ((await this.records.get(channelRootId(id))) ?? (await this.records.latest())) as Reference | undefined;
    if (seen?.serviceUrl === undefined) return undefined;
    const tenantId = (seen.conversation as { tenantId?: string } | undefined)?.tenantId;
    return {
      channelId: seen.channelId ?? "msteams",
      serviceUrl: seen.serviceUrl,
      bot: seen.bot,
      conversation: { id, isGroup: true, conversationType: "channel", tenantId, name: "" },
    };
  }

  /** A description of the audit destination for messages ("not set" when none). */
  async describeAuditChannel(): Promise<string> {
    if (this.configuredAuditChannelId !== undefined) return `AUDIT_CHANNEL_ID ${this.configuredAuditChannelId}`;
    const chosen = (await this.records.getSetting(AUDIT_CHANNEL_SETTING)) as Reference | undefined;
    if (chosen !== undefined) return `the channel where audit here was said (${chosen.conversation?.id ?? "?"})`;
    return "not set";
  }
}
