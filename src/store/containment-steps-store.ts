import type { Kysely, Transaction } from "kysely";
import type { StepMarks } from "../revocation/request-store.js";
import type { ContainmentStep, StepOutcome } from "../domain/containment.js";
import { holdsJobLease } from "./job-queue.js";
import type { Database } from "./schema.js";

type Clock = () => Date;

/**
 * Marks a containment step as attempted for the users by `owner`, if it still holds the request's
 * job lease; answers the steps already done (with their outcome) and the others' previous attempt.
 */
export function markSteps(db: Kysely<Database>, clock: Clock, requestId: string, step: ContainmentStep, userIds: readonly string[], owner: string): Promise<StepMarks> {
  return db.transaction().execute(async (trx) => {
    const nowIso = clock().toISOString();
    if (!(await holdsJobLease(trx, requestId, owner, nowIso))) return { kind: "leaseLost" } as const;
    const rows =
      userIds.length === 0
        ? []
        : await trx
            .selectFrom("containment_steps")
            .selectAll()
            .where("request_id", "=", requestId)
            .where("step", "=", step)
            .where("user_id", "in", [...userIds])
            .execute();
    const byUser = new Map(rows.map((r) => [r.user_id, r]));
    const done = new Map<string, StepOutcome>();
    const previous = new Map<string, string | null>();
    for (const id of userIds) {
      const row = byUser.get(id);
      if (row !== undefined && row.status !== null) {
        done.set(id, { userId: id, step, ok: row.status === "done", detail: row.detail ?? "", at: row.at ?? "" });
        continue;
      }
      previous.set(id, row?.attempt_at ?? null);
      await trx
        .insertInto("containment_steps")
        .values({ request_id: requestId, user_id: id, step, attempt_at: nowIso, attempt_owner: owner, attempts: 1, status: null, detail: null, at: null })
        .onConflict((oc) =>
          oc.columns(["request_id", "user_id", "step"]).doUpdateSet((eb) => ({
            attempt_at: nowIso,
            attempt_owner: owner,
            attempts: eb("containment_steps.attempts", "+", 1),
          })),
        )
        .execute();
    }
    return { kind: "marked", previous, done } as const;
  });
}

/**
 * Records the steps' outcomes in the caller's transaction; a step that already has one keeps it.
 * Answers the items whose outcome is new.
 */
export async function settleSteps<T extends { outcome: StepOutcome }>(trx: Transaction<Database>, requestId: string, outcomes: readonly T[]): Promise<T[]> {
  const settled: T[] = [];
  for (const item of outcomes) {
    const { outcome } = item;
    const result = await trx
      .updateTable("containment_steps")
      .set({ status: outcome.ok ? "done" : "failed", detail: outcome.detail, at: outcome.at })
      .where("request_id", "=", requestId)
      .where("user_id", "=", outcome.userId)
      .where("step", "=", outcome.step)
      .where("status", "is", null)
      .executeTakeFirst();
    // Only a step whose outcome is new: a second outcome is impossible.
    if (Number(result.numUpdatedRows) === 1) settled.push(item);
  }
  return settled;
}
