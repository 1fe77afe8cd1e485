import type { Kysely } from "kysely";
import type { RequestFilter, RequestHead } from "../revocation/request-store.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { RequestState } from "../domain/request-state.js";
import { headOf, hydrateRequest } from "./request-rows.js";
import type { Database } from "./schema.js";

/** The requests in the states and matching the filter, oldest first, with their targets and outcomes. */
export async function listByState(db: Kysely<Database>, states: readonly RequestState[], filter: RequestFilter = {}): Promise<RevocationRequest[]> {
  if (states.length === 0) return [];
  const rows = await filtered(db, states, filter).execute();
  const requests: RevocationRequest[] = [];
  for (const row of rows) requests.push(await hydrateRequest(db, row));
  return requests;
}

/** The heads of the requests in the states and matching the filter, oldest first. */
export async function listHeads(db: Kysely<Database>, states: readonly RequestState[], filter: RequestFilter = {}): Promise<RequestHead[]> {
  if (states.length === 0) return [];
  const rows = await filtered(db, states, filter).execute();
  return rows.map(headOf);
}

/** How many requests are in the states and match the filter. */
export async function countByState(db: Kysely<Database>, states: readonly RequestState[], filter: RequestFilter = {}): Promise<number> {
  if (states.length === 0) return 0;
  let query = db.selectFrom("requests").select((eb) => eb.fn.countAll<number>().as("n")).where("state", "in", [...states]);
  if (filter.expiresBy !== undefined) query = query.where("expires_at", "<=", filter.expiresBy);
  if (filter.expiresAfter !== undefined) query = query.where("expires_at", ">", filter.expiresAfter);
  if (filter.requesterId !== undefined) {
    query = query.where((eb) => eb(eb.fn("lower", ["requester_id"]), "=", filter.requesterId?.toLowerCase() ?? ""));
  }
  const row = await query.executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The pending enable requests, other than `requestId`, for any of the users `requestId` targets. */
export async function pendingEnablesOf(db: Kysely<Database>, requestId: string): Promise<RequestHead[]> {
  const rows = await db
    .selectFrom("requests")
    .innerJoin("request_targets", "request_targets.request_id", "requests.id")
    .selectAll("requests")
    .where("requests.state", "=", "pending")
    .where("requests.action", "=", "enable")
    .where("requests.id", "!=", requestId)
    .where("request_targets.user_id", "in", (eb) => eb.selectFrom("request_targets as disabled").select("disabled.user_id").where("disabled.request_id", "=", requestId))
    .orderBy("requests.created_at", "asc")
    .execute();
  return rows.map(headOf);
}

/** The requests rows in the states and matching the filter, oldest first. */
function filtered(db: Kysely<Database>, states: readonly RequestState[], filter: RequestFilter) {
  let query = db.selectFrom("requests").selectAll().where("state", "in", [...states]);
  if (filter.expiresBy !== undefined) query = query.where("expires_at", "<=", filter.expiresBy);
  if (filter.expiresAfter !== undefined) query = query.where("expires_at", ">", filter.expiresAfter);
  if (filter.requesterId !== undefined) {
    query = query.where((eb) => eb(eb.fn("lower", ["requester_id"]), "=", filter.requesterId?.toLowerCase() ?? ""));
  }
  query = query.orderBy("created_at", "asc").orderBy("id", "asc");
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query;
}
