/**
 * Rows of the watch tables as the watch's records (src/watch/types.ts): integers to booleans,
 * the lease and ender columns to an Actor, rows from before a migration to its defaults.
 */
import type { Watch, WatchSignIn, WatchState } from "../watch/types.js";
import type { WatchesTable, WatchSignInsTable } from "./schema.js";

/** A watches row as a Watch. */
export function watchOf(row: WatchesTable): Watch {
  return {
    requestId: row.request_id,
    createdAt: row.created_at,
    endsAt: row.ends_at,
    state: row.state as WatchState,
    incidentIp: row.incident_ip,
    userCount: Number(row.user_count),
    nextPosition: Number(row.next_position),
    sweepCursor: row.sweep_cursor,
    sweepStartedAt: row.sweep_started_at,
    nextSweepAt: row.next_sweep_at,
    lastPostAt: row.last_post_at,
    failures: Number(row.failures),
    endedAt: row.ended_at,
    endedBy: row.ended_by_id === null ? null : { aadObjectId: row.ended_by_id, name: row.ended_by_name ?? row.ended_by_id },
    endReason: row.end_reason,
    finalSweep: Number(row.final_sweep ?? 0) === 1,
    overflowSignIns: Number(row.overflow_signins ?? 0),
    overflowAlarms: Number(row.overflow_alarms ?? 0),
  };
}

/** A watch_signins row as a WatchSignIn. */
export function signInOf(row: WatchSignInsTable): WatchSignIn {
  return {
    signInId: row.signin_id,
    userId: row.user_id,
    createdAt: row.created_at,
    ip: row.ip,
    location: row.location,
    app: row.app,
    client: row.client,
    interactive: row.interactive === null ? null : Number(row.interactive) === 1,
    incidentIp: Number(row.incident_ip) === 1,
    // Rows from before 019 named only their own request's address.
    incidentRequestId: row.incident_request_id ?? (Number(row.incident_ip) === 1 ? row.request_id : null),
    seenBefore: row.seen_before === null ? null : Number(row.seen_before) === 1,
    addressCheck: row.address_check === "pending" || row.address_check === "many" ? row.address_check : null,
    reportedAt: row.reported_at,
  };
}
