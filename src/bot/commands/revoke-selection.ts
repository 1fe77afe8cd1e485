import { Requests } from "../../cards/chat-replies.js";
import type { TurnContext } from "botbuilder";
import { escapeMarkdown } from "../../cards/markdown.js";
import { selectionWhat } from "../../cards/selection-words.js";
import { NO_CONTAINMENT, type Containment } from "../../domain/containment.js";
import type { CommandHandler } from "./dispatch.js";
import { chatDoor, createRequest, requester, sayRefusal } from "./new-request.js";
import type { HandlerDeps } from "./ports.js";
import { departmentSelection, disabledSelection, ipSelection, type SelectionSource } from "../../requests/selections.js";
import { explainFailure } from "./turn.js";

/** A bulk selection as chat asks for it: which users, and what the request says. */
export interface Selection extends SelectionSource {
  reason: string;
  disable: boolean;
  containment: Containment;
}

/** `revoke department <name> …` */
export const revokeDepartment: CommandHandler<"revokeDepartment"> = (context, command, deps) =>
  revokeSelection(context, deps, {
    ...departmentSelection(deps.directory, command.department),
    reason: command.reason,
    disable: command.disable,
    containment: command.containment,
  });

/** `revoke disabled …` */
export const revokeDisabled: CommandHandler<"revokeDisabled"> = (context, command, deps) =>
  revokeSelection(context, deps, { ...disabledSelection(deps.directory), reason: command.reason, disable: false, containment: NO_CONTAINMENT });

/** `revoke ip <address> …` */
export const revokeIp: CommandHandler<"revokeIp"> = (context, command, deps) => {
  const since = new Date((deps.now?.() ?? new Date()).getTime() - command.sinceHours * 3_600_000);
  return revokeSelection(context, deps, {
    ...ipSelection(deps.directory, command.ip, since, { option: `${command.sinceHours}h`, hours: command.sinceHours }),
    reason: command.reason,
    disable: command.disable,
    containment: command.containment,
  });
};

/**
 * A bulk selector. Order: who is asking, revoker role, pending cap; then the matching users page by
 * page into a frozen snapshot (guests and protected accounts left out); then the request and its card.
 */
async function revokeSelection(context: TurnContext, deps: HandlerDeps, selection: Selection): Promise<void> {
  const { command } = selection;
  const who = await requester(context, deps, command);
  if (who === undefined) return;
  await context.sendActivity(Requests.lookingUp(selectionWhat(selection.selected, escapeMarkdown)));
  let frozen;
  try {
    frozen = await deps.proposals.freeze({ kind: "selection", source: selection }, chatDoor(context, deps, who.actor, command));
  } catch (err) {
    await context.sendActivity(Requests.failed(explainFailure(deps.logger, err, "selection failed")));
    return;
  }
  if (frozen.kind === "refused") {
    await sayRefusal(context, frozen.refusal, who.actor);
    return;
  }
  await createRequest(context, deps, who, frozen.set, { reason: selection.reason, disable: selection.disable, containment: selection.containment, command });
}
