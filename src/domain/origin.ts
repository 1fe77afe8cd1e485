/**
 * Where the request came from and where its card lives. Opaque to this module (it is a Teams
 * conversation reference); the bot layer reads it back to update the card.
 */
export type Origin = Record<string, unknown>;

/** Where the approval copy of a request's card lives. */
export interface ApprovalCard {
  /** The approval channel's conversation reference (opaque here, as Origin). */
  reference: Origin;
  /** The posted card's message ID; null until the post is accepted. */
  activityId: string | null;
}
