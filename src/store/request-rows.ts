import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import type { FailedSignIns } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import type { AdminResetCheck } from "../revocation/admin-reset.js";
import type { RequestHead } from "../revocation/request-store.js";
import type { ExcludedTarget, RevocationRequest } from "../revocation/types.js";
import type { IncidentRef } from "../domain/incident.js";
import type { Origin } from "../domain/origin.js";
import type { OutcomeStatus, TargetOutcome } from "../domain/outcome.js";
import type { RequestState } from "../domain/request-state.js";
import type { Responder } from "../domain/responder.js";
import type { RequestSelection } from "../domain/selection.js";
import { selectionFrom } from "../domain/selection.js";
import type { Database, RequestsTable, TargetOutcomesTable } from "./schema.js";

/** The database, or a transaction in it. */
export type Db = Kysely<Database> | Transaction<Database>;

// Rows per multi-row insert: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
export const INSERT_CHUNK = 500;

/** The requests row of a new request (its targets are rows of their own). */
export function requestRowOf(request: RevocationRequest, now: Date): Insertable<RequestsTable> {
  return {
    id: request.id,
    created_at: request.createdAt,
    expires_at: request.expiresAt,
    updated_at: now.toISOString(),
    requester_id: request.requester.aadObjectId,
    requester_name: request.requester.name,
    reason: request.reason,
    disable: request.disable ? 1 : 0,
    state: request.state,
    version: request.version,
    decided_by_id: request.decidedBy?.aadObjectId ?? null,
    decided_by_name: request.decidedBy?.name ?? null,
    decided_at: request.decidedAt,
    origin: JSON.stringify(request.origin),
    card_activity_id: request.cardActivityId,
    decision_comment: request.decisionComment,
    decision_reason: request.decisionReason,
    approval_reference: request.approvalCard === null ? null : JSON.stringify(request.approvalCard.reference),
    approval_activity_id: request.approvalCard?.activityId ?? null,
    excluded: JSON.stringify(request.excluded),
    target_count: request.targets.length,
    incident: request.incident === undefined ? null : JSON.stringify(request.incident),
    reset_password: request.containment.resetPassword ? 1 : 0,
    confirm_compromised: request.containment.confirmCompromised ? 1 : 0,
    action: request.action,
    foreign_disable: request.foreignDisable ? 1 : 0,
    responders: request.responders === undefined || request.responders.length === 0 ? null : JSON.stringify(request.responders),
    failed_sign_ins: request.failedSignIns === undefined ? null : JSON.stringify(request.failedSignIns),
    responders_choice: request.respondersChoice ?? null,
    enable_against: request.enableAgainst,
    admin_reset: request.adminReset === undefined ? null : JSON.stringify(request.adminReset),
    selection: request.selection === undefined ? null : JSON.stringify(request.selection),
  };
}

/** The request with its frozen targets and their outcomes, or undefined when there is none. */
export async function loadRequest(db: Db, id: string): Promise<RevocationRequest | undefined> {
  const row = await db.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : hydrateRequest(db, row);
}

/** A requests row with its frozen targets and their outcomes, in target order. */
export async function hydrateRequest(db: Db, row: Selectable<RequestsTable>): Promise<RevocationRequest> {
  const targets = await db
    .selectFrom("request_targets")
    .select("snapshot")
    .where("request_id", "=", row.id)
    .orderBy("position", "asc")
    .execute();
  const outcomes = await db
    .selectFrom("target_outcomes")
    .selectAll()
    .where("request_id", "=", row.id)
    .orderBy("position", "asc")
    .execute();
  return requestOf(
    row,
    targets.map((t) => JSON.parse(t.snapshot) as DirectoryUser),
    outcomes.map(outcomeOf),
  );
}

