import type { CommandHandler } from "./dispatch.js";

/** Text that parsed as no valid command: what was wrong, and what to type instead. Nothing else happens. */
export const parseError: CommandHandler<"error"> = async (context, command) => {
  await context.sendActivity(`${command.message}\n\nTry: \`${command.hint}\``);
};
