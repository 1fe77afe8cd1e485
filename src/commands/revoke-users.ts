import { escapeMarkdown } from "../cards/markdown.js";
import type { DirectoryUser } from "../directory/types.js";
import type { CommandHandler } from "./dispatch.js";
import { createRequest, sortOut } from "./new-request.js";
import { resolveNamedUsers } from "./selections.js";
import { explainFailure, requester } from "./turn.js";

/**
 * `revoke user …`. Order: who is asking (an Entra object ID), revoker role, pending cap; then every
 * target resolved; then the separation-of-duties rule; then the request and its card.
 */
export const revokeUsers: CommandHandler<"revokeUsers"> = async (context, { targets: keys, reason, disable }, deps) => {
  const command = `revoke user ${keys.join(" ")}`;
  const actor = await requester(context, deps, command);
  if (actor === undefined) return;

  let resolved: DirectoryUser[];
  try {
    const result = await resolveNamedUsers(deps.directory, keys, escapeMarkdown);
    if (result.problems.length > 0) {
      await context.sendActivity(
        `Nothing was requested:\n\n${result.problems.map((p) => `- ${p.message}`).join("\n")}\n\nCheck the spelling, or use the object ID from the Entra admin center (Users → the user → Object ID).`,
      );
      return;
    }
    resolved = result.users;
  } catch (err) {
    await context.sendActivity(`Nothing was requested: ${explainFailure(deps.logger, err, "target resolution failed")}`);
    return;
  }
  const { targets, excluded } = await sortOut(deps, resolved);
  if (targets.length === 0) {
    const why = excluded
      .map((e) =>
        e.why === "guest"
          ? `${escapeMarkdown(e.user.userPrincipalName)} is a guest; their sessions live in their home tenant, so this tenant cannot revoke them.`
          : `${escapeMarkdown(e.user.userPrincipalName)} is a protected account (PROTECTED_USER_IDS) and is never revoked.`,
      )
      .join("\n\n");
    await context.sendActivity(`Nothing to revoke.\n\n${why}`);
    return;
  }
  await createRequest(context, deps, actor, command, { targets, excluded, reason, disable });
};
