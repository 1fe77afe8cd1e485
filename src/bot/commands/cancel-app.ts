import { CancelApp } from "../../cards/chat-replies.js";
import { APP_ACTOR_PREFIX, isAppActor, type Actor } from "../../domain/actor.js";
import type { CommandHandler } from "./dispatch.js";
import { caller, explainFailure } from "./turn.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APP_SUFFIX = " (app)";

/** The app's name as people type it: its display name without " (app)". */
function appName(actor: Actor): string {
  return (actor.name.endsWith(APP_SUFFIX) ? actor.name.slice(0, -APP_SUFFIX.length) : actor.name).trim().toLowerCase();
}

/**
 * `cancel app <app-id-or-name>`: an approver rejects every pending request of one automation app
 * at once. Removing the app's role stops new tokens only: tokens already issued stay valid for
 * their lifetime, and requests already made wait for approval. Each rejection is the lifecycle's
 * own (compare-and-set, audited as `request.rejected` with the emergency-stop comment, card
 * updated); a refusal is audited as `request.refused`.
 */
export const cancelApp: CommandHandler<"cancelApp"> = async (context, { app }, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  const command = `cancel app ${app}`;
  if (!who.roles.approver) {
    await deps.auditor.record({ actor: who.actor, action: "request.refused", requestId: null, details: { command, reason: CancelApp.refusedReason } });
    await context.sendActivity(CancelApp.refused);
    return;
  }
  try {
    const wanted = app.toLowerCase();
    const byId = GUID.test(wanted);
    const heads = await deps.revocations.openRequests(byId ? `${APP_ACTOR_PREFIX}${wanted}` : undefined);
    const ofApp = heads.filter(({ request }) => isAppActor(request.requester) && (byId || appName(request.requester) === wanted));
    const apps = new Map(ofApp.map(({ request }) => [request.requester.aadObjectId.toLowerCase(), request.requester.name]));
    if (apps.size > 1) {
      await context.sendActivity(CancelApp.ambiguous(app, [...apps.values()]));
      return;
    }
    const name = [...apps.values()][0];
    if (name === undefined) {
      await context.sendActivity(CancelApp.none(app));
      return;
    }
    const rejected: string[] = [];
    let notChanged = 0;
    for (const { request } of ofApp) {
      const result = await deps.revocations.decide(request.id, who.actor, "reject", CancelApp.comment(name));
      if (result.kind === "done") rejected.push(request.id);
      else notChanged++;
    }
    if (rejected.length === 0) await context.sendActivity(CancelApp.none(app));
    else await context.sendActivity(CancelApp.done(name, rejected, notChanged));
  } catch (err) {
    await context.sendActivity(CancelApp.failed(explainFailure(deps.logger, err, "cancel app failed")));
  }
};
