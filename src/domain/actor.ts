/**
 * Who acts on the bot: a person, as Teams names them (their Entra object ID), or an app calling
 * the automation API, whose ID is `app:` and its application (client) ID (see `appActor`).
 */
export interface Actor {
  aadObjectId: string;
  name: string;
}

/** The prefix of an app's actor ID: an Entra object ID never has it, so an app is never taken for a person. */
export const APP_ACTOR_PREFIX = "app:";

/** The actor for an app calling the automation API: its client ID, and its display name when the token says it. */
export function appActor(appId: string, displayName: string | undefined): Actor {
  const id = appId.toLowerCase();
  return { aadObjectId: `${APP_ACTOR_PREFIX}${id}`, name: displayName === undefined || displayName === "" ? `app ${id}` : `${displayName} (app)` };
}

/** True when the actor is an app (automation), never a person. */
export function isAppActor(actor: Pick<Actor, "aadObjectId">): boolean {
  return actor.aadObjectId.toLowerCase().startsWith(APP_ACTOR_PREFIX);
}
