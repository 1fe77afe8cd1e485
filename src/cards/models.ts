/**
 * Typed data for each Adaptive Card template in cards/. Every field is pre-formatted text (or a
 * list of rows of text), so the templates hold layout only and no logic. Every field must be
 * present: adaptivecards-templating leaves a `${…}` in the card for an unbound one, and
 * test/cards/render.spec.ts fails on it.
 */

/** One user row on the confirmation card. */
export interface ConfirmTargetRow {
  displayName: string;
  userPrincipalName: string;
  id: string;
  department: string;
  /** "Yes" / "No" / "Unknown" */
  accountEnabled: string;
  userType: string;
  /** Current signInSessionsValidFromDateTime, formatted, or "never revoked". */
  sessionsValidFrom: string;
}

/**
 * cards/revoke-confirm.json: a pending request, before anything is revoked. The same template
 * gives the shared copy (posted to the conversation; what clients without Universal Actions show)
 * and each viewer's own view, answered to the card's refresh: approvers get Approve and Reject,
 * the requester gets Withdraw, everyone else sees that it waits for an approver.
 */
export interface ConfirmCardData {
  /** Opaque request ID; with the optional comment, the only thing the card's action data carries. */
  requestId: string;
  title: string;
  requester: string;
  requestedAt: string;
  expiresAt: string;
  reason: string;
  /** e.g. "25 users" */
  targetSummary: string;
  /** Users left out of the set and why (protected, guest), or "". */
  excluded: string;
  /** What will happen, e.g. "Sign-in sessions will be revoked." plus "The account will be disabled." */
  effect: string;
  /** Who must approve, e.g. "A second person must approve: …" */
  approvalRule: string;
  /** Where approvers were asked, or "". */
  approvalWhere: string;
  /** The first targets (at most 20). */
  targets: ConfirmTargetRow[];
  /** "" or e.g. "…and 480 more: the full list is in the replies to this card." */
  moreTargets: string;
  /** What this viewer can do, e.g. "Waiting for an approver." */
  viewerNote: string;
  /** Adaptive Card container style of the viewer note. */
  viewerStyle: string;
  /** The comment input's id, or "" when the viewer has no button. */
  commentInputId: string;
  /** Each verb, or "" to leave its button out. */
  approveVerb: string;
  rejectVerb: string;
  cancelVerb: string;
  /** "Enable anyway" on an enable of an account this bot did not disable (instead of Approve), or "". */
  enableAnywayVerb: string;
  /** The refresh action's verb (each viewer's own view). */
  refreshVerb: string;
  /** Teams user IDs whose client refreshes automatically in conversations of more than 60 people. */
  refreshUserIds: string[];
}

/** One user row on the result card. */
export interface ResultTargetRow {
  displayName: string;
  userPrincipalName: string;
  id: string;
  /** e.g. "Revoked and verified", "Failed" */
  outcome: string;
  /** Adaptive Card text color for the outcome: "Good" | "Warning" | "Attention" | "Default" */
  outcomeColor: string;
  /** Extra words: the new sessions-valid-from time, or the failure reason and its fix. */
  detail: string;
}

/** cards/revoke-result.json: progress and final state, updated in place on the original card. */
export interface ResultCardData {
  requestId: string;
  /** e.g. "Revoking…", "Revocation complete", "Request cancelled" */
  title: string;
  /** Adaptive Card container style: "good" | "warning" | "attention" | "accent" | "emphasis" */
  statusStyle: string;
  /** One line, e.g. "Approved by Riley Approver at 2026-11-24 10:02 UTC" */
  statusLine: string;
  /** Why the decision was allowed, e.g. "Allowed: approved by an approver other than the requester (four-eyes)", or "". */
  policyNote: string;
  /** The decider's comment, e.g. "Comment: confirmed with the user", or "". */
  comment: string;
  /** A note for the person who clicked when their click changed nothing, or "". */
  notice: string;
  /** "" or e.g. "…and 100 more (failures are listed first)…" when the card lists only some users. */
  moreRows: string;
  requester: string;
  reason: string;
  /** e.g. "1 of 1 revoked and verified" */
  summary: string;
  targets: ResultTargetRow[];
  /** The note that already-issued access tokens stay valid (about an hour); empty when nothing was revoked. */
  note: string;
}

/** cards/revoke-ask.json: `revoke` alone asks for the user. */
export interface AskCardData {
  askVerb: string;
  /** Name of the Input.Text id the handler reads. */
  inputId: string;
  /** Validation message from a previous attempt, or "". */
  error: string;
}

/** cards/notice.json: a short message card (refusals, errors in answer to a card action). */
export interface NoticeCardData {
  title: string;
  message: string;
  /** "good" | "warning" | "attention" | "accent" | "default" */
  style: string;
}

/** One title/value pair on the audit card. */
export interface Fact {
  title: string;
  value: string;
}

/** cards/audit-entry.json: what the audit channel receives for each audit entry. */
export interface AuditCardData {
  /** e.g. "Revocation requested", "Revocation refused" */
  title: string;
  /** "good" | "warning" | "attention" | "accent" | "default" */
  style: string;
  facts: Fact[];
}
