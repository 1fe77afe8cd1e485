import { HELP_TEXT } from "../cards/chat-replies.js";
import type { CommandHandler } from "./dispatch.js";

export { HELP_TEXT };

/** `help` */
export const help: CommandHandler<"help"> = async (context) => {
  await context.sendActivity(HELP_TEXT);
};
