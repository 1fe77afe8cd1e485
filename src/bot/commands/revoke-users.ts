import { Requests } from "../../cards/chat-replies.js";
import { escapeMarkdown } from "../../cards/markdown.js";
import type { DirectoryUser } from "../../directory/types.js";
import type { CommandHandler } from "./dispatch.js";
import { createRequest, sortOut } from "./new-request.js";
import { resolveNamedUsers } from "../../requests/selections.js";
import { explainFailure, requester } from "./turn.js";

/**
 * `revoke user …`. Order: who is asking (an Entra object ID), revoker role, pending cap; then every
 * target resolved; then the separation-of-duties rule; then the request and its card.
 */
export const revokeUsers: CommandHandler<"revokeUsers"> = async (context, { targets: keys, reason, disable, containment }, deps) => {
  const command = `revoke user ${keys.join(" ")}`;
  const actor = await requester(context, deps, command);
  if (actor === undefined) return;

  let resolved: DirectoryUser[];
  try {
    const result = await resolveNamedUsers(deps.directory, keys);
    if (result.problems.length > 0) {
      await context.sendActivity(Requests.unresolved(result.problems.map((p) => Requests.unresolvedUser(escapeMarkdown(p.key), p.notAUser))));
      return;
    }
    resolved = result.users;
  } catch (err) {
    await context.sendActivity(Requests.failed(explainFailure(deps.logger, err, "target resolution failed")));
    return;
  }
  const { targets, excluded } = await sortOut(deps, resolved);
  if (targets.length === 0) {
    const why = excluded.map((e) => (e.why === "guest" ? Requests.guestOnly(e.user.userPrincipalName) : Requests.protectedOnly(e.user.userPrincipalName)));
    await context.sendActivity(Requests.nothingToRevoke(why));
    return;
  }
  await createRequest(context, deps, actor, command, { targets, excluded, reason, disable, containment, selected: { kind: "users" } });
};
