/**
 * The judgement of a sign-in's address, decided without Graph: whether it is an incident address,
 * and whose. A user revoked under several requests is watched under each of them; a sign-in of
 * theirs is judged once, against the incident addresses of every active watch of that user, so
 * each watch's thread says the same thing about it and names the request whose address it was
 * (issue 21). Whether an address was used before the revocation is asked of the sign-in log
 * elsewhere (the runner's look-ups); this module holds what needs no look-up.
 */

/** The incident address one active watch of a user knows (the address its `revoke ip` named). */
export interface IncidentAddress {
  requestId: string;
  ip: string;
  /** When the watch began: of several watches naming one address, the oldest is named. */
  createdAt: string;
}

/** What `revoke ip` named, from the request's `request.created` entry (`revoke ip <address> --since …`). */
export function incidentIpOf(selection: unknown): string | null {
  if (typeof selection !== "string") return null;
  const match = /^revoke ip (\S+)/.exec(selection);
  return match?.[1] ?? null;
}

/** The (user, address) key of a look-up. */
export function pairKey(userId: string, ip: string): string {
  return `${userId}|${ip.toLowerCase()}`;
}

/** Whether two addresses are the same (as the sign-in log writes them, IPv6 in lower case). */
function sameAddress(a: string, b: string): boolean {
  return a !== "" && a.toLowerCase() === b.toLowerCase();
}

/**
 * The incident addresses of the active watches of a group of users, as one watch sees them: its
 * own request's address counts for every user it watches, other watches' for the users they watch.
 */
export class IncidentAddresses {
  private readonly byUser = new Map<string, IncidentAddress[]>();

  /**
   * `own` is this watch's request and its address (null when it named none); `others` the
   * addresses of the users' other active watches, per user (as the store reads them).
   */
  constructor(
    private readonly own: { requestId: string; ip: string | null },
    others: ReadonlyArray<IncidentAddress & { userId: string }> = [],
  ) {
    for (const o of others) {
      if (o.requestId === own.requestId) continue;
      const key = o.userId.toLowerCase();
      this.byUser.set(key, [...(this.byUser.get(key) ?? []), { requestId: o.requestId, ip: o.ip, createdAt: o.createdAt }]);
    }
    for (const list of this.byUser.values()) list.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.requestId < b.requestId ? -1 : 1));
  }

  /**
   * The request whose incident address this sign-in came from, or null when it is no watch's.
   * This watch's own address first (its thread says "this request"), else the oldest other watch
   * of the same user whose address it is: every watch that judges the sign-in names the same one
   * unless its own request named the address too.
   */
  match(userId: string, ip: string): string | null {
    if (this.own.ip !== null && sameAddress(ip, this.own.ip)) return this.own.requestId;
    return this.byUser.get(userId.toLowerCase())?.find((a) => sameAddress(ip, a.ip))?.requestId ?? null;
  }
}
