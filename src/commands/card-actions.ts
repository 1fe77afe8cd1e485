import type { TurnContext } from "botbuilder";
import type { Logger } from "pino";
import { channelRootId } from "./conversation-id.js";
import { noticeCardData, resultCardData } from "../cards/present.js";
import { renderCard, type AdaptiveCardJson } from "../cards/render.js";
import type { ProgressListener } from "../revocation/job-runner.js";
import type { DecisionVerb, RevocationService } from "../revocation/lifecycle.js";
import { FINAL_STATES, type RevocationRequest } from "../revocation/types.js";
import { actorOf } from "./handlers.js";

export interface CardAnswer {
  kind: "notice" | "state";
  card: AdaptiveCardJson;
}

/**
 * Confirm / Cancel clicked on a request's card (Action.Execute, or its Action.Submit fallback).
 * Records the decision and answers at once; the revocation runs in the job runner, which edits
 * the card for everyone as it goes.
 */
export class CardActions {
  constructor(
    private readonly deps: { revocations: RevocationService; notifier: ProgressListener; logger: Logger },
  ) {}

  /**
   * Returns the card that replaces the clicked one for the person who clicked: a notice when
   * nothing changed (refused, unknown, forged), else the request's current state.
   */
  async decide(context: TurnContext, verb: DecisionVerb, data: unknown): Promise<CardAnswer> {
    const actor = actorOf(context);
    if (actor === undefined) {
      return notice("Who are you?", "This action carries no Entra object ID, so it cannot count. Use the card in Microsoft Teams.");
    }
    const requestId = requestIdOf(data);
    if (requestId === undefined) {
      return notice("Not a valid request", "This card action names no request. Nothing was changed.");
    }
    const request = await this.deps.revocations.get(requestId);
    if (request === undefined) {
      return notice("Unknown request", `There is no request ${requestId}. Nothing was changed.`);
    }
    if (!sameConversation(request, context)) {
      this.deps.logger.warn({ requestId, conversation: context.activity.conversation.id }, "card action from another conversation");
      return notice("Not this conversation's request", `Request ${requestId} was made in another conversation; act on it there. Nothing was changed.`);
    }

    // Some connectors (the Agents Playground) answer a sent card without its message ID; the
    // click names the card's message, so later edits can still replace it in place.
    const clickedCard = context.activity.replyToId;
    if (request.cardActivityId === null && clickedCard !== undefined && clickedCard !== "") {
      await this.deps.revocations.attachCard(requestId, clickedCard);
    }

    const result = await this.deps.revocations.decide(requestId, actor, verb);
    switch (result.kind) {
      case "notFound":
        return notice("Unknown request", `There is no request ${requestId}. Nothing was changed.`);
      case "refused":
        return notice("You cannot do that", `${result.reason} Nothing was changed.`);
      case "notPending":
        // Already decided (a second click, or someone else first): show the state as it is. Only a
        // final state is re-sent to everyone: a running job edits the card itself, and re-sending
        // an older running snapshot could land after the job's final edit.
        if (FINAL_STATES.has(result.request.state)) this.refreshForEveryone(result.request);
        return { kind: "state", card: renderCard("revoke-result", resultCardData(result.request)) };
      case "done":
        // The job (confirmed) or the lifecycle (cancelled, rejected) edits the card for everyone.
        return { kind: "state", card: renderCard("revoke-result", resultCardData(result.request)) };
    }
  }

  /** Edits the card for every viewer, outside this turn (an invoke must be answered at once). */
  private refreshForEveryone(request: RevocationRequest): void {
    this.deps.notifier.onFinished(request).catch((err: unknown) => {
      this.deps.logger.warn({ err, requestId: request.id }, "card refresh failed");
    });
  }
}

function requestIdOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const id = (data as { requestId?: unknown }).requestId;
  return typeof id === "string" && /^R-[0-9A-Z]{10}$/.test(id) ? id : undefined;
}

function sameConversation(request: RevocationRequest, context: TurnContext): boolean {
  const origin = (request.origin as { conversation?: { id?: string } }).conversation?.id;
  if (origin === undefined) return false;
  return channelRootId(origin) === channelRootId(context.activity.conversation.id);
}

function notice(title: string, message: string): CardAnswer {
  return { kind: "notice", card: renderCard("notice", noticeCardData(title, message, "attention")) };
}
