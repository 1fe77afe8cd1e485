/**
 * Card action verbs. The templates receive these through their data (never as literals), and the
 * bot registers its handlers with the same constants, so a renamed verb cannot drift apart.
 */
export const Verbs = {
  confirm: "revoke.confirm",
  cancel: "revoke.cancel",
  ask: "revoke.ask",
} as const;

export type Verb = (typeof Verbs)[keyof typeof Verbs];
