/**
 * Card action verbs. The templates receive these through their data (never as literals), and the
 * bot registers its handlers with the same constants, so a renamed verb cannot drift apart.
 */
export const Verbs = {
  approve: "revoke.approve",
  reject: "revoke.reject",
  /** The requester withdraws a pending request. */
  cancel: "revoke.cancel",
  /** A card's refresh: answers each viewer with their own view of the request. */
  refresh: "revoke.refresh",
  ask: "revoke.ask",
  /** Approves an `enable` of an account this bot did not disable: the approver confirms it is meant. */
  enableAnyway: "revoke.enableAnyway",
  /** Approves a set that holds responders, with --disable or containment, responders included. */
  approveWithResponders: "revoke.approveWithResponders",
  /** Approves such a set with the responders taken out of it first. */
  approveWithoutResponders: "revoke.approveWithoutResponders",
} as const;

export type Verb = (typeof Verbs)[keyof typeof Verbs];
