import { sql, type Insertable, type Transaction } from "kysely";
import { clipString } from "../audit/clip.js";
import { isRefusal, type AuditAction, type AuditEntry } from "../audit/audit-log.js";
import { AUDIT_INSERT_CHUNK } from "./audit-rows.js";
import type { Database, OutboxTable } from "./schema.js";

/** One post a minute at most per actor (or tenant) for refusals; the rest are counted into the next. */
export const FLOOD_WINDOW_MS = 60_000;

/**
 * Whose refusals a refused entry counts among: the actor's object ID; when there is none, the
 * tenant the details name. Activities refused for coming from outside the allowed tenants all
 * share one key: their actor and tenant IDs are whatever the sender wrote, so keying by them would
 * let a sender flood the channel by varying them.
 */
export function floodKeyOf(entry: Pick<AuditEntry, "action" | "actor" | "details" | "requestId">): string {
  // Sign-ins from the incident's address are the attacker's to multiply: per request, not per actor.
  if (entry.action === "watch.alarm") return `alarm:${entry.requestId ?? ""}`;
  if (entry.action === "activity.refused") return "foreign";
  if (entry.actor !== null && entry.actor.aadObjectId !== "") return `actor:${entry.actor.aadObjectId.toLowerCase()}`;
  const tenant = entry.details.tenantId;
  return typeof tenant === "string" && tenant !== "" ? `tenant:${clipString(tenant.toLowerCase(), 100)}` : "bot";
}

type OutboxRow = Insertable<OutboxTable>;

/**
 * Queues the entries' Teams posts. Every entry keeps its own row in the chain; refusals are posted
 * at most once a minute per actor (flood control): the first is posted at once, later ones within
 * the minute are counted into one gathering row, posted when its minute is up. The state is the
 * outbox itself, so it holds across replicas (appends serialise on the head) and restarts.
 */
export async function queuePosts(trx: Transaction<Database>, posted: readonly AuditEntry[], now: Date): Promise<void> {
  const at = now.toISOString();
  const rows: OutboxRow[] = [];
  const plain = (full: AuditEntry, floodKey: string | null): OutboxRow => ({
    audit_seq: full.seq,
    created_at: at,
    attempts: 0,
    next_attempt_at: at,
    claimed_by: null,
    claim_until: null,
    delivered_at: null,
    last_error: null,
    flood_key: floodKey,
  });
  for (const full of posted) {
    if (!isFlooded(full.action)) {
      rows.push(plain(full, null));
      continue;
    }
    // Rows queued earlier in this batch must be visible to the flood checks below.
    await flushRows(trx, rows);
    const floodKey = floodKeyOf(full);
    const gathering = await trx
      .selectFrom("outbox")
      .select("audit_seq")
      .where("flood_key", "=", floodKey)
      .where("gather_until", ">", at)
      .where("attempts", "=", 0)
      .where("delivered_at", "is", null)
      .orderBy("audit_seq", "desc")
      .limit(1)
      .executeTakeFirst();
    if (gathering !== undefined) {
      // Conditional: a replica that claimed the row meanwhile (attempts > 0) posts the count it read.
      const folded = await trx
        .updateTable("outbox")
        .set({ flood_count: sql<number>`flood_count + ${floodWeightOf(full)}`, flood_last_seq: full.seq })
        .where("audit_seq", "=", gathering.audit_seq)
        .where("attempts", "=", 0)
        .where("delivered_at", "is", null)
        .executeTakeFirst();
      if (Number(folded.numUpdatedRows) === 1) continue;
    }
    const last = await trx
      .selectFrom("outbox")
      .select((eb) => eb.fn.max(eb.fn.coalesce("gather_until", "created_at")).as("posted_at"))
      .where("flood_key", "=", floodKey)
      .executeTakeFirst();
    const lastPostAt = last?.posted_at === null || last?.posted_at === undefined ? undefined : new Date(last.posted_at).getTime();
    if (lastPostAt === undefined || lastPostAt <= now.getTime() - FLOOD_WINDOW_MS) {
      rows.push(plain(full, floodKey));
      continue;
    }
    const until = new Date(lastPostAt + FLOOD_WINDOW_MS).toISOString();
    rows.push({ ...plain(full, floodKey), next_attempt_at: until, gather_until: until, flood_count: floodWeightOf(full), flood_last_seq: full.seq });
    await flushRows(trx, rows);
  }
  await flushRows(trx, rows);
}

/**
 * Posted at most once a minute per key, the rest gathered: refusals (per actor) and sign-ins from
 * the incident's address during a watch (per request: an attacker who scripts sign-ins would
 * otherwise hold every later audit post and approval card behind Teams' per-conversation limit).
 */
function isFlooded(action: AuditAction): boolean {
  return isRefusal(action) || action === "watch.alarm";
}

/** What an entry adds to a gathered post's count: one, or the sign-ins an aggregated alarm entry stands for. */
function floodWeightOf(entry: AuditEntry): number {
  const n = entry.action === "watch.alarm" ? entry.details.signIns : undefined;
  return typeof n === "number" && Number.isInteger(n) && n > 1 ? n : 1;
}

async function flushRows(trx: Transaction<Database>, rows: OutboxRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += AUDIT_INSERT_CHUNK) await trx.insertInto("outbox").values(rows.slice(i, i + AUDIT_INSERT_CHUNK)).execute();
  rows.length = 0;
}
