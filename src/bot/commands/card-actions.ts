import type { TurnContext } from "botbuilder";
import type { Logger } from "pino";
import { CARD_TARGET_LIMIT, COMMENT_INPUT_ID, noticeCardData, resultCardData } from "../../cards/present.js";
import { renderCard, type AdaptiveCardJson } from "../../cards/render.js";
import { clipString } from "../../audit/clip.js";
import { ClickAnswers, RefreshNotices } from "../../cards/notices.js";
import type { DecisionVerb } from "../../requests/decision.js";
import type { RevocationService } from "../../requests/lifecycle.js";
import type { RequestSummary } from "../../revocation/request-store.js";
import type { Actor } from "../../domain/actor.js";
import { FINAL_STATES } from "../../domain/request-state.js";
import type { RevocationRequest } from "../../revocation/types.js";
import type { FinalCardPort, RequestCardsPort } from "./ports.js";
import { actorOf, explainFailure } from "./turn.js";
import { hasControlCharacter, MAX_COMMENT_LENGTH } from "../../requests/input-rules.js";
import { REQUEST_ID } from "../../requests/request-id.js";

/**
 * How a click is answered: the request's card as it now stands ("state", or "notice" when the click
 * came too late and the card shows why), or, when the click was refused and changed nothing, a
 * message for the clicker alone that leaves the card as it is.
 */
export type CardAnswer = { kind: "notice" | "state"; card: AdaptiveCardJson } | { kind: "message"; text: string };

/** Keys a request card's action data may carry: ours, the comment input, the Submit fallback's verb, Teams' own. */
const ALLOWED_KEYS = new Set(["requestId", COMMENT_INPUT_ID, "verb", "msteams"]);

/** The action data of a request card, checked; or why it is not one the bot made. */
type CardData = { ok: true; requestId: string; comment: string | null } | { ok: false; why: string; claimedRequestId: string | null };

/**
 * A card's decision: the lifecycle's verbs, "Enable anyway" (an approval with its confirmation),
 * and the two approvals of a set with responders (including them, or leaving them out).
 */
export type CardDecision = DecisionVerb | "enableAnyway" | "approveWithResponders" | "approveWithoutResponders";

const PAST: Record<CardDecision, string> = {
  approve: "approved",
  reject: "rejected",
  cancel: "withdrawn",
  enableAnyway: "approved",
  approveWithResponders: "approved",
  approveWithoutResponders: "approved",
};

/**
 * Clicks on a request's card (Action.Execute, or its Action.Submit fallback) and the card's
 * refresh. Nothing on the card is trusted but the request ID and the comment: roles are looked up,
 * the conversation must hold one of the request's cards, and the lifecycle decides. Anything that
 * does not fit is answered with a message for the clicker, audited, and changes nothing.
 */
export class CardActions {
  constructor(
    private readonly deps: { revocations: RevocationService; cards: RequestCardsPort; notifier: FinalCardPort; logger: Logger },
  ) {}

  /** Approve, Reject, Withdraw or Enable anyway: the card as it now stands, or a message when the click was refused. */
  async decide(context: TurnContext, verb: CardDecision, data: unknown): Promise<CardAnswer> {
    const actor = actorOf(context);
    if (actor === undefined) {
      return message(ClickAnswers.noIdentity);
    }
    const checked = await this.check(context, actor, verb, data);
    if (!checked.ok) return checked.answer;
    const { request, comment } = checked;

    // Some connectors (the Agents Playground) answer a sent card without its message ID; the
    // click names the card's message, so later edits can still replace it in place.
    const clickedCard = context.activity.replyToId;
    const where = this.deps.cards.cardIn(request, context.activity.conversation.id);
    if (clickedCard !== undefined && clickedCard !== "") {
      if (where === "origin" && request.cardActivityId === null) await this.deps.revocations.attachCard(request.id, clickedCard);
      if (where === "approval" && request.approvalCard !== null && request.approvalCard.activityId === null) {
        await this.deps.revocations.attachApprovalCard(request.id, { reference: request.approvalCard.reference, activityId: clickedCard });
      }
    }

    let result;
    try {
      const { revocations } = this.deps;
      result =
        verb === "enableAnyway"
          ? await revocations.decide(request.id, actor, "approve", comment, { enableAnyway: true })
          : verb === "approveWithResponders"
            ? await revocations.decide(request.id, actor, "approve", comment, { responders: "include" })
            : verb === "approveWithoutResponders"
              ? await revocations.decide(request.id, actor, "approve", comment, { responders: "exclude" })
              : await revocations.decide(request.id, actor, verb, comment);
    } catch (err) {
      return message(ClickAnswers.notRecorded(explainFailure(this.deps.logger, err, "card decision failed")));
    }
    switch (result.kind) {
      case "notFound":
        return message(ClickAnswers.unknownRequest(request.id));
      case "refused":
        // The card stays as it is for everyone; the clicker alone reads why.
        return message(ClickAnswers.refused(result.reason));
      case "notPending":
        // Already decided (a replayed click, or someone else first): say so, and show the state.
        // Only a final state is re-sent to everyone: a running job edits the card itself, and
        // re-sending an older running snapshot could land after the job's final edit.
        if (FINAL_STATES.has(result.view.request.state)) this.refreshForEveryone(result.view);
        return {
          kind: "notice",
          card: renderCard("revoke-result", resultCardData(result.view, alreadyDecided(result.view.request, verb))),
        };
      case "done":
        // The job (approved) or the lifecycle (rejected, withdrawn) edits the card for everyone.
        return { kind: "state", card: renderCard("revoke-result", resultCardData(result.view)) };
    }
  }

