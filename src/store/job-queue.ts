import type { Kysely, Transaction } from "kysely";
import type { JobClaim, JobQueue } from "../revocation/request-store.js";
import type { Database } from "./schema.js";

type Clock = () => Date;

/** Jobs with leases in the database: any replica may resume a job whose lease has run out. */
export class SqlJobQueue implements JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = () => new Date(),
  ) {}

  async claim(requestId: string, owner: string, leaseMs: number): Promise<JobClaim | undefined> {
    const now = this.clock();
    const nowIso = now.toISOString();
    const before = await this.db
      .selectFrom("jobs")
      .select(["lease_owner", "lease_expires_at", "claims"])
      .where("request_id", "=", requestId)
      .where("finished_at", "is", null)
      .executeTakeFirst();
    if (before === undefined) return undefined;
    if (before.lease_owner !== null && before.lease_owner !== owner && (before.lease_expires_at ?? "") > nowIso) return undefined;
    // Compare-and-set on what was read: of two runners racing for the job, exactly one wins.
    let update = this.db
      .updateTable("jobs")
      .set({ lease_owner: owner, lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(), claims: Number(before.claims) + 1 })
      .where("request_id", "=", requestId)
      .where("finished_at", "is", null)
      .where("claims", "=", before.claims);
    update = before.lease_owner === null ? update.where("lease_owner", "is", null) : update.where("lease_owner", "=", before.lease_owner);
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return {
      requestId,
      claims: Number(before.claims) + 1,
      previousOwner: before.lease_owner !== null && before.lease_owner !== owner ? before.lease_owner : null,
    };
  }

  async claimNext(owner: string, leaseMs: number): Promise<JobClaim | undefined> {
    const nowIso = this.clock().toISOString();
    const candidates = await this.db
      .selectFrom("jobs")
      .select("request_id")
      .where("finished_at", "is", null)
      .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<=", nowIso)]))
      .orderBy("created_at", "asc")
      .limit(5)
      .execute();
    for (const { request_id } of candidates) {
      const claimed = await this.claim(request_id, owner, leaseMs);
      if (claimed !== undefined) return claimed;
    }
    return undefined;
  }

  async renew(requestId: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable("jobs")
      .set({ lease_expires_at: new Date(this.clock().getTime() + leaseMs).toISOString() })
      .where("request_id", "=", requestId)
      .where("lease_owner", "=", owner)
      .where("finished_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(requestId: string, owner: string): Promise<void> {
    await this.db
      .updateTable("jobs")
      .set({ lease_owner: null, lease_expires_at: null })
      .where("request_id", "=", requestId)
      .where("lease_owner", "=", owner)
      .execute();
  }
}

/** Unfinished jobs, those whose lease ran out, and the oldest one's age (telemetry's gauges). */
export async function jobQueueStats(db: Kysely<Database>, now: Date = new Date()): Promise<{ queued: number; stalled: number; oldestAgeSeconds: number }> {
  const nowIso = now.toISOString();
  const rows = await db.selectFrom("jobs").select(["created_at", "lease_owner", "lease_expires_at"]).where("finished_at", "is", null).execute();
  let stalled = 0;
  let oldest = nowIso;
  for (const row of rows) {
    if (row.lease_owner !== null && (row.lease_expires_at ?? "") < nowIso) stalled++;
    if (row.created_at < oldest) oldest = row.created_at;
  }
  return { queued: rows.length, stalled, oldestAgeSeconds: Math.max(0, (now.getTime() - Date.parse(oldest)) / 1000) };
}

/**
 * True when `owner` still holds the unexpired lease of the request's unfinished job, read inside
 * the transaction that writes on the strength of it (a runner whose lease ran out writes nothing).
 */
export async function holdsJobLease(trx: Transaction<Database>, requestId: string, owner: string, nowIso: string): Promise<boolean> {
  const live = await trx
    .selectFrom("jobs")
    .select("request_id")
    .where("request_id", "=", requestId)
    .where("lease_owner", "=", owner)
    .where("lease_expires_at", ">", nowIso)
    .where("finished_at", "is", null)
    .executeTakeFirst();
  return live !== undefined;
}
