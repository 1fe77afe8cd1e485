/**
 * Proposing a request, whichever door it comes through (a chat command, the automation API): who
 * may propose and how many requests they may have open, the set resolved and frozen (guests and
 * protected accounts left out, MAX_TARGETS), the responders in it and whether a second person must
 * approve, and the request stored under the binding pending cap. Each step answers with a typed
 * outcome: facts, never words. The door parses its input, says the answer its way (chat: cards/
 * and replies; the API: problem+json) and records a refusal in the audit log as it words it
 * (`ProposalDoor.recordRefusal`); this module knows neither Teams nor HTTP.
 */
import type { Directory, FailedSignIns } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import type { Actor } from "../domain/actor.js";
import type { Containment } from "../domain/containment.js";
import type { IncidentRef } from "../domain/incident.js";
import type { Origin } from "../domain/origin.js";
import type { Responder } from "../domain/responder.js";
import type { RequestSelection } from "../domain/selection.js";
import { mayRequest } from "../policy/decide.js";
import type { Roles } from "../policy/roles.js";
import { PendingCapReached } from "../revocation/request-store.js";
import type { ExcludedTarget, RevocationRequest } from "../revocation/types.js";
import type { RevocationService } from "./lifecycle.js";
import { resolveNamedUsers, resolveSelection, sortOutUsers, type NamedUserProblem, type SelectionSource } from "./selections.js";

/**
 * Who proposes: a person, with the roles looked up for this proposal, or an app, whose app role
 * (Revocation.Request) the API checked with its token.
 */
export type Proposer = { actor: Actor; roles: Roles } | { actor: Actor; app: true };

/** Why nothing was requested, as facts. */
export type ProposalRefusal =
  /** The person is no revoker (`reason`: the policy's, policy/decide.ts mayRequest). */
  | { kind: "notRevoker"; reason: string }
  /** The proposer already has `open` pending requests, `max` being MAX_PENDING_PER_REQUESTER. */
  | { kind: "pendingCap"; open: number; max: number }
  /** Named users that are not users of this tenant. */
  | { kind: "unresolved"; problems: NamedUserProblem[] }
  /** The selection holds more users than one request may (MAX_TARGETS = `max`). */
  | { kind: "tooManyTargets"; selection: SelectionSource; max: number }
  /**
   * No target is left: each named user (`selection` undefined) or every user of the selection is
   * a guest or a protected account, or the selection matched nobody.
   */
  | { kind: "nothingToRevoke"; excluded: ExcludedTarget[]; selection?: SelectionSource }
  /** `enable`: there is no such user. */
  | { kind: "noSuchUser"; key: string }
  /** `enable`: the account is a guest's or a protected one. */
  | { kind: "notEnableable"; user: DirectoryUser; why: ExcludedTarget["why"] }
  /** `enable`: the account is enabled already (`known` false: the directory did not say). */
  | { kind: "notDisabled"; user: DirectoryUser; known: boolean }
  /** The request needs a second person (`secondPerson` says why) and no approver could see its card. */
  | { kind: "noApprovalChannel"; secondPerson: string };

/** What a door provides to a proposal: how it records a refusal, and where the card goes. */
export interface ProposalDoor<Place> {
  /** Records the refusal in the audit log (`request.refused`), as this door words it. */
  recordRefusal(refusal: ProposalRefusal): Promise<void>;
  /**
   * Where the request's card goes, once the rule says whether a second person must approve it;
   * undefined when no approver could see it there.
   */
  place(secondPerson: string | null): Promise<Place | undefined>;
  /** The conversation the request belongs to (its card's home), from the place chosen. */
  originOf(place: Place): Origin;
  /** The approval channel's ID for the audit entry ("" when only in the origin conversation). */
  approvalChannelOf(place: Place): string;
}

/** A frozen set: what runs is exactly what was shown. */
export interface FrozenSet {
  targets: DirectoryUser[];
  excluded: ExcludedTarget[];
  /** How the targets were chosen, stored with the request to title its cards (an enable: none). */
  selected?: RequestSelection;
  /** `revoke ip`: the failed sign-ins from the address (shown, never targets). */
  failedSignIns?: FailedSignIns;
  /** An enable: whether this bot disabled the account, and the request of its latest --disable. */
  enable?: { foreignDisable: boolean; enableAgainst: string | null };
}

