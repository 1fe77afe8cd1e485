import { randomInt } from "node:crypto";
import type { Auditor } from "../audit/auditor.js";
import type { DirectoryUser } from "../directory/types.js";
import { mayCancel, mayConfirm } from "../policy/decide.js";
import type { RoleLookup } from "../policy/roles.js";
import type { ProgressListener } from "./job-runner.js";
import type { RequestStore } from "./request-store.js";
import type { Actor, ExcludedTarget, Origin, RevocationRequest } from "./types.js";

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
}

export type DecisionVerb = "confirm" | "cancel";

export type DecisionResult =
  | { kind: "done"; request: RevocationRequest; reason: string }
  | { kind: "refused"; request: RevocationRequest; reason: string }
  | { kind: "notFound" }
  | { kind: "notPending"; request: RevocationRequest };

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
    const created = this.now();
    const request: RevocationRequest = {
      id: newRequestId(),
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + this.deps.ttlMinutes * 60_000).toISOString(),
      requester: input.requester,
      reason: input.reason,
      disable: input.disable,
      targets: input.targets,
      excluded: input.excluded,
      state: "pending",
      version: 1,
      decidedBy: null,
      decidedAt: null,
      origin: input.origin,
      cardActivityId: null,
      outcomes: [],
    };
    await this.deps.store.create(request, {
      actor: input.requester,
      action: "request.created",
      requestId: request.id,
      details: {
        reason: request.reason,
        disable: request.disable,
        targets: request.targets.map((t) => ({ id: t.id, upn: t.userPrincipalName })),
        excluded: request.excluded.map((e) => ({ id: e.user.id, upn: e.user.userPrincipalName, why: e.why })),
        expiresAt: request.expiresAt,
      },
    });
    return request;
  }

  get(id: string): Promise<RevocationRequest | undefined> {
    return this.deps.store.get(id);
  }

  /** Remembers which message holds the request's card, so later updates edit it in place. */
  attachCard(id: string, activityId: string): Promise<void> {
    return this.deps.store.attachCard(id, activityId);
  }

  /**
   * Applies a card decision. Only the first valid decision on a pending, unexpired request
   * counts; a confirmation starts the job in the background and returns at once.
   */
  async decide(id: string, actor: Actor, verb: DecisionVerb): Promise<DecisionResult> {
    const request = await this.deps.store.get(id);
    if (request === undefined) return { kind: "notFound" };
    if (request.state !== "pending") return { kind: "notPending", request };
    if (Date.parse(request.expiresAt) <= this.now().getTime()) {
      const expired = await this.expire(request);
      return { kind: "notPending", request: expired ?? request };
    }

    const roles = await this.deps.roles.rolesOf(actor.aadObjectId);
    const decision =
      verb === "confirm"
        ? mayConfirm(request, actor, roles, this.deps.fourEyesMinTargets)
        : mayCancel(request, actor, roles);
    if (!decision.allowed) {
      await this.deps.auditor.record({
        actor,
        action: "decision.refused",
        requestId: id,
        details: { verb, reason: decision.reason, roles },
      });
      return { kind: "refused", request, reason: decision.reason };
    }

    const own = actor.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase();
    const nextState = verb === "confirm" ? "approved" : own ? "cancelled" : "rejected";
    const updated = await this.deps.store.transition(
      id,
      request.version,
      { state: nextState, decidedBy: actor, decidedAt: this.now().toISOString() },
      {
        audit: {
          actor,
          action:
            nextState === "approved" ? "request.approved" : nextState === "cancelled" ? "request.cancelled" : "request.rejected",
          requestId: id,
          details: { reason: decision.reason, targetCount: request.targets.length },
        },
        // The job row commits with the approval: a crash right after still leaves it to be run.
        job: nextState === "approved" ? "enqueue" : undefined,
      },
    );
    if (updated === undefined) {
      // Someone else's decision won the race; report the state they left.
      const latest = await this.deps.store.get(id);
      return { kind: "notPending", request: latest ?? request };
    }
    if (nextState === "approved") this.deps.jobs.start(id);
    else this.announceEnd(updated);
    return { kind: "done", request: updated, reason: decision.reason };
  }

  /** Pending requests the given person asked for. */
  async pendingOf(actor: Actor): Promise<RevocationRequest[]> {
    return this.deps.store.listByState(["pending"], { requesterId: actor.aadObjectId });
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
