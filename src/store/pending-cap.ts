import { sql, type Transaction } from "kysely";
import { PendingCapReached, type PendingCap } from "../revocation/request-store.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { DialectKind } from "./database.js";
import type { Database } from "./schema.js";

/**
 * Counts the requester's open requests inside the inserting transaction, holding a lock per
 * requester until it commits: PostgreSQL, a transaction-scoped advisory lock on the requester's
 * hash (READ COMMITTED: the count after the wait sees what the previous holder committed);
 * SQLite, the write lock BEGIN IMMEDIATE already took (ImmediateSqliteDialect).
 */
export async function checkPendingCap(trx: Transaction<Database>, kind: DialectKind, request: RevocationRequest, cap: PendingCap): Promise<void> {
  const requester = request.requester.aadObjectId.toLowerCase();
  if (kind === "postgres") await sql`select pg_advisory_xact_lock(hashtext(${`pending-cap:${requester}`}))`.execute(trx);
  const row = await trx
    .selectFrom("requests")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "=", "pending")
    .where("expires_at", ">", request.createdAt)
    .where((eb) => eb(eb.fn("lower", ["requester_id"]), "=", requester))
    .executeTakeFirst();
  const open = Number(row?.n ?? 0);
  if (open >= cap.max) throw new PendingCapReached(open, cap.max);
}
