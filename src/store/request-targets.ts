import type { Kysely, Transaction } from "kysely";
import type { AttemptMarks } from "../revocation/request-store.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { TargetOutcome } from "../domain/outcome.js";
import { INSERT_CHUNK } from "./request-rows.js";
import { holdsJobLease } from "./job-queue.js";
import type { Database } from "./schema.js";

type Clock = () => Date;

/** Freezes a new request's targets, in order, a chunk of rows at a time. */
export async function insertTargets(trx: Transaction<Database>, request: RevocationRequest): Promise<void> {
  for (let i = 0; i < request.targets.length; i += INSERT_CHUNK) {
    const chunk = request.targets.slice(i, i + INSERT_CHUNK);
    await trx
      .insertInto("request_targets")
      .values(
        chunk.map((user, j) => ({
          request_id: request.id,
          position: i + j,
          user_id: user.id,
          snapshot: JSON.stringify(user),
          attempt_at: null,
          attempt_owner: null,
        })),
      )
      .execute();
  }
}

/**
 * Leaves users out of a request's frozen set with its decision (no outcome exists yet: the job
 * starts after), and lowers its target count by the rows removed.
 */
export async function removeTargets(trx: Transaction<Database>, id: string, leaving: readonly string[]): Promise<void> {
  let removed = 0;
  for (let i = 0; i < leaving.length; i += INSERT_CHUNK) {
    const gone = await trx
      .deleteFrom("request_targets")
      .where("request_id", "=", id)
      .where("user_id", "in", leaving.slice(i, i + INSERT_CHUNK))
      .executeTakeFirst();
    removed += Number(gone.numDeletedRows);
  }
  await trx
    .updateTable("requests")
    .set((eb) => ({ target_count: eb("target_count", "-", removed) }))
    .where("id", "=", id)
    .execute();
}

/**
 * Marks the targets as attempted by `owner`, if it still holds the request's job lease; answers
 * each target's previous attempt time.
 * @throws Error when a user is not one of the request's targets
 */
export function markAttempts(db: Kysely<Database>, clock: Clock, requestId: string, userIds: readonly string[], owner: string): Promise<AttemptMarks> {
  return db.transaction().execute(async (trx) => {
    const nowIso = clock().toISOString();
    const previous = new Map<string, string | null>();
    for (let i = 0; i < userIds.length; i += INSERT_CHUNK) {
      const rows = await trx
        .selectFrom("request_targets")
        .select(["user_id", "attempt_at"])
        .where("request_id", "=", requestId)
        .where("user_id", "in", userIds.slice(i, i + INSERT_CHUNK))
        .execute();
      for (const row of rows) previous.set(row.user_id, row.attempt_at);
    }
    const missing = userIds.find((id) => !previous.has(id));
    if (missing !== undefined) throw new Error(`request ${requestId} has no target ${missing}`);
    if (!(await holdsJobLease(trx, requestId, owner, nowIso))) return { kind: "leaseLost" } as const;
    for (let i = 0; i < userIds.length; i += INSERT_CHUNK) {
      await trx
        .updateTable("request_targets")
        .set({ attempt_at: nowIso, attempt_owner: owner })
        .where("request_id", "=", requestId)
        .where("user_id", "in", userIds.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    return { kind: "marked", previous } as const;
  });
}

/**
 * Inserts the targets' outcomes in the caller's transaction; a target that already has one keeps
 * it. Answers the users whose outcome is new.
 * @throws Error when a user is not one of the request's targets
 */
export async function insertOutcomes(trx: Transaction<Database>, requestId: string, outcomes: readonly TargetOutcome[]): Promise<Set<string>> {
  const positions = new Map<string, number>();
  const ids = outcomes.map((o) => o.userId);
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    const rows = await trx
      .selectFrom("request_targets")
      .select(["user_id", "position"])
      .where("request_id", "=", requestId)
      .where("user_id", "in", ids.slice(i, i + INSERT_CHUNK))
      .execute();
    for (const row of rows) positions.set(row.user_id, Number(row.position));
  }
  const inserted = new Set<string>();
  for (let i = 0; i < outcomes.length; i += INSERT_CHUNK) {
    const rows = await trx
      .insertInto("target_outcomes")
      .values(
        outcomes.slice(i, i + INSERT_CHUNK).map((outcome) => {
          const position = positions.get(outcome.userId);
          if (position === undefined) throw new Error(`request ${requestId} has no target ${outcome.userId}`);
          return {
            request_id: requestId,
            user_id: outcome.userId,
            position,
            status: outcome.status,
            detail: outcome.detail,
            sessions_valid_from: outcome.sessionsValidFrom,
            disabled: outcome.disabled ? 1 : 0,
            at: outcome.at,
            sessions_revoked:
              outcome.sessionsRevoked === undefined ? (outcome.status === "revoked_verified" || outcome.status === "revoked_unverified" ? 1 : null) : outcome.sessionsRevoked ? 1 : 0,
          };
        }),
      )
      .onConflict((oc) => oc.columns(["request_id", "user_id"]).doNothing())
      .returning("user_id")
      .execute();
    for (const row of rows) inserted.add(row.user_id);
  }
  return inserted;
}

/** When the user was last disabled (and by which request) and last enabled, from the outcomes. */
export async function disableHistory(db: Kysely<Database>, userId: string): Promise<{ disabledAt: string | null; enabledAt: string | null; disabledBy: string | null }> {
  const latest = async (column: "disabled" | "status", value: number | string): Promise<{ at: string; requestId: string } | undefined> =>
    db
      .selectFrom("target_outcomes")
      .select(["at", "request_id as requestId"])
      .where("user_id", "=", userId)
      .where(column, "=", value)
      .orderBy("at", "desc")
      .orderBy("request_id", "desc")
      .limit(1)
      .executeTakeFirst();
  const [disabled, enabled] = await Promise.all([latest("disabled", 1), latest("status", "enabled")]);
  return { disabledAt: disabled?.at ?? null, enabledAt: enabled?.at ?? null, disabledBy: disabled?.requestId ?? null };
}
