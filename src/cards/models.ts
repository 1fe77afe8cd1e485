/**
 * Typed data for each Adaptive Card template in cards/. Every field is pre-formatted text (or a
 * list of rows of text), so the templates hold layout only and no logic. Every field must be
 * present: adaptivecards-templating leaves a `${…}` in the card for an unbound one, and
 * test/cards/render.spec.ts fails on it.
 */

/** One title/value pair on a card (FactSet). */
export interface Fact {
  title: string;
  value: string;
}

/** One user row of a set on the approval card (the first few users of the set). */
export interface ConfirmTargetRow {
  displayName: string;
  userPrincipalName: string;
  /** The account state in words, e.g. "Enabled", "Already disabled". */
  state: string;
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
  /** Names the action and the person or the set: "Revoke Alice Wood's sessions?" */
  title: string;
  /** "Dana Analyst asked 2 min ago · expires in 28 min" */
  askedLine: string;
  /** "Reason: …", or that none was given. */
  reasonLine: string;
  /** The incident the request belongs to, as a markdown line with its link, or "". */
  incidentLine: string;
  /** One user: the facts that matter to the decision (UPN, department, account, last revoked); empty for a set. */
  facts: Fact[];
  /** A set: its count and breakdown ("60 users: 54 enabled, 6 already disabled."), or "". */
  breakdown: string;
  /** Users left out of the set and why (counts), or "". */
  excluded: string;
  /** "2 of these users are responders: …" (members of a revoker or approver group), or "". */
  responders: string;
  /** `revoke ip`: "4 failed attempts from this address, not included: …", or "". */
  failedSignIns: string;
  /** `--reset-password`: admins among the targets whose passwords the bot cannot reset, or that it could not check; or "". */
  adminReset: string;
  /** A set: its first users, one row each; empty for one user. */
  rows: ConfirmTargetRow[];
  /** "" or e.g. "…and 55 more: the full list is in the replies to this card." */
  moreTargets: string;
  /** What approving does (one sentence, from effectSentence). */
  effect: string;
  /** Who may decide, e.g. "An approver other than Dana Analyst must approve: …" */
  approvalRule: string;
  /** Where approvers were asked, or "". */
  approvalWhere: string;
  /** What this viewer can do, or "". */
  viewerNote: string;
  /** The rest, shown by the Details toggle (object ID, request ID, exact times, names left out). */
  details: Fact[];
  /** The comment input's id, or "" when the viewer has no button. */
  commentInputId: string;
  /** Each verb, or "" to leave its button out. */
  approveVerb: string;
  rejectVerb: string;
  cancelVerb: string;
  /** "Enable anyway" on an enable of an account this bot did not disable (instead of Approve), or "". */
  enableAnywayVerb: string;
  /** "Approve, including responders" / "Approve without responders" (instead of Approve), or "". */
  approveWithRespondersVerb: string;
  approveWithoutRespondersVerb: string;
  /** The refresh action's verb (each viewer's own view). */
  refreshVerb: string;
  /** Teams user IDs whose client refreshes automatically in conversations of more than 60 people. */
  refreshUserIds: string[];
}

/** One user row on the result card. */
export interface ResultTargetRow {
  displayName: string;
  userPrincipalName: string;
  /** Icon and words, e.g. "✔ Revoked and verified", "✖ Failed" (never colour alone). */
  outcome: string;
  /** Adaptive Card text color for the outcome: "Good" | "Warning" | "Attention" | "Default" */
  outcomeColor: string;
  /** Extra words: the failure reason and its fix, or "". */
  detail: string;
}

/** cards/revoke-result.json: progress and final state, updated in place on the original card. */
export interface ResultCardData {
  requestId: string;
  /** What happened in one line with an icon, e.g. "✔ Alice Wood's sessions are revoked" */
  title: string;
  /** Adaptive Card container style (host config): "good" | "warning" | "attention" | "accent" | "emphasis" */
  statusStyle: string;
  /** Counts in words, failures first: "2 failed (listed below), 58 revoked and verified." */
  countsLine: string;
  /** Who decided and when: "Approved by Riley Approver, 1 Dec, 10:03 UTC." */
  statusLine: string;
  /** The decider's comment, e.g. "Comment: confirmed with the user", or "". */
  comment: string;
  /** "Asked by Dana Analyst · Reason: …" */
  requestLine: string;
  /** A note for the person who clicked when their click changed nothing, or "". */
  notice: string;
  /** "" or e.g. "…and 55 more: every outcome is in the audit log." when the card lists only some users. */
  moreRows: string;
  targets: ResultTargetRow[];
  /** The note that already-issued access tokens stay valid (about an hour); empty when nothing was revoked. */
  note: string;
  /** The rest, shown by the Details toggle (request ID, why the decision was allowed). */
  details: Fact[];
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

/** cards/audit-entry.json: what the audit channel receives for each audit entry. */
export interface AuditCardData {
  /** One line in words: "Dana Analyst asked to revoke 60 users in Claims — INC-78" */
  title: string;
  /** "good" | "warning" | "attention" | "accent" | "default" (host-config container styles) */
  style: string;
  /** "1 Dec, 10:04 UTC · request R-… · audit #4711" */
  subtitle: string;
  /** At most four facts. */
  facts: Fact[];
  /** The rest, behind the Details toggle; empty for none. */
  details: Fact[];
}
