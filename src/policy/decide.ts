import type { Actor } from "../revocation/types.js";
import type { Roles } from "./roles.js";

/** A policy decision; `reason` is shown on the card and written to the audit entry either way. */
export interface Decision {
  allowed: boolean;
  reason: string;
}

/** What the rules need to know about a request: who asked, and for how many people. */
export interface RequestFacts {
  requester: Actor;
  targetCount: number;
}

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
 * Who may approve: an approver who is not the requester, always; the requester themself only
 * for a request below the four-eyes threshold, and only while still a revoker.
 */
export function mayApprove(request: RequestFacts, actor: Actor, roles: Roles, fourEyesMinTargets: number): Decision {
  const fourEyes = needsFourEyes(request.targetCount, fourEyesMinTargets);
  if (samePerson(request.requester, actor)) {
    if (fourEyes) {
      return deny(
        `You asked for this revocation of ${users(request.targetCount)}, so someone else must approve it: requests of ${users(fourEyesMinTargets)} or more need a second person (FOUR_EYES_MIN_TARGETS).`,
      );
    }
    if (roles.revoker) return allow("a single-user request confirmed by its requester, a revoker");
    return deny("You are no longer in a revoker group (REVOKER_GROUP_IDS), so you cannot confirm your own request; an approver can.");
  }
  if (roles.approver) {
    return allow(fourEyes ? "approved by an approver other than the requester (four-eyes)" : "approved by an approver");
  }
  return deny("Only members of an approver group (APPROVER_GROUP_IDS) can approve someone else's request.");
}

/** Who may reject: an approver who is not the requester (a requester withdraws instead). */
export function mayReject(request: RequestFacts, actor: Actor, roles: Roles): Decision {
  if (samePerson(request.requester, actor)) {
    return deny("You cannot reject your own request; withdraw it instead (Withdraw on your card, or `cancel <request-id>`).");
  }
  if (roles.approver) return allow("rejected by an approver");
  return deny("Only members of an approver group (APPROVER_GROUP_IDS) can reject a request.");
}

/** Who may withdraw (cancel) a pending request: its requester only; approvers reject instead. */
export function mayCancel(request: RequestFacts, actor: Actor): Decision {
  if (samePerson(request.requester, actor)) return allow("withdrawn by its requester");
  return deny("Only the person who asked for a request can withdraw it; an approver rejects it on its card instead.");
}

/** What a person may do with a pending request, for their view of its card and for `pending`. */
export interface Abilities {
  approve: boolean;
  reject: boolean;
  cancel: boolean;
}

export function abilitiesOf(request: RequestFacts, actor: Actor, roles: Roles, fourEyesMinTargets: number): Abilities {
  return {
    approve: mayApprove(request, actor, roles, fourEyesMinTargets).allowed,
    reject: mayReject(request, actor, roles).allowed,
    cancel: mayCancel(request, actor).allowed,
  };
}
