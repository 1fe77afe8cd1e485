import { sql, type Kysely } from "kysely";
import { waitForRoom, type LedgerLimit, type SendLedger } from "../directory/pacer.js";
import type { DialectKind } from "./database.js";
import type { Database } from "./schema.js";

/**
 * The Graph writes every replica sent, in the database, so that replicas pace together to one
 * quota instead of each to the whole of it. A reservation locks the limit's row (PostgreSQL
 * `FOR UPDATE`; SQLite's write transactions are serialised already), counts the window, and
 * records the writes only when they fit: two replicas can never both take the last places.
 * Times are the replicas' own clocks, which must agree (NTP) to well under the margin the pacer
 * adds to each window, as job leases already require.
 */
export class SqlSendLedger implements SendLedger {
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: DialectKind,
    private readonly owner: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async reserve(asked: number, n: number, limits: readonly LedgerLimit[]): Promise<{ wait: number; counts: number[] }> {
    return this.db.transaction().execute(async (trx) => {
      for (const limit of limits) {
        await trx.insertInto("write_ledger_lock").values({ key: limit.key }).onConflict((oc) => oc.column("key").doNothing()).execute();
        if (this.kind === "postgres") await sql`select key from write_ledger_lock where key = ${limit.key} for update`.execute(trx);
      }
      // The writes go out once this commits, which may be well after the pacer asked (another
      // replica held the lock): they are recorded at the time the lock was had.
      // Whole milliseconds: the column is an integer, and a margin measured from round trips is not.
      const now = Math.ceil(Math.max(asked, this.clock()));
      const counts: number[] = [];
      let wait = 0;
      for (const limit of limits) {
        const rows = await trx
          .selectFrom("write_ledger")
          .select(["at", "n"])
          .where("key", "=", limit.key)
          .where("at", ">", Math.floor(now - limit.span))
          .orderBy("at")
          .execute();
        const sends = rows.map((r) => ({ at: Number(r.at), n: Number(r.n) }));
        const count = sends.reduce((sum, s) => sum + s.n, 0);
        counts.push(count);
        wait = Math.max(wait, waitForRoom(now, n, limit.budget, limit.span, sends, count));
      }
      if (wait === 0) {
        await trx
          .insertInto("write_ledger")
          .values(limits.map((l) => ({ key: l.key, at: now, n, owner: this.owner })))
          .execute();
      }
      // Rows older than their window are no use to anyone; dropped now and then, not every time.
      if (now - this.lastPrune > 1000) {
        this.lastPrune = now;
        for (const limit of limits) {
          await trx.deleteFrom("write_ledger").where("key", "=", limit.key).where("at", "<=", Math.floor(now - limit.span)).execute();
        }
      }
      return { wait, counts };
    });
  }
}
