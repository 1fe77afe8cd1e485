import type { Actor, RevocationRequest } from "../revocation/types.js";
import type { Roles } from "./roles.js";

/** A policy decision; `reason` is shown on the card and written to the audit entry either way. */
export interface Decision {
  allowed: boolean;
  reason: string;
}

const allow = (reason: string): Decision => ({ allowed: true, reason });
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Only members of a revoker group may ask for a revocation. */
export function mayRequest(roles: Roles): Decision {
  return roles.revoker
    ? allow("requester is in a revoker group")
    : deny("You are not in a revoker group (REVOKER_GROUP_IDS), so you cannot request revocations. Ask your Entra admin to add you if you should.");
}

function samePerson(a: Actor, b: Actor): boolean {
  return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
}

/**
 * Who may confirm (approve) a request: an approver who is not the requester, always; the requester
 * themself only for a request smaller than the four-eyes threshold and only while still a revoker.
 */
export function mayConfirm(request: RevocationRequest, actor: Actor, roles: Roles, fourEyesMinTargets: number): Decision {
  const fourEyes = request.targets.length >= fourEyesMinTargets;
  const own = samePerson(request.requester, actor);
  if (own) {
    if (fourEyes) {
      return deny(
        `This request has ${request.targets.length} targets, so a second person must approve it (four-eyes rule for ${fourEyesMinTargets} or more).`,
      );
    }
    if (roles.revoker || roles.approver) return allow("single-target request confirmed by its requester");
    return deny("You are no longer in a revoker group, so you cannot confirm this request.");
  }
  if (roles.approver) return allow(fourEyes ? "approved by a second person (four-eyes)" : "approved by an approver");
  return deny("Only the requester or a member of an approver group (APPROVER_GROUP_IDS) can confirm this request.");
}

/** Who may cancel a pending request: its requester, or any approver (which rejects it). */
export function mayCancel(request: RevocationRequest, actor: Actor, roles: Roles): Decision {
  if (samePerson(request.requester, actor)) return allow("withdrawn by its requester");
  if (roles.approver) return allow("rejected by an approver");
  return deny("Only the requester or an approver can cancel this request.");
}
