import { endedWords, WATCH_STOP_REPLIES, watchListText } from "../../cards/watch-replies.js";
import type { CommandHandler } from "./dispatch.js";
import { caller, explainFailure } from "./turn.js";

/** Watches `watch` lists at most. */
const LISTED_WATCHES = 20;

const UNAVAILABLE = "Sign-in watching is not running in this bot, so there is nothing to list or stop.";

/** `watch`: the active post-revocation sign-in watches (revokers and approvers). */
export const watch: CommandHandler<"watch"> = async (context, _command, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  if (!who.roles.revoker && !who.roles.approver) {
    await context.sendActivity(WATCH_STOP_REPLIES.roleRequired);
    return;
  }
  if (deps.watches === undefined) {
    await context.sendActivity(UNAVAILABLE);
    return;
  }
  try {
    await context.sendActivity(watchListText(await deps.watches.list(LISTED_WATCHES), deps.watches.hours));
  } catch (err) {
    await context.sendActivity(explainFailure(deps.logger, err, "listing watches failed"));
  }
};

/**
 * `watch stop <id>`: ends a watch. Order: who is asking and their roles; then the watch's row. An
 * approver, or the request's own requester while still a revoker, may; anyone else is refused and
 * the refusal audited. The stop is audited (watch.stopped) and said in the request's thread.
 */
export const watchStop: CommandHandler<"watchStop"> = async (context, { requestId }, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  if (deps.watches === undefined) {
    await context.sendActivity(UNAVAILABLE);
    return;
  }
  try {
    if (!who.roles.revoker && !who.roles.approver) {
      await deps.auditor.record({ actor: who.actor, action: "watch.refused", requestId, details: { reason: "not in a revoker or approver group" } });
      await context.sendActivity(WATCH_STOP_REPLIES.refused);
      return;
    }
    const listing = await deps.watches.listing(requestId);
    if (listing === undefined) {
      await context.sendActivity(WATCH_STOP_REPLIES.notFound(requestId));
      return;
    }
    if (listing.watch.state !== "active") {
      await context.sendActivity(WATCH_STOP_REPLIES.notActive(requestId, endedWords(listing.watch.state)));
      return;
    }
    if (!who.roles.approver) {
      const request = await deps.revocations.summary(requestId, 0);
      const isRequester = request?.request.requester.aadObjectId.toLowerCase() === who.actor.aadObjectId.toLowerCase();
      if (!isRequester) {
        await deps.auditor.record({ actor: who.actor, action: "watch.refused", requestId, details: { reason: "neither an approver nor the request's requester" } });
        await context.sendActivity(WATCH_STOP_REPLIES.refused);
        return;
      }
    }
    const result = await deps.watches.stop(requestId, who.actor, "");
    if (result === "stopped") await context.sendActivity(WATCH_STOP_REPLIES.stopped(requestId));
    else if (result === "notFound") await context.sendActivity(WATCH_STOP_REPLIES.notFound(requestId));
    else await context.sendActivity(WATCH_STOP_REPLIES.notActive(requestId, "has just ended"));
  } catch (err) {
    await context.sendActivity(`Nothing was changed: ${explainFailure(deps.logger, err, "watch stop failed")}`);
  }
};
