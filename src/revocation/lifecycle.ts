import { createHash, randomInt } from "node:crypto";
import type { Auditor } from "../audit/auditor.js";
import type { DirectoryUser } from "../directory/types.js";
import {
  abilitiesOf,
  mayApprove,
  mayCancel,
  mayReject,
  needsFourEyes,
  samePerson,
  secondPersonReason,
  type Abilities,
  type Decision,
  type RequestFacts,
} from "../policy/decide.js";
import { NO_ROLES, type RoleLookup, type Roles } from "../policy/roles.js";
import type { ProgressListener } from "./job-runner.js";
import type { RequestHead, RequestStore, RequestSummary, TargetPageRow } from "./request-store.js";
import {
  hasContainment,
  isAppActor,
  type Actor,
  type ApprovalCard,
  type Containment,
  type ExcludedTarget,
  type IncidentRef,
  type Origin,
  type RequestAction,
  type RequestState,
  type RevocationRequest,
} from "./types.js";

/** Starts the revocation of an approved request in the background. */
export interface JobStarter {
  start(requestId: string): void;
}

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
  /** Why it needs a second person (`secondPersonOf`), or null: recorded in the audit entry. */
  secondPerson: string | null;
  /** The incident automation raised it for (automation API only). */
  incident?: IncidentRef;
  /** revoke (the default) or enable. */
  action?: RequestAction;
  /** An enable of an account this bot did not disable. */
  foreignDisable?: boolean;
}

/** approve and reject come from a request's card; cancel (withdraw) from the card or `cancel <id>`. */
export type DecisionVerb = "approve" | "reject" | "cancel";

/** A pending request (without its targets) and what one person may do with it. */
export interface Actionable {
  request: RevocationRequest;
  targetCount: number;
  abilities: Abilities;
}

/** How one person sees a request: what they may do, and whether they asked for it. */
export interface Viewpoint {
  abilities: Abilities;
  isRequester: boolean;
}

const NEXT_STATE: Record<DecisionVerb, RequestState> = { approve: "approved", reject: "rejected", cancel: "cancelled" };
const DECIDED_ACTION = { approve: "request.approved", reject: "request.rejected", cancel: "request.cancelled" } as const;

/**
 * The outcome of a decision. `view` is the request as a card shows it (counts and at most
 * VIEW_ROWS users): no decision path loads a request's whole target list.
 */
export type DecisionResult =
  | { kind: "done"; view: RequestSummary; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "notFound" }
  | { kind: "notPending"; view: RequestSummary };

/** Users a request's view (its card) holds at most; also the most targets checked for roles. */
export const VIEW_ROWS = 20;

/** Expired requests handled per page of the expiry sweep, by default. */
export const SWEEP_PAGE_SIZE = 100;

