import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** What a claim of an idempotency key found. */
export type IdempotencyClaim =
  /** The key is this call's now (as `owner`): make the request, `refresh` while at it, then `complete` (or `release`). */
  | { kind: "claimed"; owner: string }
  /** The key made a request already, with a body of this hash. */
  | { kind: "done"; requestId: string; bodySha256: string }
  /** Another call holds the key and is making its request now. */
  | { kind: "inProgress"; bodySha256: string };

/**
 * The automation API's idempotency keys, one per caller app and key (the table's primary key), so
 * a retried POST finds the request the first one made, on any replica.
 */
export class SqlIdempotencyStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** A claim whose request was never recorded (its process died) may be taken over after this long. */
    private readonly staleClaimMs = 120_000,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** How often the holder of a claim refreshes it: well within the time after which it may be taken over. */
  get refreshEveryMs(): number {
    return Math.max(50, Math.floor(this.staleClaimMs / 4));
  }

  /** Claims the key for the caller, or says what holds it. */
  async claim(callerAppId: string, key: string, bodySha256: string): Promise<IdempotencyClaim> {
    const app = callerAppId.toLowerCase();
    const owner = randomUUID();
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = this.clock();
      const inserted = await this.db
        .insertInto("api_idempotency")
        .values({ caller_app_id: app, idempotency_key: key, body_sha256: bodySha256, request_id: null, created_at: now.toISOString(), claim_owner: owner })
        .onConflict((oc) => oc.columns(["caller_app_id", "idempotency_key"]).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { kind: "claimed", owner };
      const row = await this.db
        .selectFrom("api_idempotency")
        .selectAll()
        .where("caller_app_id", "=", app)
        .where("idempotency_key", "=", key)
        .executeTakeFirst();
      if (row === undefined) continue; // released in between: try the insert again
      if (row.request_id !== null) return { kind: "done", requestId: row.request_id, bodySha256: row.body_sha256 };
      if (now.getTime() - Date.parse(row.created_at) < this.staleClaimMs) return { kind: "inProgress", bodySha256: row.body_sha256 };
      // A claim left by a process that died before making its request: taken over, if still so.
      const taken = await this.db
        .updateTable("api_idempotency")
        .set({ body_sha256: bodySha256, created_at: now.toISOString(), claim_owner: owner })
        .where("caller_app_id", "=", app)
        .where("idempotency_key", "=", key)
        .where("request_id", "is", null)
        .where("created_at", "=", row.created_at)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return { kind: "claimed", owner };
    }
    return { kind: "inProgress", bodySha256: "" };
  }

  /** Keeps the claim fresh while its holder works (Logic Apps wait 120 s by default, Graph may take longer); false when it is no longer the holder's. */
  async refresh(callerAppId: string, key: string, owner: string): Promise<boolean> {
    return this.updateOwned(callerAppId, key, owner, { created_at: this.clock().toISOString() });
  }

  /** Records the request the claimed key made; false (nothing written) when the claim is no longer the holder's. */
  async complete(callerAppId: string, key: string, owner: string, requestId: string): Promise<boolean> {
    return this.updateOwned(callerAppId, key, owner, { request_id: requestId });
  }

  /** Gives the key back after a call that made no request (bad input, a Graph failure), so a corrected retry may use it; only its holder can. */
  async release(callerAppId: string, key: string, owner: string): Promise<void> {
    await this.db
      .deleteFrom("api_idempotency")
      .where("caller_app_id", "=", callerAppId.toLowerCase())
      .where("idempotency_key", "=", key)
      .where("claim_owner", "=", owner)
      .where("request_id", "is", null)
      .execute();
  }

  /** Updates the holder's open claim; false when there is none (taken over, or done). */
  private async updateOwned(callerAppId: string, key: string, owner: string, values: { created_at: string } | { request_id: string }): Promise<boolean> {
    const result = await this.db
      .updateTable("api_idempotency")
      .set(values)
      .where("caller_app_id", "=", callerAppId.toLowerCase())
      .where("idempotency_key", "=", key)
      .where("claim_owner", "=", owner)
      .where("request_id", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
