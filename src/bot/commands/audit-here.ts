import { AuditHere, RoleReplies } from "../../cards/chat-replies.js";
import { channelRootId } from "./conversation-id.js";
import type { CommandHandler } from "./dispatch.js";
import { caller, referenceOf } from "./turn.js";

/**
 * `audit here`. Order: a channel or group chat; who is asking; approver role; no AUDIT_CHANNEL_ID
 * configured (configuration wins over chat). A move is announced in the old channel too (where
 * audit posts go now, and who moved them) and audited as `audit.channel.moved`.
 */
export const auditHere: CommandHandler<"auditHere"> = async (context, _command, deps) => {
  const type = context.activity.conversation.conversationType;
  if (type !== "channel" && type !== "groupChat") {
    await context.sendActivity(AuditHere.notInChannel);
    return;
  }
  const who = await caller(context, deps);
  if (who === undefined) return;
  const { actor, roles } = who;
  if (!roles.approver) {
    await deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command: "audit here", reason: "not an approver" } });
    await context.sendActivity(RoleReplies.auditHereNeedsApprover(actor.name));
    return;
  }
  const configured = deps.auditChannel.configuredId;
  if (configured !== undefined) {
    const reason = AuditHere.configuredReason(configured);
    await deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command: "audit here", reason } });
    await context.sendActivity(AuditHere.configured);
    return;
  }
  const here = channelRootId(context.activity.conversation.id);
  const previous = await deps.auditChannel.current();
  const previousId = previous?.conversation?.id === undefined ? undefined : channelRootId(previous.conversation.id);
  if (previousId === here) {
    await context.sendActivity(AuditHere.already);
    return;
  }
  await deps.auditChannel.set(referenceOf(context));
  const channelData = context.activity.channelData as { channel?: { name?: unknown } } | undefined;
  const channelName = context.activity.conversation.name ?? (typeof channelData?.channel?.name === "string" ? channelData.channel.name : undefined);
  if (previous === undefined || previousId === undefined) {
    await deps.auditor.record({ actor, action: "audit.channel.set", requestId: null, details: { channel: here } });
  } else {
    await deps.auditor.record({ actor, action: "audit.channel.moved", requestId: null, details: { from: previousId, to: here } });
    try {
      await deps.auditChannel.post(previous, AuditHere.moved(channelName, actor.name));
    } catch (err) {
      // The move stands and is audited (the entry is posted in the new channel); the old one could not be told.
      deps.logger.warn({ err, from: previousId }, "could not announce the audit channel move in the old channel");
    }
  }
  await context.sendActivity(AuditHere.done);
};
