import { escapeMarkdown } from "../cards/markdown.js";
import { formatTime } from "../cards/present.js";
import type { CommandHandler } from "./dispatch.js";
import { actorOf, explainFailure, UNKNOWN_ACTOR } from "./turn.js";

/** Requests `pending` lists at most. */
export const PENDING_LIST_LIMIT = 20;

/**
 * `pending`: open requests the person can act on, from the requests' rows and counts (never their
 * target lists); an approver's list includes others' requests, anyone else's only their own.
 */
export const pending: CommandHandler<"pending"> = async (context, _command, deps) => {
  const actor = actorOf(context);
  if (actor === undefined) {
    await context.sendActivity(UNKNOWN_ACTOR);
    return;
  }
  let open;
  try {
    open = await deps.revocations.actionableBy(actor, PENDING_LIST_LIMIT);
  } catch (err) {
    await context.sendActivity(`I could not check your role, so I cannot list requests: ${explainFailure(deps.logger, err, "pending: role lookup failed")}`);
    return;
  }
  if (open.length === 0) {
    await context.sendActivity("There are no open requests you can act on.");
    return;
  }
  const lines = open.map(({ request: r, targetCount, abilities }) => {
    const can = [abilities.approve ? "approve" : "", abilities.reject ? "reject" : "", abilities.cancel ? "withdraw" : ""].filter((w) => w !== "");
    const where = r.approvalCard === null ? "its card in the conversation it was asked in" : "its card in the approval channel";
    return `- **${r.id}** from ${escapeMarkdown(r.requester.name)}: ${targetCount} user(s), expires ${formatTime(r.expiresAt)}${r.reason === "" ? "" : `, reason: ${escapeMarkdown(r.reason)}`}. You can ${can.join(" or ")}${abilities.approve || abilities.reject ? ` (on ${where})` : ""}.`;
  });
  await context.sendActivity(
    `Open requests you can act on${open.length === PENDING_LIST_LIMIT ? ` (the oldest ${PENDING_LIST_LIMIT})` : ""}:\n\n${lines.join("\n")}\n\nWithdraw your own with \`cancel <request-id>\`.`,
  );
};
