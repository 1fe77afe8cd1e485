import { randomUUID } from "node:crypto";
import type { TurnContext } from "botbuilder";
import { ActivityTypes, MessageFactory, TurnContext as BotTurnContext } from "botbuilder";
import { NO_CONTAINMENT } from "../domain/containment.js";
import type { TeamsAdapter , TurnState } from "@microsoft/teams-ai";
import { Application } from "@microsoft/teams-ai/lib/Application";
import type { Logger } from "pino";
import { clipString } from "../audit/clip.js";
import { noticeCardData } from "../cards/present.js";
import { ADAPTIVE_CARD_CONTENT_TYPE, renderCard, type AdaptiveCardJson } from "../cards/render.js";
import { Greeting, NotUnderstood, SomethingWentWrong } from "../cards/chat-replies.js";
import { AskAnswers, ClickAnswers } from "../cards/notices.js";
import { Verbs } from "../cards/verbs.js";
import type { CardActions } from "./commands/card-actions.js";
import { ASK_INPUT_ID } from "./commands/ask-target.js";
import type { CommandHandlers } from "./commands/dispatch.js";
import { parseCommand } from "./commands/parse.js";
import { isValidTarget } from "../requests/input-rules.js";
import type { Conversations } from "./conversations.js";
import type { Messenger } from "./messenger.js";

export interface BotDeps {
  adapter: TeamsAdapter;
  botAppId: string;
  handlers: CommandHandlers;
  cardActions: CardActions;
  conversations: Conversations;
  messenger: Messenger;
  logger: Logger;
}

const ACTION_INVOKE = "adaptiveCard/action";

/**
 * The teams-ai Application and its route table: the one place routes are registered. Invoke
 * routes (card actions) answer at once; revocations run in the job runner.
 */
