import type { Kysely } from "kysely";
import type { DirectoryUser } from "../directory/types.js";
import type { RequestSummary, TargetPageRow } from "../revocation/request-store.js";
import type { OutcomeStatus, TargetOutcome } from "../domain/outcome.js";
import { JOINED_OUTCOME, joinedOutcomeOf, outcomeOf, requestOf } from "./request-rows.js";
import type { Database } from "./schema.js";

/**
 * A request's counts by outcome and up to `rows` of its targets to show: failures first, then
 * unverified, then the first targets in order.
 */
export async function summary(db: Kysely<Database>, requestId: string, rows: number): Promise<RequestSummary | undefined> {
  const row = await db.selectFrom("requests").selectAll().where("id", "=", requestId).executeTakeFirst();
  if (row === undefined) return undefined;
  const counts = { revoked_verified: 0, revoked_unverified: 0, enabled: 0, not_found: 0, skipped: 0, failed: 0 };
  const grouped = await db
    .selectFrom("target_outcomes")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("request_id", "=", requestId)
    .groupBy("status")
    .execute();
  for (const g of grouped) counts[g.status as OutcomeStatus] = Number(g.n);
  // Failed targets whose sessions were revoked (a later containment step failed): still revoked.
  let revokedButFailed = 0;
  if (counts.failed > 0) {
    const revoked = await db
      .selectFrom("target_outcomes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("request_id", "=", requestId)
      .where("status", "=", "failed")
      .where("sessions_revoked", "=", 1)
      .executeTakeFirst();
    revokedButFailed = Number(revoked?.n ?? 0);
  }

  // Failures first, then unverified, then the first targets in order (with or without an outcome).
  const picked: Array<{ position: number; outcome: TargetOutcome | null }> = [];
  const seen = new Set<number>();
  for (const statuses of [["failed", "not_found"], ["revoked_unverified"]]) {
    if (picked.length >= rows) break;
    const found = await db
      .selectFrom("target_outcomes")
      .selectAll()
      .where("request_id", "=", requestId)
      .where("status", "in", statuses)
      .orderBy("position", "asc")
      .limit(rows - picked.length)
      .execute();
    for (const o of found) {
      seen.add(Number(o.position));
      picked.push({ position: Number(o.position), outcome: outcomeOf(o) });
    }
  }
  if (picked.length < rows) {
    const first = await targetsWithOutcomes(db)
      .select(["request_targets.position as position", ...JOINED_OUTCOME])
      .where("request_targets.request_id", "=", requestId)
      .orderBy("request_targets.position", "asc")
      .limit(rows + seen.size)
      .execute();
    for (const f of first) {
      if (picked.length >= rows) break;
      const position = Number(f.position);
      if (seen.has(position)) continue;
      picked.push({ position, outcome: joinedOutcomeOf(f) });
    }
  }
  const snapshots = new Map<number, DirectoryUser>();
  const positions = picked.map((p) => p.position);
  if (positions.length > 0) {
    const targets = await db
      .selectFrom("request_targets")
      .select(["position", "snapshot"])
      .where("request_id", "=", requestId)
      .where("position", "in", positions)
      .execute();
    for (const t of targets) snapshots.set(Number(t.position), JSON.parse(t.snapshot) as DirectoryUser);
  }
  return {
    request: requestOf(row, [], []),
    targetCount: Number(row.target_count),
    counts,
    revokedButFailed,
    rows: picked.flatMap((p) => {
      const target = snapshots.get(p.position);
      return target === undefined ? [] : [{ target, outcome: p.outcome }];
    }),
  };
}

/** A page of a request's targets after `afterPosition`, each with its outcome when it has one. */
export async function targetsPage(db: Kysely<Database>, requestId: string, afterPosition: number, limit: number): Promise<TargetPageRow[]> {
  const rows = await targetsWithOutcomes(db)
    .select(["request_targets.position as position", "request_targets.snapshot as snapshot", ...JOINED_OUTCOME])
    .where("request_targets.request_id", "=", requestId)
    .where("request_targets.position", ">", afterPosition)
    .orderBy("request_targets.position", "asc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ position: Number(r.position), target: JSON.parse(r.snapshot) as DirectoryUser, outcome: joinedOutcomeOf(r) }));
}

/** A page of a request's targets after `afterPosition` that have no outcome yet. */
export async function pendingTargets(
  db: Kysely<Database>,
  requestId: string,
  afterPosition: number,
  limit: number,
): Promise<Array<{ position: number; target: DirectoryUser }>> {
  const rows = await targetsWithOutcomes(db)
    .select(["request_targets.position as position", "request_targets.snapshot as snapshot"])
    .where("request_targets.request_id", "=", requestId)
    .where("request_targets.position", ">", afterPosition)
    .where("target_outcomes.user_id", "is", null)
    .orderBy("request_targets.position", "asc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ position: Number(r.position), target: JSON.parse(r.snapshot) as DirectoryUser }));
}

/** A request's targets, each joined with its outcome when it has one. */
function targetsWithOutcomes(db: Kysely<Database>) {
  return db
    .selectFrom("request_targets")
    .leftJoin("target_outcomes", (join) =>
      join.onRef("target_outcomes.request_id", "=", "request_targets.request_id").onRef("target_outcomes.user_id", "=", "request_targets.user_id"),
    );
}
