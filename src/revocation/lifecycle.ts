import { createHash, randomInt } from "node:crypto";
import type { Auditor } from "../audit/auditor.js";
import type { DirectoryUser } from "../directory/types.js";
import { abilitiesOf, mayApprove, mayCancel, mayReject, needsFourEyes, samePerson, type Abilities, type Decision } from "../policy/decide.js";
import type { RoleLookup, Roles } from "../policy/roles.js";
import type { ProgressListener } from "./job-runner.js";
import type { RequestStore, RequestSummary } from "./request-store.js";
import type { Actor, ApprovalCard, ExcludedTarget, Origin, RequestState, RevocationRequest } from "./types.js";

/** Starts the revocation of an approved request in the background. */
export interface JobStarter {
  start(requestId: string): void;
}

export interface NewRequest {
  requester: Actor;
  reason: string;
  disable: boolean;
  targets: DirectoryUser[];
  excluded: ExcludedTarget[];
  origin: Origin;
  /** Where approvers were asked, for the audit entry ("" when only in the origin conversation). */
  approvalChannel: string;
  /** The command that chose the targets (e.g. `revoke department Sales`), for the audit entry. */
  selection?: string;
}

/** approve and reject come from a request's card; cancel (withdraw) from the card or `cancel <id>`. */
export type DecisionVerb = "approve" | "reject" | "cancel";

/** A pending request and what one person may do with it. */
export interface Actionable {
  request: RevocationRequest;
  abilities: Abilities;
}

/** How one person sees a request: what they may do, and whether they asked for it. */
export interface Viewpoint {
  abilities: Abilities;
  isRequester: boolean;
}

const NEXT_STATE: Record<DecisionVerb, RequestState> = { approve: "approved", reject: "rejected", cancel: "cancelled" };
const DECIDED_ACTION = { approve: "request.approved", reject: "request.rejected", cancel: "request.cancelled" } as const;

export type DecisionResult =
  | { kind: "done"; request: RevocationRequest; reason: string }
  | { kind: "refused"; request: RevocationRequest; reason: string }
  | { kind: "notFound" }
  | { kind: "notPending"; request: RevocationRequest };

/** A new pending request (not stored yet): a fresh ID, the frozen targets, nothing decided. */
export function pendingRequestOf(
  input: Pick<NewRequest, "requester" | "reason" | "disable" | "targets" | "excluded" | "origin">,
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
  };
}

/** Users an audit entry lists by name at most; the rest are counted (and hashed). */
const AUDIT_LISTED = 50;

/** sha256 of the target object IDs in order, one per line: what exactly was asked for. */
export function targetSetHash(targets: readonly DirectoryUser[]): string {
  const hash = createHash("sha256");
  for (const t of targets) hash.update(`${t.id}\n`);
  return hash.digest("hex");
}

