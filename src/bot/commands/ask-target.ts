import { MessageFactory } from "botbuilder";
import { cardAttachment } from "../../cards/render.js";
import { Verbs } from "../../cards/verbs.js";
import type { CommandHandler } from "./dispatch.js";

/** The input id of the ask card's text field. */
export const ASK_INPUT_ID = "target";

/** `revoke` alone: asks for the user with a card. */
export const askTarget: CommandHandler<"askTarget"> = async (context) => {
  await context.sendActivity(MessageFactory.attachment(cardAttachment("revoke-ask", { askVerb: Verbs.ask, inputId: ASK_INPUT_ID, error: "" })));
};
