import { Cancel, UnknownActor } from "../../cards/chat-replies.js";
import type { CommandHandler } from "./dispatch.js";
import { actorOf, explainFailure, stateWord } from "./turn.js";

/**
 * `cancel <id>`: withdraws the person's own pending request. The lifecycle decides from the
 * request's row (requester, state, expiry) before anything else is read: someone who merely
 * knows the ID makes the bot load nothing.
 */
export const cancel: CommandHandler<"cancel"> = async (context, { requestId }, deps) => {
  const actor = actorOf(context);
  if (actor === undefined) {
    await context.sendActivity(UnknownActor);
    return;
  }
  let result;
  try {
    result = await deps.revocations.decide(requestId, actor, "cancel");
  } catch (err) {
    await context.sendActivity(Cancel.failed(requestId, explainFailure(deps.logger, err, "cancel failed")));
    return;
  }
  switch (result.kind) {
    case "notFound":
      await context.sendActivity(Cancel.notFound(requestId));
      return;
    case "notPending":
      await context.sendActivity(Cancel.notPending(requestId, stateWord(result.view.request.state)));
      return;
    case "refused":
      await context.sendActivity(Cancel.refused(result.reason));
      return;
    case "done":
      await context.sendActivity(Cancel.done(requestId));
      return;
  }
};
