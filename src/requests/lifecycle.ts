/**
 * The one place a request changes state (RevocationService): created from a proposal, decided
 * (approved, rejected, withdrawn), expired; and read for the doors. The rules of a new request
 * are in new-request.ts, those of a decision in decision.ts.
 */
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import type { Actor } from "../domain/actor.js";
import { isAppActor } from "../domain/actor.js";
import { hasContainment, type Containment } from "../domain/containment.js";
import type { ApprovalCard } from "../domain/origin.js";
import type { RequestAction } from "../domain/request-state.js";
import type { Responder } from "../domain/responder.js";
import type { DirectoryUser } from "../directory/types.js";
import { abilitiesOf, needsFourEyes, samePerson, secondPersonReason, type Abilities, type RequestFacts, type ResponderChoice } from "../policy/decide.js";
import type { RoleLookup } from "../policy/roles.js";
import type { AdminResetChecker } from "../revocation/admin-reset.js";
import type { JobStarter, ProgressListener } from "../revocation/job-runner.js";
import type { RequestHead, RequestStore, RequestSummary, TargetPageRow } from "../revocation/request-store.js";
import { staleEnableOf, type StaleEnable } from "../revocation/stale-enable.js";
import { storedSetHash } from "../revocation/target-set.js";
import { TITLE_NAMES, titleDetails } from "../revocation/title-details.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { RevocationWords } from "../revocation/words.js";
import { confirmation, DECIDED_ACTION, decidedDetails, NEXT_STATE, policyFor, responderRule, type DecisionResult, type DecisionVerb } from "./decision.js";
import { createdDetails, pendingRequestOf, type NewRequest } from "./new-request.js";

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

/** Users a request's view (its card) holds at most; also the most targets checked for roles. */
export const VIEW_ROWS = 20;

