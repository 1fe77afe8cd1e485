/**
 * What chat says when a proposal is refused (src/requests/proposals.ts gives the facts), and the
 * reason its audit entry records.
 */
import type { ProposalRefusal } from "../requests/proposals.js";
import { Requests, RoleReplies } from "./chat-replies.js";
import { alreadyEnabled, enabledUnknown, noSuchUser, notEnableable } from "./enable-replies.js";
import { escapeMarkdown } from "./markdown.js";
import { selectionNone, selectionWhat } from "./selection-words.js";

/** The reply to the person whose proposal was refused (`name`: theirs, as Teams gives it). */
export function proposalRefusalReply(refusal: ProposalRefusal, name: string): string {
  switch (refusal.kind) {
    case "notRevoker":
      return RoleReplies.refused(refusal.reason, name);
    case "pendingCap":
      return Requests.tooManyOpen(refusal.open);
    case "unresolved":
      return Requests.unresolved(refusal.problems.map((p) => Requests.unresolvedUser(escapeMarkdown(p.key), p.notAUser)));
    case "tooManyTargets":
      return Requests.tooManyTargets(selectionWhat(refusal.selection.selected, escapeMarkdown), refusal.max);
    case "nothingToRevoke":
      return refusal.selection === undefined
        ? Requests.nothingToRevoke(refusal.excluded.map((e) => (e.why === "guest" ? Requests.guestOnly(e.user.userPrincipalName) : Requests.protectedOnly(e.user.userPrincipalName))))
        : Requests.emptySelection(selectionNone(refusal.selection.selected, escapeMarkdown), refusal.excluded.length);
    case "noSuchUser":
      return noSuchUser(refusal.key);
    case "notEnableable":
      return notEnableable(refusal.user.userPrincipalName, refusal.why);
    case "notDisabled":
      return refusal.known ? alreadyEnabled(refusal.user.userPrincipalName) : enabledUnknown(refusal.user.userPrincipalName);
    case "noApprovalChannel":
      return Requests.noApprovalChannel(Requests.noApprovalChannelReason(refusal.secondPerson));
  }
}

/**
 * The reason a chat refusal's audit entry records, or undefined for the refusals chat answers only
 * to the person who typed the command (names that are not users, a selection too large or empty,
 * an account that cannot be enabled), as it always has.
 */
export function proposalRefusalReason(refusal: ProposalRefusal): string | undefined {
  switch (refusal.kind) {
    case "notRevoker":
      return refusal.reason;
    case "pendingCap":
      return `you already have ${refusal.open} pending requests, the most one person may have open at once (MAX_PENDING_PER_REQUESTER=${refusal.max})`;
    case "noApprovalChannel":
      return Requests.noApprovalChannelReason(refusal.secondPerson);
    default:
      return undefined;
  }
}
