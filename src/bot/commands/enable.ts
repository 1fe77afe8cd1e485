import { alreadyEnabled, enabledUnknown, noSuchUser, notEnableable } from "../../cards/enable-replies.js";
import type { DirectoryUser } from "../../directory/types.js";
import { NO_CONTAINMENT } from "../../domain/containment.js";
import type { CommandHandler } from "./dispatch.js";
import { createRequest, sortOut } from "./new-request.js";
import { explainFailure, requester } from "./turn.js";

/**
 * `enable <upn-or-id> [--reason "…"]`. Order: who is asking (a revoker, below the pending cap);
 * then the account, which must exist and be disabled; then whether this bot disabled it (its
 * latest --disable outcome for the user, not followed by an enable of its own); then the request,
 * which always needs a second person, and its card.
 */
export const enable: CommandHandler<"enable"> = async (context, { target, reason }, deps) => {
  const command = `enable ${target}`;
  const actor = await requester(context, deps, command);
  if (actor === undefined) return;

  let user: DirectoryUser | undefined;
  let disabled: { byThisBot: boolean; latestDisable: string | null };
  try {
    user = await deps.directory.getUser(target);
    if (user === undefined) {
      await context.sendActivity(noSuchUser(target));
      return;
    }
    disabled = await deps.revocations.disabledByThisBot(user.id);
  } catch (err) {
    await context.sendActivity(`Nothing was requested: ${explainFailure(deps.logger, err, "enable target lookup failed")}`);
    return;
  }
  const { targets, excluded } = await sortOut(deps, [user]);
  const left = excluded[0];
  if (targets.length === 0 && left !== undefined) {
    await context.sendActivity(notEnableable(user.userPrincipalName, left.why));
    return;
  }
  if (user.accountEnabled === true) {
    await context.sendActivity(alreadyEnabled(user.userPrincipalName));
    return;
  }
  if (user.accountEnabled === null) {
    await context.sendActivity(enabledUnknown(user.userPrincipalName));
    return;
  }
  await createRequest(context, deps, actor, command, {
    targets,
    excluded: [],
    reason,
    disable: false,
    containment: NO_CONTAINMENT,
    action: "enable",
    foreignDisable: !disabled.byThisBot,
    // The disable it undoes: when a newer one comes, the enable is stale and refused.
    enableAgainst: disabled.latestDisable,
  });
};
