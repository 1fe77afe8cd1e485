import { escapeMarkdown } from "../cards/markdown.js";
import { formatTime } from "../cards/present.js";
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
    await context.sendActivity("Only members of a revoker or approver group can look up account status.");
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
    await context.sendActivity(`There is no user ${escapeMarkdown(key)} in this tenant. Check the spelling, or use the object ID.`);
    return;
  }
  await context.sendActivity(
    [
      `**${escapeMarkdown(user.displayName ?? user.userPrincipalName)}** (${escapeMarkdown(user.userPrincipalName)})`,
      `- Object ID: ${user.id}`,
      `- Account enabled: ${user.accountEnabled === null ? "unknown" : user.accountEnabled ? "yes" : "no"}`,
      `- User type: ${escapeMarkdown(user.userType ?? "unknown")}; department: ${escapeMarkdown(user.department ?? "—")}`,
      `- Sessions valid from: ${user.signInSessionsValidFromDateTime === null ? "never revoked" : formatTime(user.signInSessionsValidFromDateTime)}`,
    ].join("\n"),
  );
};
