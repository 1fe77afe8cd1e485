import { Requests } from "../../cards/chat-replies.js";
import type { TurnContext } from "botbuilder";
import type { FailedSignIns } from "../../directory/directory.js";
import type { DirectoryUser } from "../../directory/types.js";
import { PendingCapReached } from "../../revocation/request-store.js";
import type { Actor } from "../../domain/actor.js";
import type { Containment } from "../../domain/containment.js";
import type { RequestAction } from "../../domain/request-state.js";
import type { Responder } from "../../domain/responder.js";
import type { RequestSelection } from "../../domain/selection.js";
import type { ExcludedTarget, RevocationRequest } from "../../revocation/types.js";
import type { HandlerDeps } from "./ports.js";
import { sortOutUsers } from "../../requests/selections.js";
import { explainFailure, referenceOf } from "./turn.js";

/** A resolved set, ready to become a request. */
export interface TargetSet {
  targets: DirectoryUser[];
  excluded: ExcludedTarget[];
  reason: string;
  disable: boolean;
  /** `--reset-password` / `--confirm-compromised`. */
  containment: Containment;
  /** revoke (the default) or enable (`enable <user>`). */
  action?: RequestAction;
  /** An enable of an account this bot did not disable. */
  foreignDisable?: boolean;
  /** `revoke ip`: the failed sign-ins from the address (shown on the card, never targets). */
  failedSignIns?: FailedSignIns;
  /** An enable: the request of this bot's latest --disable of the account, or null. */
  enableAgainst?: string | null;
  /** How the targets were chosen (stored with the request to title its cards). */
  selected?: RequestSelection;
}

/**
 * Creates the request from a resolved set and posts its card (and, when it needs a second
 * person, its approval copy). The separation-of-duties rule is decided here from the targets in
 * hand: size, `--disable`, containment, and whether any target, in a set of any size, is a
 * responder (a member of a revoker or approver group, read from Graph once for this request).
 */
export async function createRequest(context: TurnContext, deps: HandlerDeps, actor: Actor, command: string, set: TargetSet): Promise<void> {
  const { targets } = set;
  let secondPerson: string | null;
  let responders: Responder[];
  try {
    // An enable re-enables an account and always needs a second person: no responder rule applies.
    responders = set.action === "enable" ? [] : await deps.revocations.respondersIn(targets);
    secondPerson = deps.revocations.secondPersonOf({ targetCount: targets.length, disable: set.disable, containment: set.containment, responders, action: set.action });
  } catch (err) {
    await context.sendActivity(Requests.roleCheckFailed(explainFailure(deps.logger, err, "target role check failed")));
    return;
  }
  // A request that needs a second person needs an approver to see its card: from a personal
  // chat, that is only possible through the approval channel.
  const approvalChannel = await deps.cards.approvalChannelFor(context, secondPerson !== null);
  if (secondPerson !== null && approvalChannel === undefined && context.activity.conversation.conversationType === "personal") {
    const reason = Requests.noApprovalChannelReason(secondPerson);
    await deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command, reason } });
    await context.sendActivity(Requests.noApprovalChannel(reason));
    return;
  }
  let request: RevocationRequest;
  try {
    request = await deps.revocations.create({
      requester: actor,
      reason: set.reason,
      disable: set.disable,
      containment: set.containment,
      targets,
      excluded: set.excluded,
      origin: referenceOf(context),
      approvalChannel: approvalChannel?.conversation?.id ?? "",
      selection: command,
      ...(set.selected === undefined ? {} : { selected: set.selected }),
      secondPerson,
      responders,
      ...(set.failedSignIns === undefined ? {} : { failedSignIns: set.failedSignIns }),
      ...(set.action === undefined ? {} : { action: set.action, foreignDisable: set.foreignDisable === true, enableAgainst: set.enableAgainst ?? null }),
    });
  } catch (err) {
    if (!(err instanceof PendingCapReached)) throw err;
    // The binding count: concurrent messages of one person all passed the early one (turn.ts).
    const reason = `you already have ${err.open} pending requests, the most one person may have open at once (MAX_PENDING_PER_REQUESTER=${err.max})`;
    await deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command, reason } });
    await context.sendActivity(Requests.tooManyOpen(err.open));
    return;
  }
  await deps.cards.publish(context, request, approvalChannel, secondPerson);
}

/** Splits named users into targets and those left out (protected accounts, guests), as a selection is. */
export function sortOut(deps: HandlerDeps, users: DirectoryUser[]): Promise<{ targets: DirectoryUser[]; excluded: ExcludedTarget[] }> {
  return sortOutUsers(users, deps.protectedUsers);
}
