import { Requests } from "../../cards/chat-replies.js";
import type { FrozenSet } from "../../requests/proposals.js";
import type { CommandHandler } from "./dispatch.js";
import { chatDoor, createRequest, requester, sayRefusal } from "./new-request.js";
import { explainFailure } from "./turn.js";

/**
 * `revoke user …`. Order: who is asking (an Entra object ID), revoker role, pending cap; then every
 * target resolved; then the separation-of-duties rule; then the request and its card.
 */
export const revokeUsers: CommandHandler<"revokeUsers"> = async (context, { targets: keys, reason, disable, containment }, deps) => {
  const command = `revoke user ${keys.join(" ")}`;
  const who = await requester(context, deps, command);
  if (who === undefined) return;

  let set: FrozenSet;
  try {
    const frozen = await deps.proposals.freeze({ kind: "users", keys }, chatDoor(context, deps, who.actor, command));
    if (frozen.kind === "refused") {
      await sayRefusal(context, frozen.refusal, who.actor);
      return;
    }
    set = frozen.set;
  } catch (err) {
    await context.sendActivity(Requests.failed(explainFailure(deps.logger, err, "target resolution failed")));
    return;
  }
  await createRequest(context, deps, who, set, { reason, disable, containment, command });
};