/** A requests row as a request, with the targets and outcomes given (none for a head). */
export function requestOf(row: Selectable<RequestsTable>, targets: DirectoryUser[], outcomes: TargetOutcome[]): RevocationRequest {
  return {
    id: row.id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    requester: { aadObjectId: row.requester_id, name: row.requester_name },
    reason: row.reason,
    disable: Number(row.disable) === 1,
    containment: { resetPassword: Number(row.reset_password) === 1, confirmCompromised: Number(row.confirm_compromised) === 1 },
    action: row.action === "enable" ? "enable" : "revoke",
    foreignDisable: Number(row.foreign_disable) === 1,
    enableAgainst: row.enable_against ?? null,
    targets,
    excluded: JSON.parse(row.excluded) as ExcludedTarget[],
    state: row.state as RequestState,
    version: Number(row.version),
    decidedBy: row.decided_by_id === null ? null : { aadObjectId: row.decided_by_id, name: row.decided_by_name ?? "" },
    decidedAt: row.decided_at,
    origin: JSON.parse(row.origin) as Origin,
    cardActivityId: row.card_activity_id,
    decisionComment: row.decision_comment,
    decisionReason: row.decision_reason,
    approvalCard:
      row.approval_reference === null ? null : { reference: JSON.parse(row.approval_reference) as Origin, activityId: row.approval_activity_id },
    outcomes,
    ...(row.incident === null || row.incident === undefined ? {} : { incident: JSON.parse(row.incident) as IncidentRef }),
    ...(row.responders === null || row.responders === undefined ? {} : { responders: JSON.parse(row.responders) as Responder[] }),
    ...(row.failed_sign_ins === null || row.failed_sign_ins === undefined ? {} : { failedSignIns: JSON.parse(row.failed_sign_ins) as FailedSignIns }),
    ...(row.responders_choice === "included" || row.responders_choice === "left_out" ? { respondersChoice: row.responders_choice } : {}),
    ...(row.admin_reset === null || row.admin_reset === undefined ? {} : { adminReset: JSON.parse(row.admin_reset) as AdminResetCheck }),
    ...selectionOfRow(row.selection),
  };
}

/** A requests row as a head: the request without targets or outcomes, and how many targets it has. */
export function headOf(row: Selectable<RequestsTable>): RequestHead {
  return { request: requestOf(row, [], []), targetCount: Number(row.target_count) };
}

/** The request's selection from its column ({} when absent or unreadable: the cards fall back to counting). */
function selectionOfRow(json: string | null | undefined): { selection?: RequestSelection } {
  if (json === null || json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  const selection = selectionFrom(parsed);
  return selection === undefined ? {} : { selection };
}

/** The outcome columns of a target joined with its outcome (targetsWithOutcomes), read by joinedOutcomeOf. */
export const JOINED_OUTCOME = [
  "target_outcomes.user_id as o_user_id",
  "target_outcomes.status as o_status",
  "target_outcomes.detail as o_detail",
  "target_outcomes.sessions_valid_from as o_valid_from",
  "target_outcomes.disabled as o_disabled",
  "target_outcomes.at as o_at",
] as const;

interface JoinedOutcomeColumns {
  o_user_id: string | null;
  o_status: string | null;
  o_detail: string | null;
  o_valid_from: string | null;
  o_disabled: number | null;
  o_at: string | null;
}

/** A target's outcome from the JOINED_OUTCOME columns, or null when it has none yet. */
export function joinedOutcomeOf(r: JoinedOutcomeColumns): TargetOutcome | null {
  if (r.o_user_id === null || r.o_status === null) return null;
  return {
    userId: r.o_user_id,
    status: r.o_status as OutcomeStatus,
    detail: r.o_detail ?? "",
    sessionsValidFrom: r.o_valid_from ?? null,
    disabled: Number(r.o_disabled) === 1,
    at: r.o_at ?? "",
  };
}

/** A target_outcomes row as an outcome. */
export function outcomeOf(o: Selectable<TargetOutcomesTable>): TargetOutcome {
  return {
    userId: o.user_id,
    status: o.status as OutcomeStatus,
    detail: o.detail,
    sessionsValidFrom: o.sessions_valid_from,
    disabled: Number(o.disabled) === 1,
    at: o.at,
  };
}