/** What a proposal asks for besides its targets. */
export interface ProposalOptions {
  reason: string;
  disable: boolean;
  containment: Containment;
  /** The command as audited, e.g. `revoke department Sales`. */
  command: string;
  /** The incident automation raised it for (API only). */
  incident?: IncidentRef;
}

/** How the targets are chosen: named users (UPNs or object IDs), or a bulk selection. */
export type TargetChoice = { kind: "users"; keys: readonly string[] } | { kind: "selection"; source: SelectionSource };

export type Admission = { kind: "admitted" } | { kind: "refused"; refusal: ProposalRefusal };
export type Freezing = { kind: "frozen"; set: FrozenSet } | { kind: "refused"; refusal: ProposalRefusal };
export type Proposed<Place> = { kind: "created"; request: RevocationRequest; secondPerson: string | null; place: Place } | { kind: "refused"; refusal: ProposalRefusal };

export interface ProposalDeps {
  revocations: Pick<RevocationService, "pendingCountOf" | "maxPendingPerRequester" | "respondersIn" | "secondPersonOf" | "create" | "disabledByThisBot">;
  directory: Directory;
  /** Lower-case object IDs and UPNs never revoked (PROTECTED_USER_IDS). */
  protectedUsers: readonly string[];
  /** Largest target set one request may hold (MAX_TARGETS). */
  maxTargets: number;
}

export class Proposals {
  constructor(private readonly deps: ProposalDeps) {}

  /**
   * Whether the proposer may propose now: a person must be a revoker; anyone must be below
   * MAX_PENDING_PER_REQUESTER open requests (an early count that spares Graph; the binding one is
   * made where the request is stored). Checked before any target is looked up.
   */
  async admit(proposer: Proposer, door: Pick<ProposalDoor<unknown>, "recordRefusal">): Promise<Admission> {
    if ("roles" in proposer) {
      const decision = mayRequest(proposer.roles);
      if (!decision.allowed) return this.refuse(door, { kind: "notRevoker", reason: decision.reason });
    }
    const open = await this.deps.revocations.pendingCountOf(proposer.actor.aadObjectId);
    const max = this.deps.revocations.maxPendingPerRequester;
    if (open >= max) return this.refuse(door, { kind: "pendingCap", open, max });
    return { kind: "admitted" };
  }

  /**
   * Resolves the chosen users into a frozen set, guests and protected accounts left out.
   * @throws the directory's errors (AppError with its cause and fix)
   */
  async freeze(choice: TargetChoice, door: Pick<ProposalDoor<unknown>, "recordRefusal">): Promise<Freezing> {
    if (choice.kind === "users") {
      const named = await resolveNamedUsers(this.deps.directory, choice.keys);
      if (named.problems.length > 0) return this.refuse(door, { kind: "unresolved", problems: named.problems });
      const { targets, excluded } = await sortOutUsers(named.users, this.deps.protectedUsers);
      if (targets.length === 0) return this.refuse(door, { kind: "nothingToRevoke", excluded });
      return { kind: "frozen", set: { targets, excluded, selected: { kind: "users" } } };
    }
    const { source } = choice;
    const resolved = await resolveSelection(source, { protectedUsers: this.deps.protectedUsers, maxTargets: this.deps.maxTargets });
    if (resolved.kind === "tooMany") return this.refuse(door, { kind: "tooManyTargets", selection: source, max: this.deps.maxTargets });
    const { targets, excluded, failedSignIns } = resolved;
    if (targets.length === 0) return this.refuse(door, { kind: "nothingToRevoke", excluded, selection: source });
    return { kind: "frozen", set: { targets, excluded, selected: source.selected, ...(failedSignIns === undefined ? {} : { failedSignIns }) } };
  }