// Crockford base32 without I, L, O, U: readable aloud, no look-alikes.
const ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A new request ID: "R-" and 10 random base32 characters (50 bits). */
export function newRequestId(): string {
  let id = "R-";
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/**
 * The one place a request changes state. Every transition is compare-and-set on the store's
 * version, re-checks policy with roles looked up at the moment of the action, and is audited.
 */
export class RevocationService {
  constructor(
    private readonly deps: {
      store: RequestStore;
      auditor: Auditor;
      roles: RoleLookup;
      jobs: JobStarter;
      /** Told when a request ends without running (cancelled, rejected, expired), to edit its card. */
      listener: ProgressListener;
      ttlMinutes: number;
      fourEyesMinTargets: number;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Creates a pending request with its frozen target snapshot and audits it. */
  async create(input: NewRequest): Promise<RevocationRequest> {
    const request = pendingRequestOf(input, this.now(), this.deps.ttlMinutes);
    await this.deps.store.create(request, {
      actor: input.requester,
      action: "request.created",
      requestId: request.id,
      details: {
        reason: request.reason,
        disable: request.disable,
        // A bulk request lists its first users here; the hash binds the entry to the exact set
        // frozen with the request (sha256 of the object IDs in order, one per line).
        targetCount: request.targets.length,
        targetsSha256: targetSetHash(request.targets),
        targets: request.targets.slice(0, AUDIT_LISTED).map((t) => ({ id: t.id, upn: t.userPrincipalName })),
        ...(request.targets.length > AUDIT_LISTED ? { moreTargets: `${request.targets.length - AUDIT_LISTED} more, in the request's frozen target list` } : {}),
        excludedCount: request.excluded.length,
        excluded: request.excluded.slice(0, AUDIT_LISTED).map((e) => ({ id: e.user.id, upn: e.user.userPrincipalName, why: e.why })),
        expiresAt: request.expiresAt,
        fourEyes: this.fourEyes(request),
        approvalChannel: input.approvalChannel,
        ...(input.selection === undefined ? {} : { command: input.selection.slice(0, 2000) }),
      },
    });
    return request;
  }

  get(id: string): Promise<RevocationRequest | undefined> {
    return this.deps.store.get(id);
  }

  /** The request as a card shows it (counts and at most `rows` users), without loading every target. */
  summary(id: string, rows: number): Promise<RequestSummary | undefined> {
    return this.deps.store.summary(id, rows);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.deps.store.summary(id, 0)) !== undefined;
  }

  /** Remembers which message holds the request's card, so later updates edit it in place. */
  attachCard(id: string, activityId: string): Promise<void> {
    return this.deps.store.attachCard(id, activityId);
  }

  /** Remembers the approval channel copy of the request's card. */
  attachApprovalCard(id: string, card: ApprovalCard): Promise<void> {
    return this.deps.store.attachApprovalCard(id, card);
  }

  /** True when the request needs an approver other than its requester. */
  fourEyes(request: Pick<RevocationRequest, "targets">): boolean {
    return needsFourEyes(request.targets.length, this.deps.fourEyesMinTargets);
  }

  /** What the person may do with the request now (roles looked up at this moment). */
  async viewpointOf(request: RevocationRequest, actor: Actor): Promise<Viewpoint> {
    const roles = await this.deps.roles.rolesOf(actor.aadObjectId);
    return {
      abilities: this.isOpen(request) ? abilitiesOf(facts(request), actor, roles, this.deps.fourEyesMinTargets) : NOTHING,
      isRequester: samePerson(request.requester, actor),
    };
  }

  /**
   * Applies a decision (approve, reject, withdraw). Only the first allowed decision on a pending,
   * unexpired request counts; an approval starts the job in the background and returns at once.
   * Refusals are audited with their reason and change nothing.
   */
  async decide(id: string, actor: Actor, verb: DecisionVerb, comment: string | null = null): Promise<DecisionResult> {
    const request = await this.deps.store.get(id);
    if (request === undefined) return { kind: "notFound" };
    if (!this.isOpen(request)) {
      // Decided, withdrawn or expired already (a replayed or late click): recorded, nothing changes.
      const latest = request.state === "pending" ? ((await this.expire(request)) ?? (await this.deps.store.get(id)) ?? request) : request;
      await this.refuse(actor, id, { verb, reason: `the request is no longer pending (it is ${latest.state})`, ...(comment === null ? {} : { comment }) });
      return { kind: "notPending", request: latest };
    }

    const roles = await this.deps.roles.rolesOf(actor.aadObjectId);
    const decision = this.policy(verb, request, actor, roles);
    if (!decision.allowed) {
      await this.refuse(actor, id, { verb, reason: decision.reason, roles, ...(comment === null ? {} : { comment }) });
      return { kind: "refused", request, reason: decision.reason };
    }

    const nextState = NEXT_STATE[verb];
    const updated = await this.deps.store.transition(
      id,
      request.version,
      {
        state: nextState,
        decidedBy: actor,
        decidedAt: this.now().toISOString(),
        decisionComment: comment,
        decisionReason: decision.reason,
      },
      {
        audit: {
          actor,
          action: DECIDED_ACTION[verb],
          requestId: id,
          details: {
            reason: decision.reason,
            comment: comment ?? "",
            targetCount: request.targets.length,
            fourEyes: this.fourEyes(request),
            roles,
          },
        },
        // The job row commits with the approval: a crash right after still leaves it to be run.
        job: nextState === "approved" ? "enqueue" : undefined,
      },
    );
    if (updated === undefined) {
      // Someone else's decision won the race: this one is recorded as refused, with the state they left.
      const latest = (await this.deps.store.get(id)) ?? request;
      await this.refuse(actor, id, { verb, reason: `another decision came first (the request is ${latest.state})`, ...(comment === null ? {} : { comment }) });
      return { kind: "notPending", request: latest };
    }
    if (nextState === "approved") this.deps.jobs.start(id);
    else this.announceEnd(updated);
    return { kind: "done", request: updated, reason: decision.reason };
  }

  /** Records a refused action: a decision the policy did not allow, or a forged card action. */
  async refuse(actor: Actor, requestId: string | null, details: Record<string, unknown>): Promise<void> {
    await this.deps.auditor.record({ actor, action: "decision.refused", requestId, details });
  }

  /** Open requests the person may act on (withdraw their own; approve or reject others'), oldest first. */
  async actionableBy(actor: Actor, limit = 50): Promise<Actionable[]> {
    const roles = await this.deps.roles.rolesOf(actor.aadObjectId);
    // Without the approver role a person can act only on their own requests.
    const candidates = await this.deps.store.listByState(
      ["pending"],
      roles.approver ? { limit: limit * 2 } : { requesterId: actor.aadObjectId, limit },
    );
    const out: Actionable[] = [];
    for (const request of candidates) {
      if (!this.isOpen(request)) continue;
      const abilities = abilitiesOf(facts(request), actor, roles, this.deps.fourEyesMinTargets);
      if (abilities.approve || abilities.reject || abilities.cancel) out.push({ request, abilities });
      if (out.length >= limit) break;
    }
    return out;
  }

  private policy(verb: DecisionVerb, request: RevocationRequest, actor: Actor, roles: Roles): Decision {
    switch (verb) {
      case "approve":
        return mayApprove(facts(request), actor, roles, this.deps.fourEyesMinTargets);
      case "reject":
        return mayReject(facts(request), actor, roles);
      case "cancel":
        return mayCancel(facts(request), actor);
    }
  }

  private isOpen(request: RevocationRequest): boolean {
    return request.state === "pending" && Date.parse(request.expiresAt) > this.now().getTime();
  }

  /** Marks every pending request past its TTL as expired; returns those it expired. */
  async expireDue(): Promise<RevocationRequest[]> {
    const due = await this.deps.store.listByState(["pending"], { expiresBy: this.now().toISOString() });
    const expired: RevocationRequest[] = [];
    for (const request of due) {
      const done = await this.expire(request);
      if (done !== undefined) expired.push(done);
    }
    return expired;
  }

  private async expire(request: RevocationRequest): Promise<RevocationRequest | undefined> {
    const updated = await this.deps.store.transition(
      request.id,
      request.version,
      { state: "expired" },
      {
        audit: {
          actor: null,
          action: "request.expired",
          requestId: request.id,
          details: { expiresAt: request.expiresAt, targetCount: request.targets.length },
        },
      },
    );
    if (updated === undefined) return undefined; // another replica (or a click) got there first
    this.announceEnd(updated);
    return updated;
  }

  /** Edits the request's card to its final state, in the background (callers may hold an invoke). */
  private announceEnd(request: RevocationRequest): void {
    this.deps.listener.onFinished(request).catch(() => {
      // The listener logs its own failures; a card that cannot be edited changes no outcome.
    });
  }
}

const NOTHING: Abilities = Object.freeze({ approve: false, reject: false, cancel: false });

function facts(request: RevocationRequest) {
  return { requester: request.requester, targetCount: request.targets.length };
}