export function createBotApp(deps: BotDeps): Application<TurnState> {
  const { handlers, cardActions, conversations, logger } = deps;
  const app = new Application<TurnState>({
    adapter: deps.adapter,
    botAppId: deps.botAppId,
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
    adaptiveCards: { actionSubmitFilter: "verb" },
  });

  // Every activity teaches us a conversation reference (for audit posts and card edits later).
  app.turn("beforeTurn", async (context) => {
    await conversations.remember(BotTurnContext.getConversationReference(context.activity));
    return true;
  });

  app.conversationUpdate("membersAdded", async (context) => {
    const botId = context.activity.recipient.id;
    const added = context.activity.membersAdded ?? [];
    if (added.some((m) => m.id === botId)) {
      await context.sendActivity(Greeting);
    }
  });

  // Card actions (Universal Actions): decisions, and the refresh that gives each viewer their view.
  const decisions = [
    [Verbs.approve, "approve"],
    [Verbs.reject, "reject"],
    [Verbs.cancel, "cancel"],
    [Verbs.enableAnyway, "enableAnyway"],
    [Verbs.approveWithResponders, "approveWithResponders"],
    [Verbs.approveWithoutResponders, "approveWithoutResponders"],
  ] as const;
  for (const [verb, decision] of decisions) {
    // A refused click is answered with a message for the clicker (a string: teams-ai sends it as the
    // Universal Actions message response), so the request's card stays as it is.
    app.adaptiveCards.actionExecute(verb, async (context, _state, data) => {
      const r = await cardActions.decide(context, decision, data);
      if (r.kind !== "message") return r.card;
      // Logged too: some clients (the Agents Playground) do not show a message response.
      deps.logger.info({ clickAnswer: r.text }, "card click answered with a message");
      return r.text;
    });
  }
  app.adaptiveCards.actionExecute(Verbs.refresh, (context, _state, data) => cardActions.refresh(context, data));
  app.adaptiveCards.actionExecute(Verbs.ask, (context, _state, data) => Promise.resolve(askAnswered(deps, context, data)));

  // The same decisions through the Action.Submit fallback (clients without Universal Actions).
  for (const [verb, decision] of decisions) {
    app.adaptiveCards.actionSubmit(verb, async (context, _state, data) => {
      const result = await cardActions.decide(context, decision, data);
      // The card itself is edited for everyone by the job or the refresh; only refusals need words.
      if (result.kind === "message") await context.sendActivity(result.text);
      else if (result.kind === "notice") await context.sendActivity(MessageFactory.attachment(attachmentOf(result.card)));
    });
  }
  app.adaptiveCards.actionSubmit(Verbs.ask, async (context, _state, data) => {
    const card = askAnswered(deps, context, data);
    await context.sendActivity(MessageFactory.attachment(attachmentOf(card)));
  });

  // Any other card action (an unknown or forged verb) gets a clear error card and changes nothing.
  app.addRoute(
    (context) => Promise.resolve(context.activity.type === "invoke" && context.activity.name === ACTION_INVOKE),
    async (context) => {
      const verb = (context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
      logger.warn({ verb: typeof verb === "string" ? clipString(verb, 200) : typeof verb }, "card action with an unknown verb");
      await cardActions.unknownVerb(context, verb, (context.activity.value as { action?: { data?: unknown } } | undefined)?.action?.data);
      await sendMessageInvokeResponse(context, ClickAnswers.unknownAction);
    },
    true,
  );

  // Text commands.
  app.activity(ActivityTypes.Message, async (context) => {
    const text = context.activity.text ?? "";
    const command = parseCommand(text);
    if (command === undefined) {
      const submitted = context.activity.value as { verb?: unknown } | undefined;
      if (text.trim() === "" && submitted !== undefined && submitted !== null && "verb" in submitted) {
        // An Action.Submit whose verb no route took: not one the bot puts on its cards.
        logger.warn({ verb: typeof submitted.verb === "string" ? clipString(submitted.verb, 200) : typeof submitted.verb }, "card submit with an unknown verb");
        await cardActions.unknownVerb(context, submitted.verb, submitted);
        await context.sendActivity(ClickAnswers.unknownAction);
        return;
      }
      if (text.trim() === "") return; // e.g. a card submit without a verb: nothing to answer
      await context.sendActivity(NotUnderstood);
      return;
    }
    await handlers.handle(context, command);
  });

  app.error(async (context, error) => {
    const correlationId = randomUUID();
    logger.error({ err: error, correlationId, activityType: context.activity.type }, "unhandled error in turn");
    // Tell the person something true and useful, never internals.
    if (context.activity.type === "message") {
      await context.sendActivity(SomethingWentWrong(correlationId));
    }
  });

  return app;
}

/**
 * The ask card's Look up: validates the typed user, then hands over to `revoke user` in the
 * background (outside the invoke's deadline); the confirmation card arrives as a new message.
 */
function askAnswered(deps: BotDeps, context: TurnContext, data: unknown): AdaptiveCardJson {
  const raw = (data as Record<string, unknown> | undefined)?.[ASK_INPUT_ID];
  const target = typeof raw === "string" ? raw.trim() : "";
  if (!isValidTarget(target)) {
    return renderCard("revoke-ask", {
      askVerb: Verbs.ask,
      inputId: ASK_INPUT_ID,
      error: target === "" ? AskAnswers.empty : AskAnswers.invalid(target.slice(0, 60)),
    });
  }
  const ref = BotTurnContext.getConversationReference(context.activity);
  deps.messenger
    .run(ref, (ctx) => deps.handlers.handle(ctx, { kind: "revokeUsers", targets: [target], reason: "", disable: false, containment: NO_CONTAINMENT }))
    .catch((err: unknown) => deps.logger.error({ err }, "revoke from the ask card failed"));
  return renderCard("notice", noticeCardData(AskAnswers.lookingUpTitle, AskAnswers.lookingUp(target), "accent"));
}

function attachmentOf(card: AdaptiveCardJson) {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

/** Answers a Universal Action with a message for the clicker; the card stays as it is. */
async function sendMessageInvokeResponse(context: TurnContext, text: string): Promise<void> {
  await context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: text } },
  });
}
