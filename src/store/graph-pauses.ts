import { sql, type Kysely } from "kysely";
import type { PauseBoard } from "../directory/shared-limit.js";
import type { DialectKind } from "./database.js";
import type { Database } from "./schema.js";

/**
 * The pauses Graph's 429s asked for, in the database (migration 010), so that every replica
 * holds back from a throttled API, not only the one that was answered 429. One upsert keeps the
 * later of two pauses, atomically on both dialects.
 */
export class SqlPauseBoard implements PauseBoard {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: DialectKind,
  ) {}

  async pausedUntil(key: string): Promise<number> {
    const row = await this.db.selectFrom("graph_pauses").select("paused_until").where("key", "=", key).executeTakeFirst();
    return row === undefined ? 0 : Number(row.paused_until);
  }

  async pauseUntil(key: string, until: number): Promise<void> {
    const later = this.kind === "postgres" ? sql<number>`greatest(graph_pauses.paused_until, excluded.paused_until)` : sql<number>`max(graph_pauses.paused_until, excluded.paused_until)`;
    await this.db
      .insertInto("graph_pauses")
      .values({ key, paused_until: Math.ceil(until) })
      .onConflict((oc) => oc.column("key").doUpdateSet({ paused_until: later }))
      .execute();
  }
}
