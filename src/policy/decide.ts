import { isAppActor, type Actor } from "../domain/actor.js";
import type { Roles } from "./roles.js";

/** A policy decision; `reason` is shown on the card and written to the audit entry either way. */
export interface Decision {
  allowed: boolean;
  reason: string;
}

/** What the rules need to know about a request: who asked, for how many people, and what else. */
export interface RequestFacts {
  requester: Actor;
  targetCount: number;
  /**
   * Why the request needs a person other than its requester to approve it (`secondPersonReason`),
   * or null when its requester may confirm it.
   */
  secondPerson: string | null;
  /**
   * Whether the requester is still in a revoker group, looked up at the moment of an approval by
   * someone else. Undefined where it is not known (a requester's own click needs their roles only).
   */
  requesterIsRevoker?: boolean;
}

/** The separation-of-duties rules as configured. */
export interface SecondPersonRules {
  /** FOUR_EYES_MIN_TARGETS */
  fourEyesMinTargets: number;
  /** DISABLE_NEEDS_SECOND_PERSON */
  disableNeedsSecondPerson: boolean;
}

/** What a request is, for `secondPersonReason`. */
export interface SecondPersonFacts {
  targetCount: number;
  disable: boolean;
  /** `--reset-password` or `--confirm-compromised`: always a second person, whatever the configuration. */
  containment: boolean;
  /**
   * The targets who are responders (members of a revoker or approver group, read transitively when
   * the request was made), by name: any of them and a second person must approve.
   */
  responders: readonly string[];
  /** True when an app asked for it through the automation API: a person must always approve. */
  fromAutomation?: boolean;
  /** An `enable` request: re-enabling an account always needs a second person. */
  enable?: boolean;
}

/** Why a request from automation needs a person (shown on its card and in the audit). */
export const AUTOMATION_SECOND_PERSON = "it was proposed by automation, and only a person from an approver group can approve it";

const allow = (reason: string): Decision => ({ allowed: true, reason });
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Only members of a revoker group may ask for a revocation. */
export function mayRequest(roles: Roles): Decision {
  return roles.revoker
    ? allow("requester is in a revoker group")
    : deny("You are not in a revoker group (REVOKER_GROUP_IDS), so you cannot request revocations. Ask your Entra admin to add you if you should.");
}

export function samePerson(a: Actor, b: Actor): boolean {
  return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
}

/** True when a request of this size needs an approver other than its requester. */
export function needsFourEyes(targetCount: number, fourEyesMinTargets: number): boolean {
  return targetCount >= fourEyesMinTargets;
}

function users(n: number): string {
  return `${n} ${n === 1 ? "user" : "users"}`;
}

/**
 * Why a request needs a second person, or null when its requester may confirm it: a request of
 * FOUR_EYES_MIN_TARGETS users or more; any `--disable` (DISABLE_NEEDS_SECOND_PERSON); containment;
 * and any set, of whatever size, that holds a responder (a member of a revoker or approver group:
 * one revoker must never be able to lock out another, or an approver, alone).
 */
export function secondPersonReason(facts: SecondPersonFacts, rules: SecondPersonRules): string | null {
  if (facts.fromAutomation === true) return AUTOMATION_SECOND_PERSON;
  if (facts.enable === true) {
    return "re-enabling an account always needs a second person";
  }
  if (facts.responders.length > 0) return respondersReason(facts.responders);
  if (needsFourEyes(facts.targetCount, rules.fourEyesMinTargets)) {
    return `requests of ${users(rules.fourEyesMinTargets)} or more need a second person (four-eyes, FOUR_EYES_MIN_TARGETS)`;
  }
  if (facts.containment) {
    return "resetting passwords or confirming accounts as compromised (--reset-password, --confirm-compromised) always needs a second person";
  }
  if (facts.disable && rules.disableNeedsSecondPerson) {
    return "disabling accounts (--disable) always needs a second person (DISABLE_NEEDS_SECOND_PERSON)";
  }
  return null;
}

/** Responders named in a reason at most; the rest are counted. */
const RESPONDERS_NAMED = 5;

function respondersReason(names: readonly string[]): string {
  const shown = names.slice(0, RESPONDERS_NAMED).join(", ");
  const more = names.length > RESPONDERS_NAMED ? ` and ${names.length - RESPONDERS_NAMED} more` : "";
  return names.length === 1
    ? `${shown} is a member of a revoker or approver group, and revoking such a member always needs a second person`
    : `${names.length} of these users (${shown}${more}) are members of a revoker or approver group, and revoking such members always needs a second person`;
}