  /** A card action with a verb the bot never put on a card: audited (it changes nothing). */
  async unknownVerb(context: TurnContext, verb: unknown, data: unknown): Promise<void> {
    const actor = actorOf(context);
    if (actor === undefined) return;
    const rawId = (data as { requestId?: unknown } | undefined)?.requestId;
    const claimed = typeof rawId === "string" && REQUEST_ID.test(rawId) ? rawId : null;
    await this.forged(actor, typeof verb === "string" ? verb.slice(0, 60) : "(none)", "unknown action verb", claimed, context.activity.conversation.id, await this.existing(claimed));
  }

  /** The card's refresh: this viewer's own view of the request as it is now. */
  async refresh(context: TurnContext, data: unknown): Promise<AdaptiveCardJson> {
    const actor = actorOf(context);
    const conversation = context.activity.conversation.id;
    const checked = readCardData(data);
    if (actor === undefined || !checked.ok) {
      if (actor !== undefined && !checked.ok) {
        await this.forged(actor, "refresh", checked.why, checked.claimedRequestId, conversation, await this.existing(checked.claimedRequestId));
      }
      return renderCard("notice", noticeCardData(RefreshNotices.title, RefreshNotices.notOurs, "attention"));
    }
    // Where the card is and what state it is in come from the request's row; its users are read
    // (at most a card's worth) only to show them to a viewer in a conversation that holds it.
    const head = await this.deps.revocations.head(checked.requestId);
    const request = head?.request;
    if (request === undefined || this.deps.cards.cardIn(request, conversation) === undefined) {
      // A refresh shows what the request is; one from elsewhere is probing, so it is recorded.
      const why = request === undefined ? "no such request" : "the request's card is not in this conversation";
      await this.forged(actor, "refresh", why, checked.requestId, conversation, request?.id ?? null);
      return renderCard("notice", noticeCardData(RefreshNotices.title, RefreshNotices.elsewhere(checked.requestId), "attention"));
    }
    const view = await this.deps.revocations.summary(request.id, CARD_TARGET_LIMIT);
    if (view === undefined) return renderCard("notice", noticeCardData(RefreshNotices.title, RefreshNotices.gone(request.id), "attention"));
    if (view.request.state !== "pending") return renderCard("revoke-result", resultCardData(view));
    try {
      return await this.deps.cards.viewFor(view, actor);
    } catch (err) {
      // Without roles there are no buttons: the request shows as waiting; a later refresh retries.
      this.deps.logger.warn({ err, requestId: request.id }, "role lookup for a card refresh failed");
      return this.deps.cards.waitingView(view);
    }
  }

