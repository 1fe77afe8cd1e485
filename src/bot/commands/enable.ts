import { NO_CONTAINMENT } from "../../domain/containment.js";
import type { CommandHandler } from "./dispatch.js";
import { chatDoor, createRequest, requester, sayRefusal } from "./new-request.js";
import { explainFailure } from "./turn.js";

/**
 * `enable <upn-or-id> [--reason "…"]`. Order: who is asking (a revoker, below the pending cap);
 * then the account, which must exist and be disabled; then whether this bot disabled it (its
 * latest --disable outcome for the user, not followed by an enable of its own); then the request,
 * which always needs a second person, and its card.
 */
export const enable: CommandHandler<"enable"> = async (context, { target, reason }, deps) => {
  const command = `enable ${target}`;
  const who = await requester(context, deps, command);
  if (who === undefined) return;

  let frozen;
  try {
    frozen = await deps.proposals.freezeEnable(target, chatDoor(context, deps, who.actor, command));
  } catch (err) {
    await context.sendActivity(`Nothing was requested: ${explainFailure(deps.logger, err, "enable target lookup failed")}`);
    return;
  }
  if (frozen.kind === "refused") {
    await sayRefusal(context, frozen.refusal, who.actor);
    return;
  }
  await createRequest(context, deps, who, frozen.set, { reason, disable: false, containment: NO_CONTAINMENT, command });
};