/** A new pending request (not stored yet): a fresh ID, the frozen targets, nothing decided. */
export function pendingRequestOf(
  input: Pick<NewRequest, "requester" | "reason" | "disable" | "containment" | "targets" | "excluded" | "origin" | "incident" | "action" | "foreignDisable">,
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
      /** DISABLE_NEEDS_SECOND_PERSON */
      disableNeedsSecondPerson: boolean;
      /** MAX_PENDING_PER_REQUESTER */
      maxPendingPerRequester: number;
      /** Requests the expiry sweep reads per page. */
      sweepPageSize?: number;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Creates a pending request with its frozen target snapshot and audits it. Throws
   * PendingCapReached (nothing stored) when the requester already has MAX_PENDING_PER_REQUESTER
   * open requests: counted in the inserting transaction, so concurrent calls cannot pass together.
   */
  async create(input: NewRequest): Promise<RevocationRequest> {
    const request = pendingRequestOf(input, this.now(), this.deps.ttlMinutes);
    const cap = { max: this.deps.maxPendingPerRequester };
    await this.deps.store.create(request, {
      actor: input.requester,
      action: "request.created",
      requestId: request.id,
      details: {
        reason: request.reason,
        disable: request.disable,
        resetPassword: request.containment.resetPassword,
        confirmCompromised: request.containment.confirmCompromised,
        ...(request.action === "enable" ? { action: "enable the account", disabledBy: request.foreignDisable ? "someone other than this bot" : "this bot" } : {}),
        // A bulk request lists its first users here; the hash binds the entry to the exact set
        // frozen with the request (sha256 of the object IDs in order, one per line).
        targetCount: request.targets.length,
        targetsSha256: targetSetHash(request.targets),
        targets: request.targets.slice(0, AUDIT_LISTED).map((t) => ({ id: t.id, upn: t.userPrincipalName })),
        ...(request.targets.length > AUDIT_LISTED ? { moreTargets: `${request.targets.length - AUDIT_LISTED} more, in the request's frozen target list` } : {}),
        excludedCount: request.excluded.length,
        excluded: request.excluded.slice(0, AUDIT_LISTED).map((e) => ({ id: e.user.id, upn: e.user.userPrincipalName, why: e.why })),
        expiresAt: request.expiresAt,
        fourEyes: input.secondPerson !== null,
        ...(input.secondPerson === null ? {} : { secondPerson: input.secondPerson }),
        approvalChannel: input.approvalChannel,
        ...(input.selection === undefined ? {} : { command: input.selection.slice(0, 2000) }),
        ...(input.incident === undefined ? {} : { incident: input.incident }),
      },
    }, cap);
    return request;
  }

  /** The request as a card shows it (counts and at most `rows` users), without loading every target. */
  summary(id: string, rows: number): Promise<RequestSummary | undefined> {
    return this.deps.store.summary(id, rows);
  }

  /** A page of the request's targets with their outcomes so far (see RequestStore.targetsPage). */
  targetsPage(id: string, afterPosition: number, limit: number): Promise<TargetPageRow[]> {
    return this.deps.store.targetsPage(id, afterPosition, limit);
  }

  /** The request's row and counts, no target at all: what authorization is decided from. */
  head(id: string): Promise<RequestSummary | undefined> {
    return this.deps.store.summary(id, 0);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.deps.store.summary(id, 0)) !== undefined;
  }

  /** Unexpired pending requests (heads only), oldest first, of one requester or of everyone: `cancel app`. */
  openRequests(requesterId?: string, limit = 1000): Promise<RequestHead[]> {
    return this.deps.store.listHeads(["pending"], { expiresAfter: this.now().toISOString(), limit, ...(requesterId === undefined ? {} : { requesterId }) });
  }

  /** How many unexpired pending requests the person has (a count: nothing is loaded). */
  pendingCountOf(requesterId: string): Promise<number> {
    return this.deps.store.countByState(["pending"], { requesterId, expiresAfter: this.now().toISOString() });
  }

  /**
   * Whether the user's account was disabled by this bot: a --disable applied to them that no
   * `enable` of this bot's has undone since. An account disabled otherwise (by an administrator,
   * another tool) is someone else's decision.
   */
  async disabledByThisBot(userId: string): Promise<boolean> {
    const { disabledAt, enabledAt } = await this.deps.store.disableHistory(userId);
    return disabledAt !== null && (enabledAt === null || disabledAt > enabledAt);
  }

  /** MAX_PENDING_PER_REQUESTER */
  get maxPendingPerRequester(): number {
    return this.deps.maxPendingPerRequester;
  }

  /** Remembers which message holds the request's card, so later updates edit it in place. */
  attachCard(id: string, activityId: string): Promise<void> {
    return this.deps.store.attachCard(id, activityId);
  }

  /** Remembers the approval channel copy of the request's card. */
  attachApprovalCard(id: string, card: ApprovalCard): Promise<void> {
    return this.deps.store.attachApprovalCard(id, card);
  }

  /** True when the request's size alone needs an approver other than its requester. */
  fourEyes(request: { targetCount: number }): boolean {
    return needsFourEyes(request.targetCount, this.deps.fourEyesMinTargets);
  }

  /**
   * Why a request needs a second person, or null when its requester may confirm it: its size, a
   * `--disable`, or a target in a revoker or approver group. `targets` are the request's targets
   * as far as known; the role of each is looked up only for a request that would otherwise be a
   * one-person request, and of at most VIEW_ROWS targets (more, or fewer known than it has, and a
   * second person is needed without looking).
   */
  async secondPersonOf(request: {
    targetCount: number;
    disable: boolean;
    containment: Containment;
    targets: readonly DirectoryUser[];
    requester?: Actor;
    action?: RequestAction;
  }): Promise<string | null> {
    const rules = { fourEyesMinTargets: this.deps.fourEyesMinTargets, disableNeedsSecondPerson: this.deps.disableNeedsSecondPerson };
    const cheap = this.bySizeOrDisable(request.targetCount, request.disable, request.containment, request.requester, request.action);
    if (cheap !== null) return cheap;
    if (request.targetCount > VIEW_ROWS || request.targets.length < request.targetCount) {
      return secondPersonReason({ ...request, containment: hasContainment(request.containment), privilegedTarget: undefined }, rules);
    }
    const roles = await Promise.all(request.targets.map((t) => this.deps.roles.rolesOf(t.id)));
    const privileged = request.targets.find((_t, i) => roles[i]?.revoker === true || roles[i]?.approver === true);
    return secondPersonReason(
      { ...request, containment: hasContainment(request.containment), privilegedTarget: privileged === undefined ? "" : privileged.userPrincipalName },
      rules,
    );
  }

  /**
   * The rule from who asked (automation always needs a person), the request's size, `--disable`
   * and containment options alone (no lookup): null when none of them needs a second person.
   */
  private bySizeOrDisable(targetCount: number, disable: boolean, containment: Containment, requester: Actor | undefined, action: RequestAction = "revoke"): string | null {
    return secondPersonReason(
      {
        targetCount,
        disable,
        containment: hasContainment(containment),
        privilegedTarget: "",
        fromAutomation: requester !== undefined && isAppActor(requester),
        enable: action === "enable",
      },
      { fourEyesMinTargets: this.deps.fourEyesMinTargets, disableNeedsSecondPerson: this.deps.disableNeedsSecondPerson },
    );
  }

  /**
   * What the person may do with the request now (roles looked up at this moment), from its view
   * and the rule `secondPersonOf` gave for it.
   */
  async viewpointOf(view: RequestSummary, actor: Actor, secondPerson: string | null): Promise<Viewpoint> {
    const request = view.request;
    const isRequester = samePerson(request.requester, actor);
    if (!this.isOpen(request)) return { abilities: NOTHING, isRequester };
    const roles = await this.deps.roles.rolesOf(actor.aadObjectId);
    const facts: RequestFacts = { requester: request.requester, targetCount: view.targetCount, secondPerson };
    if (!isRequester && roles.approver) facts.requesterIsRevoker = await this.requesterIsRevoker(request.requester);
    return { abilities: abilitiesOf(facts, actor, roles), isRequester };
  }

  /**
   * Applies a decision (approve, reject, withdraw). Only the first allowed decision on a pending,
   * unexpired request counts; an approval starts the job in the background and returns at once.
   * Refusals are audited with their reason and change nothing.
   */
  async decide(id: string, actor: Actor, verb: DecisionVerb, comment: string | null = null, options: { enableAnyway?: boolean } = {}): Promise<DecisionResult> {
    // Identity, state and role are decided from the request's row and counts; targets are read
    // (at most VIEW_ROWS of them) only for an approval the roles already allow (are any of them
    // revokers or approvers?), and for the answer's card once the decision is made.
    const head = await this.head(id);
    if (head === undefined) return { kind: "notFound" };
    const request = head.request;
    const withComment = comment === null ? {} : { comment };
    if (!this.isOpen(request)) {
      // Decided, withdrawn or expired already (a replayed or late click): recorded, nothing changes.
      if (request.state === "pending") await this.expire({ request, targetCount: head.targetCount });
      const latest = (await this.summary(id, VIEW_ROWS)) ?? head;
      await this.refuse(actor, id, { verb, reason: `the request is no longer pending (it is ${latest.request.state})`, ...withComment });
      return { kind: "notPending", view: latest };
    }

    // A withdrawal needs only the person; the others need their roles too.
    const roles = verb === "cancel" ? undefined : await this.deps.roles.rolesOf(actor.aadObjectId);
    const same = samePerson(request.requester, actor);
    let secondPerson = this.bySizeOrDisable(head.targetCount, request.disable, request.containment, request.requester, request.action);
    if (verb === "approve" && secondPerson === null && (same ? roles?.revoker === true : roles?.approver === true)) {
      // Only an approval the roles already allow makes the targets' roles matter.
      const small = await this.summary(id, Math.min(head.targetCount, VIEW_ROWS));
      secondPerson = await this.secondPersonOf({
        targetCount: head.targetCount,
        disable: request.disable,
        containment: request.containment,
        targets: (small?.rows ?? []).map((r) => r.target),
        requester: request.requester,
      });
    }
    const facts: RequestFacts = { requester: request.requester, targetCount: head.targetCount, secondPerson };
    if (verb === "approve" && !same && roles?.approver === true) {
      facts.requesterIsRevoker = await this.requesterIsRevoker(request.requester);
    }
    // Who may decide first; then whether an enable of an account the bot did not disable is confirmed.
    const allowed = this.policy(verb, facts, actor, roles);
    const decision = allowed.allowed ? (this.confirmation(request, verb, options.enableAnyway === true) ?? allowed) : allowed;
    if (!decision.allowed) {
      await this.refuse(actor, id, { verb, reason: decision.reason, ...(roles === undefined ? {} : { roles }), ...withComment });
      return { kind: "refused", reason: decision.reason };
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
            targetCount: head.targetCount,
            fourEyes: secondPerson !== null,
            ...(roles === undefined ? {} : { roles }),
            ...(options.enableAnyway === true ? { confirmed: "enable anyway: the account was not disabled by this bot" } : {}),
          },
        },
        // The job row commits with the approval: a crash right after still leaves it to be run.
        job: nextState === "approved" ? "enqueue" : undefined,
        light: true,
      },
    );
    if (updated === undefined) {
      // Someone else's decision won the race: this one is recorded as refused, with the state they left.
      const latest = (await this.summary(id, VIEW_ROWS)) ?? head;
      await this.refuse(actor, id, { verb, reason: `another decision came first (the request is ${latest.request.state})`, ...withComment });
      return { kind: "notPending", view: latest };
    }
    if (nextState === "approved") this.deps.jobs.start(id);
    const read = (await this.summary(id, VIEW_ROWS)) ?? { ...head, request: updated };
    // The job may already have moved on; the answer shows the state this decision left.
    const view = { ...read, request: updated.version >= read.request.version ? updated : read.request };
    if (nextState !== "approved") this.announceEnd(updated, view);
    return { kind: "done", view, reason: decision.reason };
  }

  /** Records a refused action: a decision the policy did not allow, or a forged card action. */
  async refuse(actor: Actor, requestId: string | null, details: Record<string, unknown>): Promise<void> {
    await this.deps.auditor.record({ actor, action: "decision.refused", requestId, details });
  }

  /** Open requests the person may act on (withdraw their own; approve or reject others'), oldest first. */
  async actionableBy(actor: Actor, limit = 50): Promise<Actionable[]> {
    const roles = await this.deps.roles.rolesOf(actor.aadObjectId);
    // Without the approver role a person can act only on their own requests.
    const open = this.now().toISOString();
    const candidates = await this.deps.store.listHeads(
      ["pending"],
      roles.approver ? { expiresAfter: open, limit: limit * 2 } : { requesterId: actor.aadObjectId, expiresAfter: open, limit },
    );
    const out: Actionable[] = [];
    for (const { request, targetCount } of candidates) {
      if (!this.isOpen(request)) continue;
      const same = samePerson(request.requester, actor);
      let secondPerson = this.bySizeOrDisable(targetCount, request.disable, request.containment, request.requester, request.action);
      if (secondPerson === null && same && roles.revoker) {
        const small = await this.summary(request.id, Math.min(targetCount, VIEW_ROWS));
        secondPerson = await this.secondPersonOf({
          targetCount,
          disable: request.disable,
          containment: request.containment,
          targets: (small?.rows ?? []).map((r) => r.target),
          requester: request.requester,
        });
      }
      const facts: RequestFacts = { requester: request.requester, targetCount, secondPerson };
      if (!same && roles.approver) facts.requesterIsRevoker = await this.requesterIsRevoker(request.requester);
      const abilities = abilitiesOf(facts, actor, roles);
      if (abilities.approve || abilities.reject || abilities.cancel) out.push({ request, targetCount, abilities });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Whether the requester is still a revoker, for an approval by someone else. An app's right to
   * propose was its app role, checked when it asked; it is in no group, so its requests are not
   * held to one (undefined: not a condition of the approval).
   */
  private async requesterIsRevoker(requester: Actor): Promise<boolean | undefined> {
    if (isAppActor(requester)) return undefined;
    return (await this.deps.roles.rolesOf(requester.aadObjectId)).revoker;
  }

  /**
   * An enable of an account this bot did not disable is approved only with "Enable anyway" (the
   * approver confirms it is meant); that confirmation belongs to no other request. Null when
   * neither applies (the policy decides).
   */
  private confirmation(request: RevocationRequest, verb: DecisionVerb, enableAnyway: boolean): Decision | null {
    if (verb !== "approve") return null;
    const foreign = request.action === "enable" && request.foreignDisable;
    if (foreign && !enableAnyway) {
      return {
        allowed: false,
        reason: "This account was not disabled by this bot, so a plain Approve does not enable it: if enabling it is meant, use Enable anyway.",
      };
    }
    if (!foreign && enableAnyway) return { allowed: false, reason: "Enable anyway is only for an account this bot did not disable; this request has no such account." };
    return null;
  }

  private policy(verb: DecisionVerb, facts: RequestFacts, actor: Actor, roles: Roles | undefined): Decision {
    switch (verb) {
      case "approve":
        return mayApprove(facts, actor, roles ?? NO_ROLES);
      case "reject":
        return mayReject(facts, actor, roles ?? NO_ROLES);
      case "cancel":
        return mayCancel(facts, actor);
    }
  }

  private isOpen(request: RevocationRequest): boolean {
    return request.state === "pending" && Date.parse(request.expiresAt) > this.now().getTime();
  }

  /**
   * Marks every pending request past its TTL as expired, a page of `sweepPageSize` requests at a
   * time (rows only, never their targets); returns how many it expired.
   */
  async expireDue(): Promise<number> {
    const pageSize = this.deps.sweepPageSize ?? SWEEP_PAGE_SIZE;
    let expired = 0;
    for (;;) {
      const page = await this.deps.store.listHeads(["pending"], { expiresBy: this.now().toISOString(), limit: pageSize });
      let progressed = false;
      for (const head of page) {
        if ((await this.expire(head)) !== undefined) {
          expired++;
          progressed = true;
        }
      }
      // A short page is the last; a page where nothing changed (another replica is sweeping the
      // same rows) would come back the same, so the next sweep takes it up.
      if (page.length < pageSize || !progressed) return expired;
    }
  }

  private async expire(head: RequestHead): Promise<RevocationRequest | undefined> {
    const { request } = head;
    const updated = await this.deps.store.transition(
      request.id,
      request.version,
      { state: "expired" },
      {
        audit: {
          actor: null,
          action: "request.expired",
          requestId: request.id,
          details: { expiresAt: request.expiresAt, targetCount: head.targetCount },
        },
        light: true,
      },
    );
    if (updated === undefined) return undefined; // another replica (or a click) got there first
    this.announceEnd(updated);
    return updated;
  }

  /** Edits the request's card to its final state, in the background (callers may hold an invoke). */
  private announceEnd(request: RevocationRequest, known?: RequestSummary): void {
    (known === undefined ? this.summary(request.id, VIEW_ROWS) : Promise.resolve(known))
      .then((view) => this.deps.listener.onFinished(request, view === undefined ? undefined : { ...view, request }))
      .catch(() => {
        // The listener logs its own failures; a card that cannot be edited changes no outcome.
      });
  }
}

const NOTHING: Abilities = Object.freeze({ approve: false, reject: false, cancel: false });
