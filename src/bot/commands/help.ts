import { HELP_DETAILS, HELP_TEXT } from "../../cards/chat-replies.js";
import type { CommandHandler } from "./dispatch.js";

export { HELP_TEXT };

/** `help` and `help <command>` */
export const help: CommandHandler<"help"> = async (context, command) => {
  await context.sendActivity(command.topic === undefined ? HELP_TEXT : HELP_DETAILS[command.topic]);
};
