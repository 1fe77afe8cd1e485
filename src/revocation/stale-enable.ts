import type { RequestStore } from "./request-store.js";
import type { RevocationRequest } from "./types.js";

/** A newer --disable of the account an `enable` would turn back on. */
export interface StaleEnable {
  /** The request whose --disable is newer than the one the enable was asked against. */
  newerDisable: string;
  /** The account's UPN. */
  user: string;
}

/**
 * Why an `enable` is stale, or undefined (issue 22 #5). The enable recorded the request of this
 * bot's latest --disable of the account when it was asked (`enableAgainst`); when the latest one
 * now is another request's, a later incident disabled the account again and the enable would undo
 * that newer decision. Checked at approval and again when the job starts.
 */
export async function staleEnableOf(
  store: Pick<RequestStore, "targetsPage" | "disableHistory">,
  request: Pick<RevocationRequest, "id" | "action" | "enableAgainst">,
): Promise<StaleEnable | undefined> {
  if (request.action !== "enable") return undefined;
  // An enable has one target (`enable <user>`); each is checked all the same.
  for (const { target } of await store.targetsPage(request.id, -1, 1000)) {
    const { disabledBy } = await store.disableHistory(target.id);
    if (disabledBy !== null && disabledBy !== request.enableAgainst) {
      return { newerDisable: disabledBy, user: target.userPrincipalName };
    }
  }
  return undefined;
}
