/**
 * What the bot answers a card click with, and the short notice cards. A refused click leaves the
 * request card as it is: the clicker gets one of these messages (the Universal Actions message
 * response), never a card that replaces the request for them.
 */
import { escapeMarkdown } from "./markdown.js";
import { withoutConfigNames } from "./format.js";

export const ClickAnswers = {
  noIdentity: "This click carries no Entra object ID, so it cannot count. Use the card in Microsoft Teams. Nothing was changed.",
  notRecorded: (why: string) => `I could not record your decision, so nothing was changed: ${withoutConfigNames(why)} Try again in a moment.`,
  unknownRequest: (requestId: string) => `There is no request ${requestId}. Nothing was changed.`,
  /** The policy refused the decision (e.g. the requester approving a request that needs a second person). */
  refused: (reason: string) => `${withoutConfigNames(reason)} Nothing was changed.`,
  /** `why` says what was wrong with the action (src/bot/commands/card-actions.ts readCardData). */
  invalid: (why: string) => `${why} Nothing was changed.`,
  otherConversation: (requestId: string) => `Request ${requestId} was not posted in this conversation; act on it where its card is. Nothing was changed.`,
  unknownAction: "This card action is not one the bot knows. Nothing was changed.",
  alreadyDecided: (requestId: string, state: string, by: string | null, verbPast: string) =>
    `Request ${requestId} was already ${state}${by === null ? "" : ` by ${escapeMarkdown(by)}`}, so it could not be ${verbPast}. Your click changed nothing.`,
} as const;

/** Notice cards answering a card's refresh that cannot show the request. */
export const RefreshNotices = {
  title: "Cannot show this request",
  notOurs: "This card's refresh names no request the bot made.",
  elsewhere: (requestId: string) => `Request ${requestId} does not belong to this conversation.`,
  gone: (requestId: string) => `Request ${requestId} is gone.`,
} as const;

/** The ask card's answers. */
export const AskAnswers = {
  empty: "Type a user principal name or an object ID.",
  invalid: (typed: string) => `"${typed}" is not a user principal name (name@domain) or an object ID.`,
  lookingUpTitle: "Looking up",
  lookingUp: (target: string) => `Looking up ${target}; the confirmation card follows.`,
} as const;
