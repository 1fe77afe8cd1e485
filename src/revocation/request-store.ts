import type { AuditEntry, NewAuditEntry } from "../audit/audit-log.js";
import type { DirectoryUser } from "../directory/types.js";
import type { ContainmentStep, StepOutcome } from "../domain/containment.js";
import type { ApprovalCard } from "../domain/origin.js";
import type { TargetOutcome } from "../domain/outcome.js";
import type { RequestState } from "../domain/request-state.js";
import type { RevocationRequest } from "./types.js";

export type RequestPatch = Partial<Pick<RevocationRequest, "state" | "decidedBy" | "decidedAt" | "decisionComment" | "decisionReason" | "respondersChoice">>;

/** What else commits atomically with a state change. */
export interface TransitionEffects {
  /** The audit entry that records the change (written in the same transaction). */
  audit?: NewAuditEntry;
  /** "enqueue" creates the request's job (on approval); "finish" marks it done (final state). */
  job?: "enqueue" | "finish";
  /** Targets (object IDs) taken out of the frozen set with this change ("Approve without responders"). */
  removeTargets?: readonly string[];
  /** Give back the request without its targets and outcomes (a large job's end). */
  light?: boolean;
}

/** Narrows listByState in the database, so callers never load requests only to drop them. */
export interface RequestFilter {
  /** Only requests expiring at or before this time (ISO). */
  expiresBy?: string;
  /** Only requests expiring after this time (ISO): still open. */
  expiresAfter?: string;
  /** Only requests made by this person (object ID, any case). */
  requesterId?: string;
  /** At most this many (the oldest first). */
  limit?: number;
}

/** MAX_PENDING_PER_REQUESTER, enforced where the request is inserted. */
export interface PendingCap {
  /** The most unexpired pending requests one requester (person or app) may have. */
  max: number;
}

/**
 * Thrown by `create` when the requester already has `cap.max` unexpired pending requests: counted
 * and inserted in one transaction that holds a per-requester lock, so concurrent proposals of one
 * requester cannot all pass the count.
 */
export class PendingCapReached extends Error {
  constructor(
    readonly open: number,
    readonly max: number,
  ) {
    super(`the requester already has ${open} pending requests (MAX_PENDING_PER_REQUESTER=${max})`);
    this.name = "PendingCapReached";
  }
}

/** The result of marking a target as about to be revoked. */
export type AttemptMark =
  /** This runner no longer holds the job's lease: it must stop. */
  | { kind: "leaseLost" }
  /** Marked; `previous` is set when an earlier runner marked it too (a call may have reached Graph). */
  | { kind: "marked"; previous: string | null };

/**
 * Where requests live. Every state change is compare-and-set on `version`, so two clicks (or two
 * replicas) can never both move a request out of the same state, and it commits together with its
 * audit entry: there is no state change without its record.
 */