/** Expired requests handled per page of the expiry sweep, by default. */
export const SWEEP_PAGE_SIZE = 100;

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
      /** Where a failure after a committed decision is logged (it cannot change the decision). */
      logger?: Logger;
      /** Finds admins in a --reset-password set and whether the bot can reset them (none: not checked). */
      adminReset?: Pick<AdminResetChecker, "check">;
      /** The sentences recorded with refusals and withdrawals (src/cards/revocation-words.ts). */
      words: Pick<RevocationWords, "staleEnableRefusal" | "enableWithdrawn">;
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
    // Told before approval: admins whose passwords the bot's identity cannot reset (both doors).
    const adminReset =
      input.adminReset ??
      (input.containment.resetPassword && (input.action ?? "revoke") === "revoke" && this.deps.adminReset !== undefined ? await this.deps.adminReset.check(input.targets) : undefined);
    const request = pendingRequestOf({ ...input, ...(adminReset === undefined ? {} : { adminReset }) }, this.now(), this.deps.ttlMinutes);
    const cap = { max: this.deps.maxPendingPerRequester };
    await this.deps.store.create(request, { actor: input.requester, action: "request.created", requestId: request.id, details: createdDetails(request, input) }, cap);
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
  async disabledByThisBot(userId: string): Promise<{ byThisBot: boolean; latestDisable: string | null }> {
    const { disabledAt, enabledAt, disabledBy } = await this.deps.store.disableHistory(userId);
    return { byThisBot: disabledAt !== null && (enabledAt === null || disabledAt > enabledAt), latestDisable: disabledBy };
  }

  /** Why an `enable` is stale (a newer --disable of its account by this bot), or undefined. */
  staleEnable(request: Pick<RevocationRequest, "id" | "action" | "enableAgainst">): Promise<StaleEnable | undefined> {
    return staleEnableOf(this.deps.store, request);
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
   * The targets who are responders: members of a revoker or approver group, read from Graph once
   * for this request (every member of every group, nested groups included) and intersected with
   * the set, whatever its size.
   * @throws the directory's errors (AppError: a missing permission or group names its fix)
   */
  async respondersIn(targets: readonly DirectoryUser[]): Promise<Responder[]> {
    if (targets.length === 0) return [];
    const ids = await this.deps.roles.responderIds();
    return targets
      .filter((t) => ids.has(t.id.toLowerCase()))
      .map((t) => ({ id: t.id, userPrincipalName: t.userPrincipalName, displayName: t.displayName }));
  }

  /**
   * Why a request needs a second person, or null when its requester may confirm it: who asked, an
   * enable, responders in the set (`respondersIn`, frozen with the request), its size, a
   * `--disable` or containment.
   */
  secondPersonOf(request: {
    targetCount: number;
    disable: boolean;
    containment: Containment;
    responders?: readonly Responder[];
    requester?: Actor;
    action?: RequestAction;
  }): string | null {
    return secondPersonReason(
      {
        targetCount: request.targetCount,
        disable: request.disable,
        containment: hasContainment(request.containment),
        responders: (request.responders ?? []).map((r) => r.userPrincipalName),
        fromAutomation: request.requester !== undefined && isAppActor(request.requester),
        enable: request.action === "enable",
      },
      { fourEyesMinTargets: this.deps.fourEyesMinTargets, disableNeedsSecondPerson: this.deps.disableNeedsSecondPerson },
    );
  }

  /** secondPersonOf for a stored request. */
  private secondPersonOfStored(request: RevocationRequest, targetCount: number): string | null {
    return this.secondPersonOf({ ...request, targetCount });
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
  async decide(
    id: string,
    actor: Actor,
    verb: DecisionVerb,
    comment: string | null = null,
    options: { enableAnyway?: boolean; responders?: ResponderChoice } = {},
  ): Promise<DecisionResult> {
    // Identity, state and role are decided from the request's row and counts (responders were
    // frozen with it); targets are read only for the answer's card once the decision is made.
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
    const secondPerson = this.secondPersonOfStored(request, head.targetCount);
    const facts: RequestFacts = { requester: request.requester, targetCount: head.targetCount, secondPerson };
    if (verb === "approve" && !same && roles?.approver === true) {
      facts.requesterIsRevoker = await this.requesterIsRevoker(request.requester);
    }
    // Who may decide first; then whether an enable of an account the bot did not disable is confirmed.
    const allowed = policyFor(verb, facts, actor, roles);
    let decision = allowed.allowed
      ? (confirmation(request, verb, options.enableAnyway === true) ?? responderRule(request, head.targetCount, verb, options.responders) ?? allowed)
      : allowed;
    if (decision.allowed && verb === "approve") {
      // A stale enable (the account was disabled again since it was asked) is never approved.
      const stale = await staleEnableOf(this.deps.store, request);
      if (stale !== undefined) decision = { allowed: false, reason: this.deps.words.staleEnableRefusal(stale) };
    }
    if (!decision.allowed) {
      await this.refuse(actor, id, { verb, reason: decision.reason, ...(roles === undefined ? {} : { roles }), ...withComment });
      return { kind: "refused", reason: decision.reason };
    }

    const nextState = NEXT_STATE[verb];
    const responders = request.responders ?? [];
    const choice = verb === "approve" ? options.responders : undefined;
    const leftOut = choice === "exclude" ? responders : [];
    // The approval names the set it approves when it is smaller than the one asked for: the job
    // checks what it runs against this fingerprint (integrity.ts).
    const approvedSetHash = leftOut.length === 0 ? undefined : await storedSetHash(this.deps.store, id, new Set(leftOut.map((r) => r.id)));
    // A small set's users, read once the decision is allowed, so that its audit post names them.
    const few = head.targetCount <= TITLE_NAMES ? ((await this.deps.store.summary(id, TITLE_NAMES))?.rows.map((r) => r.target) ?? []) : [];
    const updated = await this.deps.store.transition(
      id,
      request.version,
      {
        state: nextState,
        decidedBy: actor,
        decidedAt: this.now().toISOString(),
        decisionComment: comment,
        decisionReason: decision.reason,
        ...(choice === undefined ? {} : { respondersChoice: choice === "exclude" ? ("left_out" as const) : ("included" as const) }),
      },
      {
        removeTargets: leftOut.map((r) => r.id),
        audit: {
          actor,
          action: DECIDED_ACTION[verb],
          requestId: id,
          details: decidedDetails({ request, decision, comment, targetCount: head.targetCount, few, leftOut, approvedSetHash, secondPerson, roles, enableAnyway: options.enableAnyway === true, choice }),
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
    if (nextState === "approved") {
      this.deps.jobs.start(id);
      // A --disable makes pending enables of its users stale: they are withdrawn now.
      if (updated.disable) {
        await this.withdrawEnablesOf(updated).catch((err: unknown) =>
          this.deps.logger?.error({ err, requestId: id }, "pending enables of the disabled users could not be withdrawn; each is refused when approved or started"),
        );
      }
    }
    const read = (await this.summary(id, VIEW_ROWS)) ?? { ...head, request: updated };
    // The job may already have moved on; the answer shows the state this decision left.
    const view = { ...read, request: updated.version >= read.request.version ? updated : read.request };
    if (nextState !== "approved") this.announceEnd(updated, view);
    return { kind: "done", view, reason: decision.reason };
  }

  /**
   * Withdraws the pending `enable` requests of the users an approved --disable request names
   * (issue 22 #5): each is cancelled by the bot (audited, with the disable's request ID) and its
   * card updated. A failure is logged by the caller's path and changes no approval.
   */
  private async withdrawEnablesOf(disable: RevocationRequest): Promise<void> {
    for (const { request, targetCount } of await this.deps.store.pendingEnablesOf(disable.id)) {
      const reason = this.deps.words.enableWithdrawn(disable.id);
      const withdrawn = await this.deps.store.transition(
        request.id,
        request.version,
        { state: "cancelled", decisionReason: reason },
        {
          audit: { actor: null, action: "request.cancelled", requestId: request.id, details: { reason, targetCount, disableRequest: disable.id } },
          light: true,
        },
      );
      // Decided meanwhile (approved, rejected): an approved one is refused at its start instead.
      if (withdrawn !== undefined) this.announceEnd(withdrawn);
    }
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
      const secondPerson = this.secondPersonOfStored(request, targetCount);
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
          details: { expiresAt: request.expiresAt, targetCount: head.targetCount, ...titleDetails(request, head.targetCount, []) },
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