  /**
   * The request the card action names, if the action is one the bot could have made and comes
   * from a conversation that holds the request's card; otherwise the message saying why, after auditing it.
   */
  private async check(
    context: TurnContext,
    actor: Actor,
    verb: CardDecision,
    data: unknown,
  ): Promise<{ ok: true; request: RevocationRequest; comment: string | null } | { ok: false; answer: CardAnswer }> {
    const conversation = context.activity.conversation.id;
    const checked = readCardData(data);
    if (!checked.ok) {
      await this.forged(actor, verb, checked.why, checked.claimedRequestId, conversation, await this.existing(checked.claimedRequestId));
      return { ok: false, answer: message(ClickAnswers.invalid(checked.why)) };
    }
    // The request's row only: who may click, and from where, is decided before any user is read.
    const request = (await this.deps.revocations.head(checked.requestId))?.request;
    if (request === undefined) {
      await this.forged(actor, verb, "no such request", checked.requestId, conversation, null);
      return { ok: false, answer: message(ClickAnswers.unknownRequest(checked.requestId)) };
    }
    if (this.deps.cards.cardIn(request, conversation) === undefined) {
      this.deps.logger.warn({ requestId: request.id, conversation: clipString(conversation, 200) }, "card action from another conversation");
      await this.forged(actor, verb, "the request's card is not in this conversation", request.id, conversation, request.id);
      return { ok: false, answer: message(ClickAnswers.otherConversation(request.id)) };
    }
    return { ok: true, request, comment: checked.comment };
  }

  /**
   * Audits a refused card action. `requestId` is the request column: a request that exists, or
   * null; whatever the action claimed stays in the details.
   */
  private async forged(actor: Actor, verb: string, why: string, claimedRequestId: string | null, conversation: string, requestId: string | null): Promise<void> {
    await this.deps.revocations.refuse(actor, requestId, {
      verb,
      reason: `card action refused: ${why}`,
      claimedRequestId: claimedRequestId ?? "",
      // The conversation ID comes from the activity: clipped, as any text a client chose.
      conversation: clipString(conversation, 200),
    });
  }

  /** The ID if a request with it exists (a well-formed ID on an altered card may name a real one). */
  private async existing(id: string | null): Promise<string | null> {
    if (id === null || !REQUEST_ID.test(id)) return null;
    return (await this.deps.revocations.exists(id)) ? id : null;
  }


  /** Edits the card for every viewer, outside this turn (an invoke must be answered at once). */
  private refreshForEveryone(view: RequestSummary): void {
    this.deps.notifier.showFinal(view).catch((err: unknown) => {
      this.deps.logger.warn({ err, requestId: view.request.id }, "card refresh failed");
    });
  }
}

/** Checks a request card's action data: a well-formed request ID, an optional comment, nothing else. */
export function readCardData(data: unknown): CardData {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, why: "This card action carries no data.", claimedRequestId: null };
  }
  const record = data as Record<string, unknown>;
  const rawId = record.requestId;
  const claimed = typeof rawId === "string" ? rawId.slice(0, 40) : null;
  if (typeof rawId !== "string" || !REQUEST_ID.test(rawId)) {
    return { ok: false, why: "This card action names no valid request ID.", claimedRequestId: claimed };
  }
  const extra = Object.keys(record).filter((k) => !ALLOWED_KEYS.has(k));
  if (extra.length > 0) {
    return {
      ok: false,
      why: `This card action carries fields the bot never puts on its cards (${extra.slice(0, 5).join(", ")}); the card was altered.`,
      claimedRequestId: rawId,
    };
  }
  const rawComment = record[COMMENT_INPUT_ID];
  if (rawComment === undefined || rawComment === null) return { ok: true, requestId: rawId, comment: null };
  if (typeof rawComment !== "string") {
    return { ok: false, why: "The comment is not text; the card was altered.", claimedRequestId: rawId };
  }
  const comment = rawComment.replace(/\r\n?/g, "\n").trim();
  if (comment.length > MAX_COMMENT_LENGTH) {
    return { ok: false, why: `The comment is ${comment.length} characters long; keep it to ${MAX_COMMENT_LENGTH}.`, claimedRequestId: rawId };
  }
  if (hasControlCharacter(comment, { allowNewline: true })) {
    return { ok: false, why: "The comment contains control characters; type plain text.", claimedRequestId: rawId };
  }
  return { ok: true, requestId: rawId, comment: comment === "" ? null : comment };
}

function alreadyDecided(request: RevocationRequest, verb: CardDecision): string {
  const state = request.state === "expired" ? "expired" : request.state === "cancelled" ? "withdrawn" : request.state === "rejected" ? "rejected" : "approved";
  const by = request.state === "expired" || request.decidedBy === null ? null : request.decidedBy.name;
  return ClickAnswers.alreadyDecided(request.id, state, by, PAST[verb]);
}

function message(text: string): CardAnswer {
  return { kind: "message", text };
}
