/**
 * Turns domain objects into card data (src/cards/models.ts). All wording of the cards lives here
 * or in the templates, nowhere else.
 */
import { effectSentence, resultContainmentNote } from "./containment-replies.js";
import { ENABLE_REQUESTED, ENABLE_STATE_VIEW, enableEffect, enableNoOutcome, enableSummary, enableTitle } from "./enable-replies.js";
import { escapeMarkdown } from "./markdown.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { DirectoryUser } from "../directory/types.js";
import { countOutcomes } from "../revocation/job-runner.js";
import type { OutcomeStatus, RevocationRequest, TargetOutcome } from "../revocation/types.js";
import type {
  AuditCardData,
  ConfirmCardData,
  ConfirmTargetRow,
  Fact,
  NoticeCardData,
  ResultCardData,
  ResultTargetRow,
} from "./models.js";
import { Verbs } from "./verbs.js";

/** Shown wherever sessions were revoked: what revocation does not do. */
export const ACCESS_TOKEN_NOTE =
  "Revocation invalidates refresh tokens and browser session cookies. Access tokens already issued stay valid until they expire (about an hour); disable the account as well (--disable) to stop new sign-ins.";

/** "2026-11-24 10:02 UTC" */
export function formatTime(iso: string | null): string {
  if (iso === null) return "never";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * Text from users or the directory (reasons, display names, comments) shown on a card. Teams
 * renders markdown in card text, so a display name like "[Approve](https://…)" would become a link
 * that misleads an approver: every markdown character is escaped (src/cards/markdown.ts).
 */
export function plain(text: string): string {
  return escapeMarkdown(text);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function yesNo(v: boolean | null): string {
  return v === null ? "Unknown" : v ? "Yes" : "No";
}

function targetRow(user: DirectoryUser): ConfirmTargetRow {
  return {
    displayName: plain(user.displayName ?? user.userPrincipalName),
    userPrincipalName: user.userPrincipalName,
    id: user.id,
    department: plain(user.department ?? "—"),
    accountEnabled: yesNo(user.accountEnabled),
    userType: user.userType ?? "Unknown",
    sessionsValidFrom: user.signInSessionsValidFromDateTime === null ? "never revoked" : formatTime(user.signInSessionsValidFromDateTime),
  };
}

/** Users named on a card's "left out" line at most; the rest are counted. */
const EXCLUDED_LISTED = 10;

function excludedLine(request: RevocationRequest): string {
  if (request.excluded.length === 0) return "";
  const guests = request.excluded.filter((e) => e.why === "guest").length;
  const protectedCount = request.excluded.length - guests;
  const counts = [
    guests > 0 ? `${plural(guests, "guest")} (their sessions live in their home tenants)` : "",
    protectedCount > 0 ? `${plural(protectedCount, "protected account")} (never revoked)` : "",
  ].filter((c) => c !== "");
  const named = request.excluded
    .slice(0, EXCLUDED_LISTED)
    .map((e) => `${e.user.userPrincipalName} (${e.why === "guest" ? "guest" : "protected"})`)
    .join("; ");
  const more = request.excluded.length > EXCLUDED_LISTED ? `; …and ${request.excluded.length - EXCLUDED_LISTED} more` : "";
  return `Left out: ${counts.join(", ")}: ${named}${more}`;
}

/** Targets listed on a card; a larger set is listed in full in replies to the card. */
export const CARD_TARGET_LIMIT = 20;

/** The comment input's id on the confirmation card (its value arrives in the action's data). */
export const COMMENT_INPUT_ID = "comment";

/** How one person sees a pending request (from RevocationService.viewpointOf). */
export interface PendingViewer {
  abilities: { approve: boolean; reject: boolean; cancel: boolean };
  isRequester: boolean;
}

/** The facts a pending card states besides the request itself. */
export interface PendingContext {
  /** Why an approver other than the requester must approve (policy `secondPersonReason`), or null. */
  secondPerson: string | null;
  /** How many targets the request has, when `request.targets` holds only the first of them (a summary). */
  targetCount?: number;
  /** Where approvers were asked (e.g. "the approval channel"), or "". */
  approvalWhere: string;
  /** Teams user IDs whose clients refresh the card automatically. */
  refreshUserIds: string[];
}

/**
 * Data for the card of a pending request. Without a viewer it is the shared copy: Approve and
 * Reject for clients without Universal Actions (every click is checked on the server); with one, it
 * is that person's view, answered to the card's refresh.
 */
export function confirmCardData(request: RevocationRequest, context: PendingContext, viewer?: PendingViewer): ConfirmCardData {
  const n = context.targetCount ?? request.targets.length;
  const shown = request.targets.slice(0, CARD_TARGET_LIMIT);
  const note = viewerNote(request, context, viewer);
  const abilities = viewer?.abilities ?? { approve: true, reject: true, cancel: false };
  const anyButton = abilities.approve || abilities.reject || abilities.cancel;
  const enable = request.action === "enable";
  // An enable of an account the bot did not disable is approved only with "Enable anyway".
  const confirmFirst = enable && request.foreignDisable;
  const first = request.targets[0];
  return {
    requestId: request.id,
    title: enable && first !== undefined ? enableTitle(plain(first.displayName ?? first.userPrincipalName)) : `Revoke sign-in sessions of ${plural(n, "user")}?`,
    requester: plain(request.requester.name),
    requestedAt: formatTime(request.createdAt),
    expiresAt: formatTime(request.expiresAt),
    reason: request.reason === "" ? "(none given)" : plain(request.reason),
    targetSummary: plural(n, "user"),
    excluded: excludedLine(request),
    effect: enable ? enableEffect(request.foreignDisable) : effectSentence(request.disable, request.containment),
    approvalRule:
      context.secondPerson !== null
        ? `A second person must approve: an approver other than ${plain(request.requester.name)} (${plain(context.secondPerson)}).`
        : "The requester (a revoker) may confirm this one-person request, or an approver may approve it.",
    approvalWhere: context.approvalWhere,
    targets: shown.map(targetRow),
    moreTargets:
      n <= shown.length
        ? ""
        : n <= REPLY_LIST_LIMIT
          ? `…and ${n - shown.length} more: the full list of ${n} is in the replies to this card.`
          : `…and ${n - shown.length} more: the first ${REPLY_LIST_LIMIT} are listed in the replies to this card.`,
    viewerNote: note.text,
    viewerStyle: note.style,
    commentInputId: anyButton ? COMMENT_INPUT_ID : "",
    approveVerb: abilities.approve && !confirmFirst ? Verbs.approve : "",
    enableAnywayVerb: abilities.approve && confirmFirst ? Verbs.enableAnyway : "",
    rejectVerb: abilities.reject ? Verbs.reject : "",
    cancelVerb: abilities.cancel ? Verbs.cancel : "",
    refreshVerb: Verbs.refresh,
    refreshUserIds: context.refreshUserIds,
  };
}

function viewerNote(request: RevocationRequest, context: PendingContext, viewer: PendingViewer | undefined): { text: string; style: string } {
  const withdraw = `The requester can withdraw it by typing \`cancel ${request.id}\`.`;
  if (viewer === undefined) {
    return { text: `Waiting for an approver. Only members of an approver group can approve or reject; every click is checked. ${withdraw}`, style: "emphasis" };
  }
  const { approve, reject, cancel } = viewer.abilities;
  if (approve && reject) return { text: "You can approve or reject this request. Check the list: what you approve is exactly what runs.", style: "accent" };
  if (approve && cancel) return { text: "You asked for this single-user revocation: confirm it with Approve, or withdraw it.", style: "accent" };
  if (reject) return { text: "You can reject this request.", style: "accent" };
  if (viewer.isRequester) {
    return {
      text: context.secondPerson !== null
        ? "Waiting for an approver: someone other than you must approve this request. You can withdraw it."
        : "Waiting for an approver. You can withdraw this request.",
      style: "emphasis",
    };
  }
  return { text: "Waiting for an approver.", style: "emphasis" };
}

/** Targets listed in replies to a card at most (10 messages); a larger set is counted, not listed. */
export const REPLY_LIST_LIMIT = 1000;

/** The target list as lines of text, for the replies to a card with more than it shows (at most REPLY_LIST_LIMIT). */
export function targetListMessages(request: RevocationRequest, perMessage = 100): string[] {
  const messages: string[] = [];
  const n = request.targets.length;
  const listed = Math.min(n, REPLY_LIST_LIMIT);
  for (let i = 0; i < listed; i += perMessage) {
    const rows = request.targets.slice(i, Math.min(i + perMessage, listed)).map((t, j) => {
      const name = plain(t.displayName ?? t.userPrincipalName);
      return `${i + j + 1}. ${name} — ${t.userPrincipalName} — ${plain(t.department ?? "no department")} — ${t.id}`;
    });
    const last = Math.min(i + perMessage, listed);
    const more =
      last === listed && n > listed
        ? `\n\nThe other ${n - listed} users are not listed in chat. The request's audit entry holds the sha256 of the whole set; what runs is exactly that set.`
        : "";
    messages.push(`**Request ${request.id}: targets ${i + 1}–${last} of ${n}**\n\n${rows.join("\n")}${more}`);
  }
  return messages;
}

const OUTCOME_TEXT: Record<OutcomeStatus, { text: string; color: string }> = {
  revoked_verified: { text: "Revoked and verified", color: "Good" },
  revoked_unverified: { text: "Revoked, not yet verified", color: "Warning" },
  enabled: { text: "Enabled", color: "Good" },
  not_found: { text: "Not found", color: "Attention" },
  skipped: { text: "Skipped", color: "Default" },
  failed: { text: "Failed", color: "Attention" },
};

/** Order of rows on the result card: what needs attention first. */
const ROW_RANK: Record<OutcomeStatus | "none", number> = {
  failed: 0,
  not_found: 0,
  revoked_unverified: 1,
  none: 2,
  skipped: 3,
  revoked_verified: 3,
  enabled: 3,
};

const STATE_VIEW: Record<RevocationRequest["state"], { title: string; style: string }> = {
  pending: { title: "Waiting for an approver", style: "emphasis" },
  approved: { title: "Approved: revoking…", style: "accent" },
  running: { title: "Revoking…", style: "accent" },
  completed: { title: "Revocation complete", style: "good" },
  failed: { title: "Revocation finished with failures", style: "attention" },
  rejected: { title: "Request rejected", style: "warning" },
  cancelled: { title: "Request withdrawn", style: "warning" },
  expired: { title: "Request expired", style: "warning" },
};

/** What a result card shows of a request, however it was loaded. */
export interface ResultView {
  /** The request's header fields (its targets and outcomes may be left empty). */
  request: RevocationRequest;
  targetCount: number;
  counts: Record<OutcomeStatus, number>;
  /** At most CARD_TARGET_LIMIT users, failures first. */
  rows: Array<{ target: DirectoryUser; outcome: TargetOutcome | null }>;
  /** e.g. "20.1 users/s · about 7 min left", or "". */
  pace?: string;
}

/** The view of a fully loaded request: failures first, then the rest in the order of the request. */
export function resultViewOf(request: RevocationRequest): ResultView {
  const outcomeOf = new Map(request.outcomes.map((o) => [o.userId, o]));
  const rows = request.targets
    .map((t, position) => ({ t, position, rank: ROW_RANK[outcomeOf.get(t.id)?.status ?? "none"] }))
    .sort((a, b) => a.rank - b.rank || a.position - b.position)
    .slice(0, CARD_TARGET_LIMIT)
    .map(({ t }) => ({ target: t, outcome: outcomeOf.get(t.id) ?? null }));
  return { request, targetCount: request.targets.length, counts: countOutcomes(request.outcomes), rows };
}

/** Data for the card of a decided request (progress and result). */
export function resultCardData(request: RevocationRequest | ResultView, notice = ""): ResultCardData {
  const v = "targetCount" in request ? request : resultViewOf(request);
  const r = v.request;
  const enable = r.action === "enable";
  const view = (enable ? ENABLE_STATE_VIEW : STATE_VIEW)[r.state];
  const decided =
    r.decidedBy !== null && r.decidedAt !== null
      ? `${decisionWord(r)} by ${plain(r.decidedBy.name)} at ${formatTime(r.decidedAt)}.`
      : r.state === "expired"
        ? `Nobody approved it before ${formatTime(r.expiresAt)}; nothing was ${enable ? "enabled" : "revoked"}.`
        : "";
  // A card must stay within Teams' message size, so it lists at most CARD_TARGET_LIMIT users.
  const rows: ResultTargetRow[] = v.rows.slice(0, CARD_TARGET_LIMIT).map(({ target: t, outcome }) => {
    const shown = outcome === null ? undefined : OUTCOME_TEXT[outcome.status];
    return {
      displayName: plain(t.displayName ?? t.userPrincipalName),
      userPrincipalName: t.userPrincipalName,
      id: t.id,
      outcome: shown?.text ?? (enable ? enableNoOutcome(isLive(r)) : isLive(r) ? "Waiting" : "Not revoked"),
      outcomeColor: shown?.color ?? "Default",
      detail: outcome?.detail ?? "",
    };
  });
  const hidden = v.targetCount - rows.length;
  const counts = v.counts;
  const done = counts.revoked_verified + counts.revoked_unverified + counts.enabled + counts.failed + counts.not_found + counts.skipped;
  const failed = counts.failed + counts.not_found;
  const revoked = counts.revoked_verified + counts.revoked_unverified;
  const summary = enable
    ? enableSummary(counts, isLive(r))
    : isLive(r) || done > 0
      ? `${done} of ${v.targetCount} done: ${counts.revoked_verified} revoked and verified, ${counts.revoked_unverified} revoked not yet verified, ${failed} failed${v.pace === undefined || v.pace === "" ? "" : `. ${v.pace}`}`
      : `Nothing was revoked (${plural(v.targetCount, "user")} named).`;
  const containmentNote = isLive(r) || done > 0 ? resultContainmentNote(r.containment) : "";
  return {
    requestId: r.id,
    title: view.title,
    statusStyle: view.style,
    statusLine: decided,
    policyNote: r.decisionReason === null ? "" : `Allowed: ${r.decisionReason}.`,
    comment: r.decisionComment === null || r.decisionComment === "" ? "" : `Comment: ${plain(r.decisionComment)}`,
    notice,
    moreRows:
      hidden > 0
        ? `…and ${hidden} more (failures are listed first${failed > rows.length && !isLive(r) ? "; the failures are listed in the replies to this card" : ""}). Every user's outcome is in the audit log: \`npm run audit:export\`, or \`history\` for the summary.`
        : "",
    requester: plain(r.requester.name),
    reason: r.reason === "" ? "(none given)" : plain(r.reason),
    summary: containmentNote === "" ? summary : `${summary}. ${containmentNote}`,
    targets: rows,
    note: !enable && (revoked > 0 || isLive(r)) ? ACCESS_TOKEN_NOTE : "",
  };
}

/**
 * The failed users of a finished request as lines of text, for replies to its card: the failures
 * among `rows` (a summary's rows list them first), of `total` failures in all.
 */
export function failureListMessages(requestId: string, rows: ResultView["rows"], total: number, perMessage = 100): string[] {
  const listed = rows.filter((r) => r.outcome !== null && (r.outcome.status === "failed" || r.outcome.status === "not_found"));
  const messages: string[] = [];
  for (let i = 0; i < listed.length; i += perMessage) {
    const lines = listed.slice(i, i + perMessage).map(({ target, outcome }, j) => {
      const status = outcome === null ? "" : OUTCOME_TEXT[outcome.status].text;
      return `${i + j + 1}. ${target.userPrincipalName} — ${status}: ${plain(outcome?.detail ?? "")}`;
    });
    const last = Math.min(i + perMessage, listed.length);
    const more =
      last === listed.length && total > listed.length
        ? `\n\n${total - listed.length} more failures are not listed here: \`npm run audit:export -- --format csv\` has every outcome.`
        : "";
    messages.push(`**Request ${requestId}: failures ${i + 1}–${last} of ${total}**\n\n${lines.join("\n")}${more}`);
  }
  return messages;
}

function isLive(request: RevocationRequest): boolean {
  return request.state === "approved" || request.state === "running";
}

function decisionWord(request: RevocationRequest): string {
  switch (request.state) {
    case "rejected":
      return "Rejected";
    case "cancelled":
      return "Withdrawn";
    default:
      return "Approved";
  }
}

/** A short message card. */
export function noticeCardData(title: string, message: string, style: NoticeCardData["style"] = "warning"): NoticeCardData {
  return { title, message, style };
}

const AUDIT_TITLES: Record<AuditEntry["action"], { title: string; style: string }> = {
  "request.created": { title: "Revocation requested", style: "accent" },
  "request.refused": { title: "Revocation request refused", style: "attention" },
  "request.approved": { title: "Revocation approved", style: "accent" },
  "request.cancelled": { title: "Revocation request withdrawn", style: "warning" },
  "request.rejected": { title: "Revocation request rejected", style: "warning" },
  "request.expired": { title: "Revocation request expired", style: "warning" },
  "decision.refused": { title: "Card action refused", style: "attention" },
  "revocation.started": { title: "Revocation started", style: "accent" },
  "revocation.resumed": { title: "Revocation resumed after an interruption", style: "warning" },
  "target.outcome": { title: "Target outcome", style: "default" },
  "target.containment": { title: "Containment step", style: "default" },
  "revocation.completed": { title: "Revocation completed", style: "good" },
  "revocation.failed": { title: "Revocation finished with failures", style: "attention" },
  "audit.channel.set": { title: "Audit channel set", style: "accent" },
  "activity.refused": { title: "Message from outside the allowed tenant refused", style: "attention" },
  "status.viewed": { title: "Account status looked up", style: "default" },
  "audit.channel.moved": { title: "Audit channel moved", style: "warning" },
  "revocation.refused": { title: "Revocation job refused", style: "attention" },
  "audit.keyed": { title: "Audit log signing key set or changed", style: "warning" },
  "watch.started": { title: "Sign-in watch started", style: "accent" },
  "watch.signin": { title: "Sign-in after the revocation", style: "warning" },
  "watch.alarm": { title: "ALARM: sign-in from the incident's address after the revocation", style: "attention" },
  "watch.report": { title: "Sign-ins after the revocation reported", style: "warning" },
  "watch.stopped": { title: "Sign-in watch stopped", style: "warning" },
  "watch.ended": { title: "Sign-in watch ended", style: "default" },
  "watch.unavailable": { title: "Sign-in watch unavailable", style: "attention" },
  "watch.refused": { title: "Sign-in watch stop refused", style: "attention" },
};

/** Readable titles for the audit details the code writes. */
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  keyId: "Key ID",
  previousKeyId: "Previous key ID",
  reason: "Reason",
  disable: "Disable accounts",
  resetPassword: "Reset passwords",
  confirmCompromised: "Confirm as compromised",
  step: "Containment step",
  detail: "Detail",
  targets: "Targets",
  excluded: "Left out",
  expiresAt: "Expires",
  targetCount: "Number of targets",
  counts: "Outcome counts",
  outcomes: "Outcomes",
  command: "Command",
  verb: "Action",
  roles: "Roles at the time",
  channel: "Channel",
  runner: "Runner",
  previousRunner: "Previous runner",
  remaining: "Targets left",
  moreOutcomes: "Not listed",
  targetsSha256: "Target set (sha256 of object IDs)",
  moreTargets: "Targets not listed",
  excludedCount: "Left out (count)",
  comment: "Comment",
  fourEyes: "Needs a second person",
  approvalChannel: "Approvers asked in",
  claimedRequestId: "Request named",
  conversation: "Conversation",
  watched: "Watched",
  until: "Until",
  incidentAddress: "Incident address",
  user: "User",
  signedIn: "Signed in",
  address: "Address",
  location: "Location",
  app: "App",
  client: "Client",
  signInKind: "Sign-in",
  signInId: "Sign-in ID",
  reported: "Reported",
  signInsAfterRevocation: "Sign-ins after the revocation",
  fromIncidentAddress: "From the incident's address",
  action: "Asked for",
  disabledBy: "Disabled by",
  confirmed: "Confirmed",
};

/** Data for the audit channel post of one audit entry. */
export function auditCardData(entry: AuditEntry): AuditCardData {
  const view = entry.action === "request.created" && entry.details.action === "enable the account" ? ENABLE_REQUESTED : AUDIT_TITLES[entry.action];
  const facts: Fact[] = [
    { title: "When", value: formatTime(entry.at) },
    { title: "Who", value: entry.actor === null ? "the bot" : `${plain(entry.actor.name)} (${entry.actor.aadObjectId})` },
  ];
  if (entry.requestId !== null) facts.push({ title: "Request", value: entry.requestId });
  for (const [key, value] of Object.entries(entry.details)) {
    facts.push({ title: DETAIL_LABELS[key] ?? key, value: describe(value) });
  }
  facts.push({ title: "Audit #", value: String(entry.seq) });
  return { title: view.title, style: view.style, facts };
}

function describe(value: unknown): string {
  if (typeof value === "string") return value === "" ? "—" : plain(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "—";
    return value.map((v) => (isRecord(v) ? describeRecord(v) : String(v))).join("\n");
  }
  if (isRecord(value)) return describeRecord(value);
  return "—";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describeRecord(r: Record<string, unknown>): string {
  if (typeof r.upn === "string") {
    const extra = Object.entries(r)
      .filter(([k, v]) => k !== "upn" && k !== "id" && v !== null && v !== undefined && v !== "")
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(", ");
    return `${r.upn}${typeof r.id === "string" ? ` (${r.id})` : ""}${extra === "" ? "" : ` — ${extra}`}`;
  }
  return Object.entries(r)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(", ");
}
