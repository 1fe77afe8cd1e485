import type { FailedSignIns } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import type { Actor } from "../domain/actor.js";
import type { Containment } from "../domain/containment.js";
import type { IncidentRef } from "../domain/incident.js";
import type { ApprovalCard, Origin } from "../domain/origin.js";
import type { TargetOutcome } from "../domain/outcome.js";
import type { RequestAction, RequestState } from "../domain/request-state.js";
import type { Responder } from "../domain/responder.js";
import type { RequestSelection } from "../domain/selection.js";
import type { AdminResetCheck } from "./admin-reset.js";

/** A user left out of the target set, and why. */
export interface ExcludedTarget {
  user: DirectoryUser;
  why: "guest" | "protected";
}

export interface RevocationRequest {
  /** Short, human-typable, unguessable (e.g. R-7K2M9QX4). */
  id: string;
  createdAt: string;
  expiresAt: string;
  requester: Actor;
  reason: string;
  disable: boolean;
  /** Containment steps asked for (migration 007). */
  containment: Containment;
  /** revoke, or enable (migration 007). */
  action: RequestAction;
  /** An enable of an account this bot did not disable: approving it needs the explicit confirmation. */
  foreignDisable: boolean;
  /**
   * An enable: the request whose --disable of the account was this bot's latest when the enable
   * was asked (null: none). A newer disable makes the enable stale: it is refused (migration 012).
   */
  enableAgainst: string | null;
  /** Frozen when the request is made: what runs is exactly what was shown. */
  targets: DirectoryUser[];
  excluded: ExcludedTarget[];
  state: RequestState;
  /** Incremented on every change; updates are compare-and-set on it. */
  version: number;
  decidedBy: Actor | null;
  decidedAt: string | null;
  /** The decider's optional comment from the card (approve / reject), or null. */
  decisionComment: string | null;
  /** Why the policy allowed the decision (shown on the card and in the audit), or null. */
  decisionReason: string | null;
  origin: Origin;
  cardActivityId: string | null;
  /**
   * The copy of the card posted to the approval channel, for a four-eyes request made elsewhere
   * (approvers act on it there); null when there is none.
   */
  approvalCard: ApprovalCard | null;
  outcomes: TargetOutcome[];
  /** The incident a request from automation names (its title and link go on the approval card). */
  incident?: IncidentRef;
  /**
   * Targets who were members of a revoker or approver group when the request was made (migration
   * 008); absent or empty when none was.
   */
  responders?: Responder[];
  /** `revoke ip`: the failed sign-ins from the address, shown as information, never targets (008). */
  failedSignIns?: FailedSignIns;
  /** How the approver settled the responders: included, or left out of the set (008). */
  respondersChoice?: "included" | "left_out";
  /**
   * `--reset-password`: admins among the targets and whether the bot's identity can reset them,
   * found when the request was made (017); absent without the option.
   */
  adminReset?: AdminResetCheck;
  /** What was asked for, to title the request's cards and audit posts (018); absent on older requests. */
  selection?: RequestSelection;
}

