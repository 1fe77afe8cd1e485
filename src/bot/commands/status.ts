import { RoleReplies, Status, statusReply } from "../../cards/chat-replies.js";
import { statusSignInLines, type StatusSignIns } from "../../cards/watch-replies.js";
import type { DirectoryUser } from "../../directory/types.js";
import { userMessageOf } from "../../errors.js";
import type { HandlerDeps } from "./ports.js";
import type { CommandHandler } from "./dispatch.js";
import { caller, explainFailure } from "./turn.js";

/**
 * `status <user>`. Order: who is asking, revoker or approver role; then the lookup, audited as
 * `status.viewed` (who looked up whom) whether or not the user exists.
 */
export const status: CommandHandler<"status"> = async (context, { target: key }, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  if (!who.roles.revoker && !who.roles.approver) {
    await context.sendActivity(RoleReplies.statusNeedsRole(who.actor.name));
    return;
  }
  let user;
  try {
    user = await deps.directory.getUser(key);
  } catch (err) {
    await context.sendActivity(explainFailure(deps.logger, err, "status lookup failed"));
    return;
  }
  await deps.auditor.record({
    actor: who.actor,
    action: "status.viewed",
    requestId: null,
    details: user === undefined ? { lookedUp: key, found: false } : { lookedUp: key, found: true, userId: user.id, upn: user.userPrincipalName },
  });
  if (user === undefined) {
    await context.sendActivity(Status.noSuchUser(key));
    return;
  }
  await context.sendActivity([statusReply(user, deps.now?.()), ...(await signInStatus(user, deps))].join("\n"));
};

/** Requests `status` lists at most. */
const LISTED_REQUESTS = 5;

/**
 * The sign-in part of `status`: each piece read on its own, and a piece that fails says why in its
 * line (a missing AuditLog.Read.All, no Entra ID P1 licence) instead of failing the whole answer.
 */
async function signInStatus(user: DirectoryUser, deps: HandlerDeps): Promise<string[]> {
  const info: StatusSignIns = {};
  const why = (err: unknown, what: string) => {
    deps.logger.warn({ err, userId: user.id }, what);
    return userMessageOf(err);
  };
  const signIns = deps.userSignIns;
  if (signIns !== undefined) {
    info.activity = await signIns.signInActivity(user.id).catch((err: unknown) => why(err, "status: sign-in activity failed"));
    const revokedAt = user.signInSessionsValidFromDateTime;
    info.since =
      revokedAt === null
        ? null
        : await signIns.successfulSince(user.id, new Date(revokedAt)).then(
            (r) => ({ revokedAt, count: r.count, more: r.more, lastIp: r.latest?.ipAddress ?? null, lastApp: r.latest?.appDisplayName ?? null }),
            (err: unknown) => why(err, "status: sign-ins since the revocation failed"),
          );
  }
  if (deps.userHistory !== undefined) {
    info.requests = await deps.userHistory.requestsTouching(user.id, LISTED_REQUESTS).catch((err: unknown) => why(err, "status: request history failed"));
  }
  return statusSignInLines(info);
}
