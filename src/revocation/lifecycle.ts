import { randomInt } from "node:crypto";
import { storedSetHash, targetSetHash } from "./target-set.js";
import { adminResetAudit, type AdminResetCheck, type AdminResetChecker } from "./admin-reset.js";
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import type { DirectoryUser } from "../directory/types.js";
import type { FailedSignIns } from "../directory/directory.js";
import {
  abilitiesOf,
  mayApprove,
  mayCancel,
  mayReject,
  needsFourEyes,
  responderConfirmation,
  samePerson,
  secondPersonReason,
  type Abilities,
  type Decision,
  type RequestFacts,
  type ResponderChoice,
} from "../policy/decide.js";
import { NO_ROLES, type RoleLookup, type Roles } from "../policy/roles.js";
import type { ProgressListener } from "./job-runner.js";
import { staleEnableOf, type StaleEnable } from "./stale-enable.js";
import type { RequestHead, RequestStore, RequestSummary, TargetPageRow } from "./request-store.js";
import { TITLE_NAMES, titleDetails } from "./title-details.js";
import { isAppActor, type Actor } from "../domain/actor.js";
import { hasContainment, type Containment } from "../domain/containment.js";
import type { IncidentRef } from "../domain/incident.js";
import type { ApprovalCard, Origin } from "../domain/origin.js";
import type { RequestAction, RequestState } from "../domain/request-state.js";
import type { Responder } from "../domain/responder.js";
import type { RequestSelection } from "../domain/selection.js";
import type { ExcludedTarget, RevocationRequest } from "./types.js";
import type { RevocationWords } from "./words.js";

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

export { targetSetHash } from "./target-set.js";

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
    await this.deps.store.create(request, {
      actor: input.requester,
      action: "request.created",
      requestId: request.id,
      details: {
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
    const allowed = this.policy(verb, facts, actor, roles);
    let decision = allowed.allowed
      ? (this.confirmation(request, verb, options.enableAnyway === true) ?? this.responderRule(request, head.targetCount, verb, options.responders) ?? allowed)
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
          details: {
            reason: decision.reason,
            comment: comment ?? "",
            targetCount: head.targetCount - leftOut.length,
            fourEyes: secondPerson !== null,
            ...titleDetails(
              request,
              head.targetCount - leftOut.length,
              few.filter((t) => !leftOut.some((l) => l.id === t.id)),
            ),
            ...(roles === undefined ? {} : { roles }),
            ...(options.enableAnyway === true ? { confirmed: "enable anyway: the account was not disabled by this bot" } : {}),
            ...(choice === "include" ? { confirmed: `approved including ${theResponders(responders.length)} in the set`, responders: responders.map((r) => ({ id: r.id, upn: r.userPrincipalName })) } : {}),
            ...(choice === "exclude"
              ? {
                  confirmed: `approved without ${theResponders(leftOut.length)}: removed from the frozen set, nothing is done to them`,
                  respondersLeftOut: leftOut.map((r) => ({ id: r.id, upn: r.userPrincipalName })),
                  ...(approvedSetHash === undefined ? {} : { targetsSha256: approvedSetHash }),
                }
              : {}),
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

  /** The responder rule of an approval (policy `responderConfirmation`), or null when it passes. */
  private responderRule(request: RevocationRequest, targetCount: number, verb: DecisionVerb, choice: ResponderChoice | undefined): Decision | null {
    if (verb !== "approve") return null;
    return responderConfirmation(
      { responderCount: request.responders?.length ?? 0, disable: request.disable, containment: hasContainment(request.containment), targetCount },
      choice,
    );
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

/** "the responder", "the 3 responders" */
function theResponders(n: number): string {
  return n === 1 ? "the responder" : `the ${n} responders`;
}

const NOTHING: Abilities = Object.freeze({ approve: false, reject: false, cancel: false });
