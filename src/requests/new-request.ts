/**
 * A new request: what a proposal names (NewRequest), the pending request made of it with its
 * frozen set, and what its `request.created` audit entry records.
 */
import { adminResetAudit, type AdminResetCheck } from "../revocation/admin-reset.js";
import type { FailedSignIns } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import type { Actor } from "../domain/actor.js";
import type { Containment } from "../domain/containment.js";
import type { IncidentRef } from "../domain/incident.js";
import type { Origin } from "../domain/origin.js";
import type { RequestAction } from "../domain/request-state.js";
import type { Responder } from "../domain/responder.js";
import type { RequestSelection } from "../domain/selection.js";
import { targetSetHash } from "../revocation/target-set.js";
import type { ExcludedTarget, RevocationRequest } from "../revocation/types.js";
import { newRequestId } from "./request-id.js";

export interface NewRequest {
  requester: Actor;
  reason: string;
  disable: boolean;
  /** `--reset-password` / `--confirm-compromised`. */
  containment: Containment;
  targets: DirectoryUser[];
  excluded: ExcludedTarget[];
  origin: Origin;
  /** Where approvers were asked, for the audit entry ("" when only in the origin conversation). */
  approvalChannel: string;
  /** The command that chose the targets (e.g. `revoke department Sales`), for the audit entry. */
  selection?: string;
  /** How the targets were chosen, stored with the request to title its cards (018). */
  selected?: RequestSelection;
  /** Why it needs a second person (`secondPersonOf`), or null: recorded in the audit entry. */
  secondPerson: string | null;
  /** The incident automation raised it for (automation API only). */
  incident?: IncidentRef;
  /** revoke (the default) or enable. */
  action?: RequestAction;
  /** An enable of an account this bot did not disable. */
  foreignDisable?: boolean;
  /** The targets who are responders (`respondersIn`), frozen with the request. */
  responders?: Responder[];
  /** `revoke ip`: the failed sign-ins from the address (information, never targets). */
  failedSignIns?: FailedSignIns;
  /** An enable: the request of this bot's latest --disable of the account, or null (see RevocationRequest). */
  enableAgainst?: string | null;
  /** `--reset-password`: admins in the set and what the bot's roles allow (found by `create`). */
  adminReset?: AdminResetCheck;
}

/** A new pending request (not stored yet): a fresh ID, the frozen targets, nothing decided. */
export function pendingRequestOf(
  input: Pick<
    NewRequest,
    "requester" | "reason" | "disable" | "containment" | "targets" | "excluded" | "origin" | "incident" | "action" | "foreignDisable" | "responders" | "failedSignIns" | "enableAgainst" | "adminReset" | "selected"
  >,
  created: Date,
  ttlMinutes: number,
): RevocationRequest {
  return {
    id: newRequestId(),
    createdAt: created.toISOString(),
    expiresAt: new Date(created.getTime() + ttlMinutes * 60_000).toISOString(),
    requester: input.requester,
    reason: input.reason,
    disable: input.disable,
    containment: { resetPassword: input.containment.resetPassword, confirmCompromised: input.containment.confirmCompromised },
    action: input.action ?? "revoke",
    foreignDisable: input.foreignDisable ?? false,
    enableAgainst: input.enableAgainst ?? null,
    targets: input.targets,
    excluded: input.excluded,
    state: "pending",
    version: 1,
    decidedBy: null,
    decidedAt: null,
    decisionComment: null,
    decisionReason: null,
    origin: input.origin,
    cardActivityId: null,
    approvalCard: null,
    outcomes: [],
    ...(input.incident === undefined ? {} : { incident: input.incident }),
    ...(input.responders === undefined || input.responders.length === 0 ? {} : { responders: input.responders }),
    ...(input.failedSignIns === undefined ? {} : { failedSignIns: input.failedSignIns }),
    ...(input.adminReset === undefined ? {} : { adminReset: input.adminReset }),
    ...(input.selected === undefined ? {} : { selection: input.selected }),
  };
}

/** Users an audit entry lists by name at most; the rest are counted (and hashed). */
const AUDIT_LISTED = 50;

/** The details of the request's `request.created` audit entry. */
export function createdDetails(request: RevocationRequest, input: NewRequest): Record<string, unknown> {
  return {
    reason: request.reason,
    disable: request.disable,
    resetPassword: request.containment.resetPassword,
    confirmCompromised: request.containment.confirmCompromised,
    ...(request.action === "enable"
      ? {
          action: "enable the account",
          disabledBy: request.foreignDisable ? "someone other than this bot" : "this bot",
          // The disable it undoes: a newer one makes it stale (refused at approval and at start).
          againstDisable: request.enableAgainst ?? "none",
        }
      : {}),
    // A bulk request lists its first users here; the hash binds the entry to the exact set
    // frozen with the request (sha256 of the object IDs in order, one per line).
    targetCount: request.targets.length,
    targetsSha256: targetSetHash(request.targets),
    targets: request.targets.slice(0, AUDIT_LISTED).map((t) => ({ id: t.id, upn: t.userPrincipalName, ...(t.displayName === null ? {} : { name: t.displayName }) })),
    ...(request.targets.length > AUDIT_LISTED ? { moreTargets: `${request.targets.length - AUDIT_LISTED} more, in the request's frozen target list` } : {}),
    excludedCount: request.excluded.length,
    excluded: request.excluded.slice(0, AUDIT_LISTED).map((e) => ({ id: e.user.id, upn: e.user.userPrincipalName, why: e.why })),
    // Targets who are members of a revoker or approver group: the card names them too.
    responderCount: request.responders?.length ?? 0,
    ...(request.responders === undefined ? {} : { responders: request.responders.slice(0, AUDIT_LISTED).map((r) => ({ id: r.id, upn: r.userPrincipalName })) }),
    // `revoke ip`: failed sign-ins from the address, shown on the card and never targets.
    ...(request.failedSignIns === undefined
      ? {}
      : {
          failedSignIns: {
            attempts: request.failedSignIns.attempts,
            atLeast: request.failedSignIns.more,
            users: request.failedSignIns.users.slice(0, AUDIT_LISTED).map((u) => ({ id: u.id ?? "", upn: u.userPrincipalName, attempts: u.attempts })),
          },
        }),
    // --reset-password: admins in the set and whether the bot's identity can reset them, as the card says.
    ...(request.adminReset === undefined ? {} : { passwordResetRoles: adminResetAudit(request.adminReset) }),
    expiresAt: request.expiresAt,
    fourEyes: input.secondPerson !== null,
    ...(input.secondPerson === null ? {} : { secondPerson: input.secondPerson }),
    approvalChannel: input.approvalChannel,
    ...(input.selection === undefined ? {} : { command: input.selection.slice(0, 2000) }),
    // How the targets were chosen: the audit post titles the request with it, as the cards do.
    ...(request.selection === undefined ? {} : { selection: request.selection }),
    ...(input.incident === undefined ? {} : { incident: input.incident }),
  };
}
