/**
 * The rules of a decision on a pending request (approve, reject, withdraw) besides who may decide
 * (policy/decide.ts): the confirmations an approval needs, and what its audit entry records.
 */
import type { Actor } from "../domain/actor.js";
import { hasContainment } from "../domain/containment.js";
import type { RequestState } from "../domain/request-state.js";
import type { Responder } from "../domain/responder.js";
import type { DirectoryUser } from "../directory/types.js";
import { mayApprove, mayCancel, mayReject, responderConfirmation, type Decision, type RequestFacts, type ResponderChoice } from "../policy/decide.js";
import { NO_ROLES, type Roles } from "../policy/roles.js";
import type { RequestSummary } from "../revocation/request-store.js";
import { titleDetails } from "../revocation/title-details.js";
import type { RevocationRequest } from "../revocation/types.js";

/** approve and reject come from a request's card; cancel (withdraw) from the card or `cancel <id>`. */
export type DecisionVerb = "approve" | "reject" | "cancel";

export const NEXT_STATE: Record<DecisionVerb, RequestState> = { approve: "approved", reject: "rejected", cancel: "cancelled" };
export const DECIDED_ACTION = { approve: "request.approved", reject: "request.rejected", cancel: "request.cancelled" } as const;

/**
 * The outcome of a decision. `view` is the request as a card shows it (counts and at most
 * VIEW_ROWS users): no decision path loads a request's whole target list.
 */
export type DecisionResult =
  | { kind: "done"; view: RequestSummary; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "notFound" }
  | { kind: "notPending"; view: RequestSummary };

/**
 * An enable of an account this bot did not disable is approved only with "Enable anyway" (the
 * approver confirms it is meant); that confirmation belongs to no other request. Null when
 * neither applies (the policy decides).
 */
export function confirmation(request: RevocationRequest, verb: DecisionVerb, enableAnyway: boolean): Decision | null {
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
export function responderRule(request: RevocationRequest, targetCount: number, verb: DecisionVerb, choice: ResponderChoice | undefined): Decision | null {
  if (verb !== "approve") return null;
  return responderConfirmation(
    { responderCount: request.responders?.length ?? 0, disable: request.disable, containment: hasContainment(request.containment), targetCount },
    choice,
  );
}


/** Who may decide, by the policy of the verb. */
export function policyFor(verb: DecisionVerb, facts: RequestFacts, actor: Actor, roles: Roles | undefined): Decision {
  switch (verb) {
    case "approve":
      return mayApprove(facts, actor, roles ?? NO_ROLES);
    case "reject":
      return mayReject(facts, actor, roles ?? NO_ROLES);
    case "cancel":
      return mayCancel(facts, actor);
  }
}

/** The details of a decision's audit entry (`request.approved`, `.rejected`, `.cancelled`). */
export function decidedDetails(d: {
  request: RevocationRequest;
  decision: Decision;
  comment: string | null;
  targetCount: number;
  /** The users of a small set, read to name them in the audit post. */
  few: readonly DirectoryUser[];
  /** Responders the approval left out of the set. */
  leftOut: readonly Responder[];
  approvedSetHash: string | undefined;
  secondPerson: string | null;
  roles: Roles | undefined;
  enableAnyway: boolean;
  choice: ResponderChoice | undefined;
}): Record<string, unknown> {
  const { request, decision, comment, few, leftOut, approvedSetHash, secondPerson, roles, choice } = d;
  const responders = request.responders ?? [];
  return {
    reason: decision.reason,
    comment: comment ?? "",
    targetCount: d.targetCount - leftOut.length,
    fourEyes: secondPerson !== null,
    ...titleDetails(
      request,
      d.targetCount - leftOut.length,
      few.filter((t) => !leftOut.some((l) => l.id === t.id)),
    ),
    ...(roles === undefined ? {} : { roles }),
    ...(d.enableAnyway ? { confirmed: "enable anyway: the account was not disabled by this bot" } : {}),
    ...(choice === "include" ? { confirmed: `approved including ${theResponders(responders.length)} in the set`, responders: responders.map((r) => ({ id: r.id, upn: r.userPrincipalName })) } : {}),
    ...(choice === "exclude"
      ? {
          confirmed: `approved without ${theResponders(leftOut.length)}: removed from the frozen set, nothing is done to them`,
          respondersLeftOut: leftOut.map((r) => ({ id: r.id, upn: r.userPrincipalName })),
          ...(approvedSetHash === undefined ? {} : { targetsSha256: approvedSetHash }),
        }
      : {}),
  };
}

/** "the responder", "the 3 responders" */
function theResponders(n: number): string {
  return n === 1 ? "the responder" : `the ${n} responders`;
}