  /**
   * `enable <user>`: the account must exist, be no guest or protected account, and be disabled;
   * whether this bot disabled it (its latest --disable, not undone by an enable of its own) is
   * frozen with the request.
   * @throws the directory's and the store's errors
   */
  async freezeEnable(key: string, door: Pick<ProposalDoor<unknown>, "recordRefusal">): Promise<Freezing> {
    const user = await this.deps.directory.getUser(key);
    if (user === undefined) return this.refuse(door, { kind: "noSuchUser", key });
    const disabled = await this.deps.revocations.disabledByThisBot(user.id);
    const { targets, excluded } = await sortOutUsers([user], this.deps.protectedUsers);
    const left = excluded[0];
    if (targets.length === 0 && left !== undefined) return this.refuse(door, { kind: "notEnableable", user, why: left.why });
    if (user.accountEnabled !== false) return this.refuse(door, { kind: "notDisabled", user, known: user.accountEnabled === true });
    return {
      kind: "frozen",
      set: { targets, excluded: [], enable: { foreignDisable: !disabled.byThisBot, enableAgainst: disabled.latestDisable } },
    };
  }

  /**
   * Makes the request from a frozen set. The separation-of-duties rule is decided from the targets
   * in hand: who asks, size, `--disable`, containment, an enable, and whether any target is a
   * responder (a member of a revoker or approver group, read from Graph once for this request).
   * The door then says where its card goes; the request is stored under the binding pending cap.
   * @throws RespondersUnknown when the responders cannot be read (its cause: the directory's error)
   */
  async propose<Place>(proposer: Proposer, set: FrozenSet, options: ProposalOptions, door: ProposalDoor<Place>): Promise<Proposed<Place>> {
    const { revocations } = this.deps;
    const enable = set.enable !== undefined;
    let responders: Responder[];
    try {
      // An enable re-enables an account and always needs a second person: no responder rule applies.
      responders = enable ? [] : await revocations.respondersIn(set.targets);
    } catch (err) {
      throw new RespondersUnknown(err);
    }
    const secondPerson = revocations.secondPersonOf({
      targetCount: set.targets.length,
      disable: options.disable,
      containment: options.containment,
      responders,
      ...("app" in proposer ? { requester: proposer.actor } : {}),
      ...(enable ? { action: "enable" as const } : {}),
    });
    const place = await door.place(secondPerson);
    if (place === undefined) {
      if (secondPerson !== null) return this.refuse(door, { kind: "noApprovalChannel", secondPerson });
      throw new Error("a request that needs no second person has a place: its own conversation");
    }
    let request: RevocationRequest;
    try {
      request = await revocations.create({
        requester: proposer.actor,
        reason: options.reason,
        disable: options.disable,
        containment: options.containment,
        targets: set.targets,
        excluded: set.excluded,
        origin: door.originOf(place),
        approvalChannel: door.approvalChannelOf(place),
        selection: options.command,
        ...(set.selected === undefined ? {} : { selected: set.selected }),
        secondPerson,
        responders,
        ...(options.incident === undefined ? {} : { incident: options.incident }),
        ...(set.failedSignIns === undefined ? {} : { failedSignIns: set.failedSignIns }),
        ...(set.enable === undefined ? {} : { action: "enable" as const, foreignDisable: set.enable.foreignDisable, enableAgainst: set.enable.enableAgainst }),
      });
    } catch (err) {
      // The binding count, in the inserting transaction: concurrent proposals all passed the early one.
      if (err instanceof PendingCapReached) return this.refuse(door, { kind: "pendingCap", open: err.open, max: err.max });
      throw err;
    }
    return { kind: "created", request, secondPerson, place };
  }

  private async refuse(door: Pick<ProposalDoor<unknown>, "recordRefusal">, refusal: ProposalRefusal): Promise<{ kind: "refused"; refusal: ProposalRefusal }> {
    await door.recordRefusal(refusal);
    return { kind: "refused", refusal };
  }
}

/** The responders in a set could not be read (the directory failed): nothing was requested. */
export class RespondersUnknown extends Error {
  constructor(cause: unknown) {
    super("the responders in the set could not be read", { cause });
    this.name = "RespondersUnknown";
  }
}
