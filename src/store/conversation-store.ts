import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Conversation references (opaque JSON to this module) and small named settings, such as the
 * audit channel chosen with `audit here`, shared by every replica.
 */
export class SqlConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(id: string, reference: unknown): Promise<void> {
    const json = JSON.stringify(reference);
    const now = new Date().toISOString();
    await this.db
      .insertInto("conversations")
      .values({ id, reference: json, updated_at: now })
      .onConflict((oc) => oc.column("id").doUpdateSet({ reference: json, updated_at: now }))
      .execute();
  }

  async get(id: string): Promise<unknown> {
    const row = await this.db.selectFrom("conversations").select("reference").where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.reference) as unknown);
  }

  /** The most recently seen reference (any conversation), for reaching the tenant's service URL. */
  async latest(): Promise<unknown> {
    const row = await this.db.selectFrom("conversations").select("reference").orderBy("updated_at", "desc").limit(1).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.reference) as unknown);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value);
    const now = new Date().toISOString();
    await this.db
      .insertInto("settings")
      .values({ key, value: json, updated_at: now })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: json, updated_at: now }))
      .execute();
  }

  async getSetting(key: string): Promise<unknown> {
    const row = await this.db.selectFrom("settings").select("value").where("key", "=", key).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
  }
}
