import { Pending, pendingReply, UnknownActor, type PendingItem } from "../../cards/chat-replies.js";
import type { CommandHandler } from "./dispatch.js";
import { actorOf, explainFailure } from "./turn.js";

/** Requests `pending` lists at most. */
export const PENDING_LIST_LIMIT = 20;

/** Users of each request `pending` reads at most, to name the set ("60 users in Claims"). */
const PENDING_USERS = 200;

/**
 * `pending`: open requests the person can act on, from the requests' rows and counts (never their
 * target lists); an approver's list includes others' requests, anyone else's only their own.
 */
export const pending: CommandHandler<"pending"> = async (context, _command, deps) => {
  const actor = actorOf(context);
  if (actor === undefined) {
    await context.sendActivity(UnknownActor);
    return;
  }
  let open;
  try {
    open = await deps.revocations.actionableBy(actor, PENDING_LIST_LIMIT);
  } catch (err) {
    await context.sendActivity(Pending.lookupFailed(explainFailure(deps.logger, err, "pending: role lookup failed")));
    return;
  }
  // Each request by what it revokes: its first users (all of a set up to PENDING_USERS) name it.
  const items: PendingItem[] = [];
  for (const item of open) {
    const view = await deps.revocations.summary(item.request.id, Math.min(item.targetCount, PENDING_USERS));
    items.push({ ...item, targets: view?.rows.map((r) => r.target) ?? [] });
  }
  await context.sendActivity(pendingReply(items, PENDING_LIST_LIMIT, deps.now?.()));
};
