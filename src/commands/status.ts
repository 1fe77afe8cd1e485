import { RoleReplies, Status, statusReply } from "../cards/chat-replies.js";
import type { CommandHandler } from "./dispatch.js";
import { caller, explainFailure } from "./turn.js";

/**
 * `status <user>`. Order: who is asking, revoker or approver role; then the lookup, audited as
 * `status.viewed` (who looked up whom) whether or not the user exists.
 */
export const status: CommandHandler<"status"> = async (context, { target: key }, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  if (!who.roles.revoker && !who.roles.approver) {
    await context.sendActivity(RoleReplies.statusNeedsRole);
    return;
  }
  let user;
  try {
    user = await deps.directory.getUser(key);
  } catch (err) {
    await context.sendActivity(explainFailure(deps.logger, err, "status lookup failed"));
    return;
  }
  await deps.auditor.record({
    actor: who.actor,
    action: "status.viewed",
    requestId: null,
    details: user === undefined ? { lookedUp: key, found: false } : { lookedUp: key, found: true, userId: user.id, upn: user.userPrincipalName },
  });
  if (user === undefined) {
    await context.sendActivity(Status.noSuchUser(key));
    return;
  }
  await context.sendActivity(statusReply(user, deps.now?.()));
};
