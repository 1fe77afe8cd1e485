import type { Kysely } from "kysely";
import type { OutcomeStatus } from "../domain/outcome.js";
import type { RequestState } from "../domain/request-state.js";
import type { UserHistory, UserRequest } from "../revocation/user-history.js";
import type { Database } from "./schema.js";

/** Requests that named a user, from the frozen target sets (indexed by user in 005-signin-watch). */
export class SqlUserHistory implements UserHistory {
  constructor(private readonly db: Kysely<Database>) {}

  async requestsTouching(userId: string, limit: number): Promise<UserRequest[]> {
    const rows = await this.db
      .selectFrom("request_targets as t")
      .innerJoin("requests as r", "r.id", "t.request_id")
      .leftJoin("target_outcomes as o", (join) => join.onRef("o.request_id", "=", "t.request_id").onRef("o.user_id", "=", "t.user_id"))
      .select(["r.id", "r.created_at", "r.state", "o.status", "o.at"])
      .where("t.user_id", "=", userId.toLowerCase())
      .orderBy("r.created_at", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      requestId: r.id,
      createdAt: r.created_at,
      state: r.state as RequestState,
      outcome: (r.status ?? null) as OutcomeStatus | null,
      outcomeAt: r.at ?? null,
    }));
  }
}
