import type { CommandHandler } from "./dispatch.js";
import { actorOf, explainFailure, stateWord, UNKNOWN_ACTOR } from "./turn.js";

/**
 * `cancel <id>`: withdraws the person's own pending request. The lifecycle decides from the
 * request's row (requester, state, expiry) before anything else is read: someone who merely
 * knows the ID makes the bot load nothing.
 */
export const cancel: CommandHandler<"cancel"> = async (context, { requestId }, deps) => {
  const actor = actorOf(context);
  if (actor === undefined) {
    await context.sendActivity(UNKNOWN_ACTOR);
    return;
  }
  let result;
  try {
    result = await deps.revocations.decide(requestId, actor, "cancel");
  } catch (err) {
    await context.sendActivity(`I could not withdraw ${requestId}, so nothing was changed: ${explainFailure(deps.logger, err, "cancel failed")}`);
    return;
  }
  switch (result.kind) {
    case "notFound":
      await context.sendActivity(`There is no request ${requestId}. Type \`pending\` to list yours.`);
      return;
    case "notPending":
      await context.sendActivity(`Request ${requestId} is ${stateWord(result.view.request.state)}; only a pending request can be withdrawn. Nothing was changed.`);
      return;
    case "refused":
      await context.sendActivity(`${result.reason} Nothing was changed.`);
      return;
    case "done":
      await context.sendActivity(`Request ${requestId} is withdrawn. Nothing was revoked.`);
      return;
  }
};
