/** What every command handler shares: who is acting, their roles, and safe replies. */
import type { ConversationReference } from "botbuilder";
import { TurnContext } from "botbuilder";
import type { Logger } from "pino";
import { Requests, RoleReplies, UnknownActor } from "../../cards/chat-replies.js";
import { errorReference, userMessageOf } from "../../errors.js";
import { mayRequest } from "../../policy/decide.js";
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

/**
 * The requester if they may make a new request: a revoker, below MAX_PENDING_PER_REQUESTER open
 * requests. Otherwise says why, audits it (`request.refused`), and gives undefined. Checked before
 * any target is looked up.
 */
export async function requester(context: TurnContext, deps: HandlerDeps, command: string): Promise<Actor | undefined> {
  const who = await caller(context, deps);
  if (who === undefined) return undefined;
  const decision = mayRequest(who.roles);
  if (!decision.allowed) {
    await deps.auditor.record({ actor: who.actor, action: "request.refused", requestId: null, details: { command, reason: decision.reason } });
    await context.sendActivity(RoleReplies.refused(decision.reason, who.actor.name));
    return undefined;
  }
  const open = await deps.revocations.pendingCountOf(who.actor.aadObjectId);
  const max = deps.revocations.maxPendingPerRequester;
  if (open >= max) {
    const reason = `you already have ${open} pending requests, the most one person may have open at once (MAX_PENDING_PER_REQUESTER=${max})`;
    await deps.auditor.record({ actor: who.actor, action: "request.refused", requestId: null, details: { command, reason } });
    await context.sendActivity(Requests.tooManyOpen(open));
    return undefined;
  }
  return who.actor;
}

/** "withdrawn" for cancelled; the state's own name otherwise. */
export function stateWord(state: string): string {
  return state === "cancelled" ? "withdrawn" : state;
}
