/**
 * What one read of the sign-in log adds to a watch, decided without Graph: which records are new,
 * which of them are stored one by one (at most a cap per user and sweep, so scripted sign-ins
 * cannot fill the database, the audit chain and the channel), which are only counted, and which
 * addresses are looked up later (at most a few new ones per user and sweep, so a thousand
 * addresses cannot stall the watch: the rest are marked "many new addresses").
 */
import type { SignInEvent } from "../directory/sign-in-log.js";
import { pairKey, type IncidentAddresses } from "./judgement.js";
import type { SignInOverflow, WatchedUser, WatchSignIn } from "./types.js";

/** The new records of one read, per user in time order: those under the cap, and the counted rest. */
export interface FreshSignIns {
  kept: SignInEvent[];
  overflow: SignInOverflow[];
}

/**
 * Splits a read into the sign-ins to store (each user's first `cap` new ones, those from an
 * incident address of any of the user's active watches first) and per-user counts
 * of the rest. A record is new when its ID is not stored and, if it is older than the user's
 * overflow mark, it was not already counted past an earlier cap. Records from before the user's
 * revocation are left out.
 */
export function freshSignIns(
  incidents: IncidentAddresses,
  users: readonly WatchedUser[],
  events: readonly SignInEvent[],
  stored: ReadonlySet<string>,
  cap: number,
): FreshSignIns {
  const byUser = new Map<string, SignInEvent[]>();
  const seen = new Set<string>();
  const userById = new Map(users.map((u) => [u.userId, u]));
  for (const e of events) {
    const user = userById.get(e.userId);
    if (user === undefined || seen.has(e.id) || stored.has(e.id)) continue;
    const at = Date.parse(e.createdDateTime);
    if (!Number.isFinite(at) || at < Date.parse(user.since)) continue;
    if (user.overflowThrough !== null && at <= Date.parse(user.overflowThrough)) continue;
    seen.add(e.id);
    byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
  }
  const kept: SignInEvent[] = [];
  const overflow: SignInOverflow[] = [];
  for (const [userId, list] of byUser) {
    // Sign-ins from the incident's address first: an alarm is never only counted while calmer ones are listed.
    const rank = (e: SignInEvent): number => (incidents.match(e.userId, e.ipAddress) !== null ? 0 : 1);
    list.sort((a, b) => rank(a) - rank(b) || Date.parse(a.createdDateTime) - Date.parse(b.createdDateTime) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    kept.push(...list.slice(0, cap));
    const rest = list.slice(cap);
    if (rest.length === 0) continue;
    const fromIncident = rest.filter((e) => incidents.match(e.userId, e.ipAddress) !== null);
    overflow.push({
      userId,
      count: rest.length,
      fromIncident: fromIncident.length,
      incidentIds: fromIncident.map((e) => e.id),
      incidentRequests: [...new Set(fromIncident.map((e) => incidents.match(e.userId, e.ipAddress) ?? ""))],
      first: new Date(rest.reduce((t, e) => Math.min(t, Date.parse(e.createdDateTime)), Infinity)).toISOString(),
      last: new Date(rest.reduce((t, e) => Math.max(t, Date.parse(e.createdDateTime)), -Infinity)).toISOString(),
      addresses: new Set(rest.map((e) => e.ipAddress.toLowerCase())).size,
    });
  }
  return { kept, overflow };
}

/**
 * The kept records as watch sign-ins. An incident address (this request's or another active
 * watch's of the same user, named in `incidentRequestId`) needs no look-up; an address this
 * watch already judged for the user takes that verdict (`verdicts`); of the other addresses, each
 * user's first `lookups` are judged after the sign-ins are stored ("pending"), the rest are marked
 * "many" and never looked up in this sweep.
 */
export function watchSignInsOf(
  incidents: IncidentAddresses,
  kept: readonly SignInEvent[],
  verdicts: ReadonlyMap<string, boolean | null>,
  lookups: number,
): WatchSignIn[] {
  const pendingByUser = new Map<string, Set<string>>();
  return kept.map((e) => {
    const incidentRequestId = incidents.match(e.userId, e.ipAddress);
    const incident = incidentRequestId !== null;
    let seenBefore: boolean | null = null;
    let addressCheck: WatchSignIn["addressCheck"] = null;
    const key = pairKey(e.userId, e.ipAddress);
    if (!incident && e.ipAddress !== "") {
      if (verdicts.has(key)) {
        seenBefore = verdicts.get(key) ?? null;
      } else {
        const pending = pendingByUser.get(e.userId) ?? new Set<string>();
        pendingByUser.set(e.userId, pending);
        if (pending.has(key) || pending.size < lookups) {
          pending.add(key);
          addressCheck = "pending";
        } else {
          addressCheck = "many";
        }
      }
    }
    return {
      signInId: e.id,
      userId: e.userId,
      createdAt: new Date(e.createdDateTime).toISOString(),
      ip: e.ipAddress,
      location: e.location,
      app: e.appDisplayName,
      client: e.clientAppUsed,
      // The v1.0 sign-in log holds interactive sign-ins only: nothing to tell apart (README).
      interactive: null,
      incidentIp: incident,
      incidentRequestId,
      seenBefore,
      addressCheck,
      reportedAt: null,
    };
  });
}