export interface RequestStore {
  /** Stores a new request with its audit entry; with `cap`, throws PendingCapReached instead when the requester is at it. */
  create(request: RevocationRequest, audit: NewAuditEntry, cap?: PendingCap): Promise<AuditEntry>;
  /** The request with its frozen targets and the outcomes recorded so far. */
  get(id: string): Promise<RevocationRequest | undefined>;
  /** Applies the patch iff the stored version equals expectedVersion; returns the new request, or undefined. */
  transition(id: string, expectedVersion: number, patch: RequestPatch, effects?: TransitionEffects): Promise<RevocationRequest | undefined>;
  /** Remembers which message holds the card (not a state change, so no version bump). */
  attachCard(id: string, activityId: string): Promise<void>;
  /** Remembers the approval channel copy of the card (not a state change, so no version bump). */
  attachApprovalCard(id: string, card: ApprovalCard): Promise<void>;
  /**
   * Requests in the given states (and matching the filter), oldest first, without their targets
   * and outcomes: what listing, counting and sweeping need, in bounded memory per request.
   */
  listHeads(states: readonly RequestState[], filter?: RequestFilter): Promise<RequestHead[]>;
  /** How many requests are in the given states and match the filter (a count; nothing is loaded). */
  countByState(states: readonly RequestState[], filter?: RequestFilter): Promise<number>;
  /** Requests in the given states (and matching the filter), oldest first, each with every target: tests and tools only. */
  listByState(states: readonly RequestState[], filter?: RequestFilter): Promise<RevocationRequest[]>;
  /** Records, under the job's lease, that the target is about to be revoked. */
  markAttempt(requestId: string, userId: string, owner: string): Promise<AttemptMark>;
  /** markAttempt for several targets in one transaction (a batch about to be sent). */
  markAttempts(requestId: string, userIds: readonly string[], owner: string): Promise<AttemptMarks>;
  /**
   * recordOutcome for several targets in one transaction; returns how many were new (a target that
   * already had an outcome keeps it, and gets no second entry).
   */
  /**
   * When this bot last disabled the user (an outcome with --disable applied) and last enabled it
   * (an `enable` outcome), or null: whether an account's disable is the bot's own; and the
   * request that applied that latest disable (what an enable is asked against).
   */
  disableHistory(userId: string): Promise<{ disabledAt: string | null; enabledAt: string | null; disabledBy: string | null }>;
  /** Pending `enable` requests of any user among this request's targets (what its --disable makes stale). */
  pendingEnablesOf(requestId: string): Promise<RequestHead[]>;
  recordOutcomes(requestId: string, outcomes: ReadonlyArray<{ outcome: TargetOutcome; audit: NewAuditEntry }>): Promise<number>;
  /** What a card shows, without loading every target: counts, and at most `rows` users, failures first. */
  summary(requestId: string, rows: number): Promise<RequestSummary | undefined>;
  /**
   * At most `limit` targets without an outcome whose position is after `afterPosition`, in order
   * (a job works through a large request a page at a time, never holding all of it).
   */
  pendingTargets(requestId: string, afterPosition: number, limit: number): Promise<Array<{ position: number; target: DirectoryUser }>>;
  /**
   * Adds a target's outcome and its audit entry unless that target already has an outcome;
   * returns false when it had (the outcome is then left as it was).
   */
  recordOutcome(requestId: string, outcome: TargetOutcome, audit: NewAuditEntry): Promise<boolean>;
  /**
   * Marks, under the job's lease, that a containment step is about to be sent for these targets;
   * steps that already have an outcome are given back in `done` and not marked.
   */
  markSteps(requestId: string, step: ContainmentStep, userIds: readonly string[], owner: string): Promise<StepMarks>;
  /** Records containment step outcomes with their audit entries; a step that had one keeps it (no second entry). */
  recordSteps(requestId: string, outcomes: ReadonlyArray<{ outcome: StepOutcome; audit: NewAuditEntry }>): Promise<number>;
  /**
   * A page of the request's targets in their order, each with its outcome so far: at most `limit`
   * targets after position `afterPosition` (-1 for the first page).
   */
  targetsPage(requestId: string, afterPosition: number, limit: number): Promise<TargetPageRow[]>;
}

/** One target of a page, with its place in the request's order and its outcome (null: none yet). */
export interface TargetPageRow {
  position: number;
  target: DirectoryUser;
  outcome: TargetOutcome | null;
}

/** The result of marking a containment step of a batch of targets. */
export type StepMarks =
  | { kind: "leaseLost" }
  /** `previous`: when an earlier runner marked the step (it may have reached Graph), or null; `done`: steps already recorded. */
  | { kind: "marked"; previous: ReadonlyMap<string, string | null>; done: ReadonlyMap<string, StepOutcome> };

/** The result of marking a batch of targets. */
export type AttemptMarks =
  | { kind: "leaseLost" }
  /** For each user: when an earlier runner marked it (a call may have reached Graph), or null. */
  | { kind: "marked"; previous: ReadonlyMap<string, string | null> };

/** A request without its targets and outcomes, and how many targets it has. */
export interface RequestHead {
  /** The request; `targets` and `outcomes` are empty here. */
  request: RevocationRequest;
  targetCount: number;
}

/** A request as a card shows it, loaded in bounded memory whatever its size. */
export interface RequestSummary {
  /** The request without its targets and outcomes (both empty here). */
  request: RevocationRequest;
  targetCount: number;
  counts: Record<TargetOutcome["status"], number>;
  /** Of `counts.failed`, the targets whose sessions were revoked before a later step failed (counted as revoked in words). */
  revokedButFailed?: number;
  /** At most the asked number of users: failed and not found first, then unverified, then the rest in order. */
  rows: Array<{ target: DirectoryUser; outcome: TargetOutcome | null }>;
}

/** A claimed job. */
export interface JobClaim {
  requestId: string;
  /** How many times the job has been claimed, this claim included (above 1: resumed). */
  claims: number;
  /** Who held the lease before (a replica or process that died), when anyone did. */
  previousOwner: string | null;
}

/**
 * Approved requests waiting for, or being run by, a runner. A runner holds a lease that it renews;
 * when the lease runs out (the process died), any runner may claim the job again.
 */
export interface JobQueue {
  /** Claims this request's job if it is unfinished and nobody holds a live lease. */
  claim(requestId: string, owner: string, leaseMs: number): Promise<JobClaim | undefined>;
  /** Claims the oldest claimable unfinished job, if any. */
  claimNext(owner: string, leaseMs: number): Promise<JobClaim | undefined>;
  /** Extends the lease; false when the owner no longer holds it. */
  renew(requestId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease up (shutdown), so another runner can resume at once. */
  release(requestId: string, owner: string): Promise<void>;
}
