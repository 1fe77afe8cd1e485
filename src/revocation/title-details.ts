/**
 * What an audit entry about a request carries so that its post can say what the request is about
 * ("Revoking Alice Wood's and Bob Stone's sessions (R-…)", "Enabling Alice Wood's account (R-…)")
 * rather than only its ID: whether it is an enable, how its targets were chosen, and the names of
 * a small set. Raw data: src/cards/audit-card.ts words it.
 */
import type { DirectoryUser } from "../directory/types.js";
import type { RevocationRequest } from "./types.js";

/** Targets a headline names at most; a larger set is described by its selection and counted. */
export const TITLE_NAMES = 3;

/** `action` (enables only), `selection` (when stored) and `names` (a set of at most TITLE_NAMES, when all are at hand). */
export function titleDetails(request: Pick<RevocationRequest, "action" | "selection">, targetCount: number, users: readonly DirectoryUser[]): Record<string, unknown> {
  return {
    ...(request.action === "enable" ? { action: "enable the account" } : {}),
    ...(request.selection === undefined ? {} : { selection: request.selection }),
    ...(targetCount > 0 && targetCount <= TITLE_NAMES && users.length === targetCount ? { names: users.map((u) => u.displayName ?? u.userPrincipalName) } : {}),
  };
}
