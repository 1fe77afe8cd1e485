/** What every command handler shares: who is acting, their roles, and safe replies. */
import type { ConversationReference } from "botbuilder";
import { TurnContext } from "botbuilder";
import type { Logger } from "pino";
import { RoleReplies, UnknownActor } from "../../cards/chat-replies.js";
import { errorReference, userMessageOf } from "../../errors.js";
import type { Roles } from "../../policy/roles.js";
import type { Actor } from "../../domain/actor.js";
import type { HandlerDeps } from "./ports.js";

/** The acting person, from the activity. Undefined when Teams did not say who it is. */
export function actorOf(context: TurnContext): Actor | undefined {
  const from = context.activity.from;
  const id = from?.aadObjectId;
  if (id === undefined || id === "") return undefined;
  return { aadObjectId: id, name: from.name ?? id };
}

/** The reference to this conversation (a channel message's thread included), for later posts and edits. */
export function referenceOf(context: TurnContext): Partial<ConversationReference> {
  return TurnContext.getConversationReference(context.activity);
}

export const UNKNOWN_ACTOR = UnknownActor;

/**
 * A sentence for chat about a failure: the coded message (never an SDK's own text), with a
 * correlation ID that finds the details, which go to the log only.
 */
export function explainFailure(logger: Logger, err: unknown, what: string): string {
  const correlationId = errorReference();
  logger.warn({ err, correlationId }, what);
  return `${userMessageOf(err)} (Reference: ${correlationId}.)`;
}

/**
 * The acting person and their roles, or undefined after telling them why neither could be
 * established (no Entra object ID on the message, or the role lookup failed).
 */
export async function caller(context: TurnContext, deps: HandlerDeps): Promise<{ actor: Actor; roles: Roles } | undefined> {
  const actor = actorOf(context);
  if (actor === undefined) {
    await context.sendActivity(UNKNOWN_ACTOR);
    return undefined;
  }
  try {
    return { actor, roles: await deps.roles.rolesOf(actor.aadObjectId) };
  } catch (err) {
    await context.sendActivity(RoleReplies.lookupFailed(explainFailure(deps.logger, err, "role lookup failed")));
    return undefined;
  }
}


/** "withdrawn" for cancelled; the state's own name otherwise. */
export function stateWord(state: string): string {
  return state === "cancelled" ? "withdrawn" : state;
}
