/**
 * A refused proposal as the automation API says it: the reason and details of its audit entry,
 * and its problem+json answer (the facts come from src/requests/proposals.ts).
 */
import { Requests } from "../cards/chat-replies.js";
import { selectionNone, selectionWhat } from "../cards/selection-words.js";
import type { ProposalRefusal } from "../requests/proposals.js";
import type { NamedUserProblem, SelectionSource } from "../requests/selections.js";
import { problem, type ApiResponse, type FieldError } from "./problem.js";
import type { Proposal } from "./request-body.js";

/** What a proposal chose: named users (each with its position in the body), or a bulk selection. */
export type Chosen = { kind: "users"; command: string; users: string[]; positions: number[] } | { kind: "bulk"; command: string; source: SelectionSource };

/** A refused proposal's audit entry: its reason and details, as the API words them (`via: api` is added by ApiRefusals). */
export function refusalOf(refusal: ProposalRefusal, chosen: Chosen, proposal: Proposal): { reason: string; details: Record<string, unknown> } {
  switch (refusal.kind) {
    case "pendingCap":
      return { reason: pendingCapReason(refusal.open, refusal.max), details: { incident: proposal.incident } };
    case "unresolved":
      return { reason: "named users could not be resolved", details: { errors: unresolvedErrors(refusal.problems, chosen) } };
    case "tooManyTargets":
      return { reason: tooManyReason(selectionWhat(refusal.selection.selected, asTyped), refusal.max), details: { command: chosen.command } };
    case "nothingToRevoke":
      return { reason: `nothing to revoke: ${nothingReason(refusal.excluded.length, refusal.selection)}`, details: { command: chosen.command } };
    default:
      return notFromTheApi(refusal);
  }
}

/** The problem+json answer of a refused proposal. */
export function refusalResponse(refusal: ProposalRefusal, chosen: Chosen): ApiResponse {
  switch (refusal.kind) {
    case "pendingCap":
      return problem(429, "too-many-pending", "Too many pending requests", `Nothing was requested: ${pendingCapReason(refusal.open, refusal.max)}. Wait until one is decided or expires.`, { headers: { "retry-after": "60" } });
    case "unresolved":
      return problem(400, "invalid-body", "Some named users are not users of this tenant", "Nothing was requested. Check the names, or use the object IDs from the Entra admin center.", { errors: unresolvedErrors(refusal.problems, chosen) });
    case "tooManyTargets": {
      const reason = tooManyReason(selectionWhat(refusal.selection.selected, asTyped), refusal.max);
      return problem(422, "too-many-targets", "The selection is too large", `Nothing was requested: ${reason}. Narrow the selection.`, { errors: [{ field: "selection", message: reason }] });
    }
    case "nothingToRevoke": {
      const reason = nothingReason(refusal.excluded.length, refusal.selection);
      return problem(422, "nothing-to-revoke", "Nothing to revoke", `Nothing was requested: ${reason}.`, { errors: [{ field: "selection", message: reason }] });
    }
    default:
      return notFromTheApi(refusal);
  }
}

/** The refusals a proposal from the API never gets: a person's role, an enable's, an approval channel (found before Graph). */
function notFromTheApi(refusal: ProposalRefusal): never {
  throw new Error(`a proposal from the API was refused for a reason only chat has (${refusal.kind})`);
}

function pendingCapReason(open: number, max: number): string {
  return `the app already has ${open} pending requests, the most one requester may have open at once (MAX_PENDING_PER_REQUESTER=${max})`;
}

function tooManyReason(what: string, max: number): string {
  return `${what} are more than ${max} users, more than one request may hold (MAX_TARGETS)`;
}

function nothingReason(excluded: number, selection: SelectionSource | undefined): string {
  const left = excluded === 0 ? "" : ` (${excluded} left out: guests and protected accounts are never revoked here)`;
  return selection === undefined ? `every named user is a guest or a protected account${left}` : `${selectionNone(selection.selected, asTyped)}${left}`;
}

function unresolvedErrors(problems: readonly NamedUserProblem[], chosen: Chosen): FieldError[] {
  const positions = chosen.kind === "users" ? chosen.positions : [];
  return problems.map((p) => ({ field: `selection.users[${positions[p.index] ?? p.index}]`, message: Requests.unresolvedUser(p.key, p.notAUser) }));
}

/** Typed text in the API's sentences: as it was sent (its answers are JSON, not markdown). */
function asTyped(text: string): string {
  return text;
}
