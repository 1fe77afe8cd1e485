/**
 * The chat door of a proposal (src/requests/proposals.ts): where the card goes, how a refusal is
 * audited and said, and the card posted once the request is made.
 */
import type { TurnContext } from "botbuilder";
import { Requests } from "../../cards/chat-replies.js";
import { proposalRefusalReason, proposalRefusalReply } from "../../cards/proposal-replies.js";
import type { Actor } from "../../domain/actor.js";
import type { Roles } from "../../policy/roles.js";
import { RespondersUnknown, type FrozenSet, type ProposalDoor, type ProposalOptions, type ProposalRefusal } from "../../requests/proposals.js";
import type { HandlerDeps, Reference } from "./ports.js";
import { caller, explainFailure, referenceOf } from "./turn.js";

/** Where a chat request's card goes: its conversation, and the approval channel when it belongs there. */
export interface ChatPlace {
  approvalChannel: Reference | undefined;
}

/** A person proposing in chat: who, and their roles looked up for this message. */
export interface ChatProposer {
  actor: Actor;
  roles: Roles;
}

/** The chat door: `command` is the command as audited. */
export function chatDoor(context: TurnContext, deps: HandlerDeps, actor: Actor, command: string): ProposalDoor<ChatPlace> {
  return {
    recordRefusal: async (refusal) => {
      const reason = proposalRefusalReason(refusal);
      if (reason !== undefined) await deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command, reason } });
    },
    place: async (secondPerson) => {
      // A request that needs a second person needs an approver to see its card: from a personal
      // chat, that is only possible through the approval channel.
      const approvalChannel = await deps.cards.approvalChannelFor(context, secondPerson !== null);
      if (secondPerson !== null && approvalChannel === undefined && context.activity.conversation.conversationType === "personal") return undefined;
      return { approvalChannel };
    },
    originOf: () => referenceOf(context),
    approvalChannelOf: (place) => place.approvalChannel?.conversation?.id ?? "",
  };
}

/** Says a refused proposal to the person who made it. */
export async function sayRefusal(context: TurnContext, refusal: ProposalRefusal, actor: Actor): Promise<void> {
  await context.sendActivity(proposalRefusalReply(refusal, actor.name));
}

/**
 * The requester and their roles if they may make a new request (requests/proposals.ts `admit`: a
 * revoker, below MAX_PENDING_PER_REQUESTER open requests). Otherwise says why (the refusal is
 * audited) and gives undefined. Checked before any target is looked up.
 */
export async function requester(context: TurnContext, deps: HandlerDeps, command: string): Promise<{ actor: Actor; roles: Roles } | undefined> {
  const who = await caller(context, deps);
  if (who === undefined) return undefined;
  const admission = await deps.proposals.admit(who, chatDoor(context, deps, who.actor, command));
  if (admission.kind === "refused") {
    await sayRefusal(context, admission.refusal, who.actor);
    return undefined;
  }
  return who;
}

/** Makes the request from a frozen set and posts its card (and its approval copy where it needs one). */
export async function createRequest(context: TurnContext, deps: HandlerDeps, who: ChatProposer, set: FrozenSet, options: ProposalOptions): Promise<void> {
  let proposed;
  try {
    proposed = await deps.proposals.propose(who, set, options, chatDoor(context, deps, who.actor, options.command));
  } catch (err) {
    if (!(err instanceof RespondersUnknown)) throw err;
    await context.sendActivity(Requests.roleCheckFailed(explainFailure(deps.logger, err.cause, "target role check failed")));
    return;
  }
  if (proposed.kind === "refused") {
    await sayRefusal(context, proposed.refusal, who.actor);
    return;
  }
  await deps.cards.publish(context, proposed.request, proposed.place.approvalChannel, proposed.secondPerson);
}
