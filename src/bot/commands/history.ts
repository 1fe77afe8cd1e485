import { UNPOSTED_ACTIONS } from "../../audit/audit-log.js";
import { historyReply, RoleReplies } from "../../cards/chat-replies.js";
import type { CommandHandler } from "./dispatch.js";
import { caller } from "./turn.js";

/** `history [n]`: the latest audit entries, for approvers. */
export const history: CommandHandler<"history"> = async (context, { count }, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  if (!who.roles.approver) {
    await context.sendActivity(RoleReplies.historyNeedsApprover(who.actor.name));
    return;
  }
  // One entry per target would crowd out everything else; each result entry summarises them.
  const entries = await deps.auditLog.recent(count, { exclude: [...UNPOSTED_ACTIONS] });
  await context.sendActivity(historyReply(entries, deps.now?.()));
};