/** How an approver settles a set that holds responders when approving would also disable them or act on their passwords. */
export type ResponderChoice = "include" | "exclude";

/**
 * Whether approving must say what happens to the responders in the set: with `--disable` or a
 * containment option, one plain Approve would lock responders out, so the approver includes them
 * explicitly or leaves them out.
 */
export function respondersNeedConfirmation(request: { responderCount: number; disable: boolean; containment: boolean }): boolean {
  return request.responderCount > 0 && (request.disable || request.containment);
}

/**
 * The responder rule of an approval the roles already allow: null when it passes; else a refusal.
 * `remaining` is how many targets would be left without the responders.
 */
export function responderConfirmation(
  request: { responderCount: number; disable: boolean; containment: boolean; targetCount: number },
  choice: ResponderChoice | undefined,
): Decision | null {
  const needed = respondersNeedConfirmation(request);
  const n = request.responderCount;
  const them = n === 1 ? "a responder (a member of a revoker or approver group)" : `${n} responders (members of a revoker or approver group)`;
  if (needed && choice === undefined) {
    return deny(
      `This set holds ${them}, and approving also disables accounts or acts on passwords, so a plain Approve is not enough: use Approve, including responders, or Approve without responders.`,
    );
  }
  if (!needed && choice !== undefined) {
    return deny("Approve, including responders and Approve without responders are only for a set that holds responders and disables accounts or acts on passwords; this request is not one.");
  }
  if (choice === "exclude" && request.targetCount - n <= 0) {
    return deny("Every user of this set is a responder, so nothing would be left without them: approve including them, or reject the request.");
  }
  return null;
}

/**
 * Who may approve: an approver who is not the requester, while the requester is still a revoker;
 * the requester themself only for a request that needs no second person, and only while still a
 * revoker.
 */
export function mayApprove(request: RequestFacts, actor: Actor, roles: Roles): Decision {
  if (isAppActor(actor)) return deny("Automation cannot approve a revocation: a person from an approver group must.");
  if (samePerson(request.requester, actor)) {
    if (request.secondPerson !== null) {
      return deny(`You asked for this request (${users(request.targetCount)}), so someone else must approve it: ${request.secondPerson}.`);
    }
    if (roles.revoker) return allow("a one-person request confirmed by its requester, a revoker");
    return deny("You are no longer in a revoker group (REVOKER_GROUP_IDS), so you cannot confirm your own request; an approver can.");
  }
  if (!roles.approver) return deny("Only members of an approver group (APPROVER_GROUP_IDS) can approve someone else's request.");
  if (request.requesterIsRevoker === false) {
    return deny(
      "The person who asked for this request is no longer in a revoker group (REVOKER_GROUP_IDS), so it cannot be approved; reject it instead.",
    );
  }
  return allow(request.secondPerson !== null ? "approved by an approver other than the requester (four-eyes)" : "approved by an approver");
}

/** Who may reject: an approver who is not the requester (a requester withdraws instead). */
export function mayReject(request: Pick<RequestFacts, "requester">, actor: Actor, roles: Roles): Decision {
  if (isAppActor(actor)) return deny("Automation cannot decide on a revocation: a person from an approver group must.");
  if (samePerson(request.requester, actor)) {
    return deny("You cannot reject your own request; withdraw it instead (Withdraw on your card, or `cancel` and the request's ID).");
  }
  if (roles.approver) return allow("rejected by an approver");
  return deny("Only members of an approver group (APPROVER_GROUP_IDS) can reject a request.");
}

/** Who may withdraw (cancel) a pending request: its requester only; approvers reject instead. */
export function mayCancel(request: Pick<RequestFacts, "requester">, actor: Actor): Decision {
  if (samePerson(request.requester, actor)) return allow("withdrawn by its requester");
  return deny("Only the person who asked for a request can withdraw it; an approver rejects it on its card instead.");
}

/** What a person may do with a pending request, for their view of its card and for `pending`. */
export interface Abilities {
  approve: boolean;
  reject: boolean;
  cancel: boolean;
}

export function abilitiesOf(request: RequestFacts, actor: Actor, roles: Roles): Abilities {
  return {
    approve: mayApprove(request, actor, roles).allowed,
    reject: mayReject(request, actor, roles).allowed,
    cancel: mayCancel(request, actor).allowed,
  };
}
