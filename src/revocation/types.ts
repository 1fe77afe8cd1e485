import type { FailedSignIns } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import type { AdminResetCheck } from "./admin-reset.js";

/** pending → approved → running → completed | failed; or pending → rejected | cancelled | expired. */
export type RequestState =
  | "pending"
  | "approved"
  | "running"
  | "completed"
  | "failed"
  | "rejected"
  | "cancelled"
  | "expired";

export const FINAL_STATES: ReadonlySet<RequestState> = new Set([
  "completed",
  "failed",
  "rejected",
  "cancelled",
  "expired",
]);

/**
 * Who acts on the bot: a person, as Teams names them (their Entra object ID), or an app calling
 * the automation API, whose ID is `app:` and its application (client) ID (see `appActor`).
 */
export interface Actor {
  aadObjectId: string;
  name: string;
}

/** The prefix of an app's actor ID: an Entra object ID never has it, so an app is never taken for a person. */
export const APP_ACTOR_PREFIX = "app:";

/** The actor for an app calling the automation API: its client ID, and its display name when the token says it. */
export function appActor(appId: string, displayName: string | undefined): Actor {
  const id = appId.toLowerCase();
  return { aadObjectId: `${APP_ACTOR_PREFIX}${id}`, name: displayName === undefined || displayName === "" ? `app ${id}` : `${displayName} (app)` };
}

/** True when the actor is an app (automation), never a person. */
export function isAppActor(actor: Pick<Actor, "aadObjectId">): boolean {
  return actor.aadObjectId.toLowerCase().startsWith(APP_ACTOR_PREFIX);
}

/** The incident a request from automation was raised for (e.g. a Microsoft Sentinel incident). */
export interface IncidentRef {
  source: string;
  id: string;
  title: string;
  url?: string;
}

/**
 * Containment asked for besides the revocation (`--reset-password`, `--confirm-compromised`): each
 * a step per target with its own recorded outcome and audit entry, and always a second person.
 */
export interface Containment {
  resetPassword: boolean;
  confirmCompromised: boolean;
}

export const NO_CONTAINMENT: Containment = Object.freeze({ resetPassword: false, confirmCompromised: false });

/** True when the request asks for any containment step. */
export function hasContainment(c: Containment): boolean {
  return c.resetPassword || c.confirmCompromised;
}

/** A containment step of one target. */
export type ContainmentStep = "reset_password" | "confirm_compromised";

/** What one containment step did for one target (recorded once, with its own audit entry). */
export interface StepOutcome {
  userId: string;
  step: ContainmentStep;
  ok: boolean;
  /** For a person: what was done, or why not and the fix. Never the password. */
  detail: string;
  at: string;
}

/** What happened to one target. Every target of a run ends with exactly one. */
export type OutcomeStatus = "revoked_verified" | "revoked_unverified" | "enabled" | "not_found" | "skipped" | "failed";

/** What a request does: revoke sessions (with its options), or re-enable one account (`enable`). */
export type RequestAction = "revoke" | "enable";

export interface TargetOutcome {
  userId: string;
  status: OutcomeStatus;
  /** For a person: the failure reason and its fix, or what the read-back showed. */
  detail: string;
  /** signInSessionsValidFromDateTime read back after the revocation, when it was. */
  sessionsValidFrom: string | null;
  /** Whether --disable was applied to this target. */
  disabled: boolean;
  at: string;
  /**
   * The sessions were revoked, whatever a later step (--disable, --reset-password,
   * --confirm-compromised) did: such a target is watched and counted as revoked even when its
   * outcome is failed. Absent on outcomes that revoke nothing (enable, skipped).
   */
  sessionsRevoked?: boolean;
}

/** A user left out of the target set, and why. */
export interface ExcludedTarget {
  user: DirectoryUser;
  why: "guest" | "protected";
}

/**
 * Where the request came from and where its card lives. Opaque to this module (it is a Teams
 * conversation reference); the bot layer reads it back to update the card.
 */
export type Origin = Record<string, unknown>;

/** Where the approval copy of a request's card lives. */
export interface ApprovalCard {
  /** The approval channel's conversation reference (opaque here, as Origin). */
  reference: Origin;
  /** The posted card's message ID; null until the post is accepted. */
  activityId: string | null;
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

/**
 * How a request's targets were chosen: named users, a department, everyone who signed in from an
 * address since a time (`sinceHours` when it was asked as a window, e.g. `--since 24h`), or every
 * disabled account. Typed text (a department's name) is kept as typed; cards escape it.
 */
export type RequestSelection =
  | { kind: "users" }
  | { kind: "department"; name: string }
  | { kind: "ip"; address: string; since: string; sinceHours?: number }
  | { kind: "disabled" };

/** A stored selection read back, or undefined when it is not one (an older or damaged row). */
export function selectionFrom(value: unknown): RequestSelection | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case "users":
      return { kind: "users" };
    case "disabled":
      return { kind: "disabled" };
    case "department":
      return typeof v.name === "string" && v.name !== "" ? { kind: "department", name: v.name } : undefined;
    case "ip": {
      if (typeof v.address !== "string" || typeof v.since !== "string" || Number.isNaN(Date.parse(v.since))) return undefined;
      const hours = typeof v.sinceHours === "number" && Number.isInteger(v.sinceHours) && v.sinceHours > 0 ? v.sinceHours : undefined;
      return { kind: "ip", address: v.address, since: v.since, ...(hours === undefined ? {} : { sinceHours: hours }) };
    }
    default:
      return undefined;
  }
}

/** A target who is a responder, as the card and the audit name them. */
export interface Responder {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}
