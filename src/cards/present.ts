/**
 * Turns domain objects into card data (src/cards/models.ts). All wording of the cards lives here
 * or in the templates, nowhere else.
 */
import type { AuditEntry } from "../audit/audit-log.js";
import type { DirectoryUser } from "../directory/types.js";
import { countOutcomes } from "../revocation/job-runner.js";
import type { OutcomeStatus, RevocationRequest } from "../revocation/types.js";
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
 * Text from users or the directory (reasons, display names) shown on a card. Teams renders
 * markdown in card text, so a display name like "[Approve](https://…)" would become a link that
 * misleads an approver: the link syntax is broken with a zero-width space.
 */
export function plain(text: string): string {
  return text.replace(/\]\s*\(/g, "]\u200B(");
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

function excludedLine(request: RevocationRequest): string {
  if (request.excluded.length === 0) return "";
  return request.excluded
    .map((e) => `${e.user.userPrincipalName} (${e.why === "guest" ? "guest: sessions live in the home tenant" : "protected account"})`)
    .join("; ");
}

/** Data for the confirmation card of a pending request. */
export function confirmCardData(request: RevocationRequest): ConfirmCardData {
  const excluded = excludedLine(request);
  return {
    requestId: request.id,
    title: `Revoke sign-in sessions of ${plural(request.targets.length, "user")}?`,
    requester: plain(request.requester.name),
    requestedAt: formatTime(request.createdAt),
    expiresAt: formatTime(request.expiresAt),
    reason: request.reason === "" ? "(none given)" : plain(request.reason),
    targetSummary:
      plural(request.targets.length, "user") + (excluded === "" ? "" : `; left out: ${excluded}`),
    effect: request.disable
      ? "Sign-in sessions will be revoked and the accounts disabled. Nothing happens until someone confirms."
      : "Sign-in sessions will be revoked. Nothing happens until someone confirms.",
    targets: request.targets.map(targetRow),
    confirmVerb: Verbs.confirm,
    cancelVerb: Verbs.cancel,
  };
}

const OUTCOME_TEXT: Record<OutcomeStatus, { text: string; color: string }> = {
  revoked_verified: { text: "Revoked and verified", color: "Good" },
  revoked_unverified: { text: "Revoked, not yet verified", color: "Warning" },
  not_found: { text: "Not found", color: "Attention" },
  skipped: { text: "Skipped", color: "Default" },
  failed: { text: "Failed", color: "Attention" },
};

const STATE_VIEW: Record<RevocationRequest["state"], { title: string; style: string }> = {
  pending: { title: "Waiting for confirmation", style: "emphasis" },
  approved: { title: "Confirmed: revoking…", style: "accent" },
  running: { title: "Revoking…", style: "accent" },
  completed: { title: "Revocation complete", style: "good" },
  failed: { title: "Revocation finished with failures", style: "attention" },
  rejected: { title: "Request rejected", style: "warning" },
  cancelled: { title: "Request cancelled", style: "warning" },
  expired: { title: "Request expired", style: "warning" },
};

/** Data for the card of a decided request (progress and result). */
export function resultCardData(request: RevocationRequest): ResultCardData {
  const view = STATE_VIEW[request.state];
  const decided =
    request.decidedBy !== null && request.decidedAt !== null
      ? `${decisionWord(request)} by ${plain(request.decidedBy.name)} at ${formatTime(request.decidedAt)}`
      : request.state === "expired"
        ? `Nobody confirmed it before ${formatTime(request.expiresAt)}; nothing was revoked.`
        : "";
  const rows: ResultTargetRow[] = request.targets.map((t) => {
    const outcome = request.outcomes.find((o) => o.userId === t.id);
    const view = outcome === undefined ? undefined : OUTCOME_TEXT[outcome.status];
    return {
      displayName: plain(t.displayName ?? t.userPrincipalName),
      userPrincipalName: t.userPrincipalName,
      id: t.id,
      outcome: view?.text ?? (isLive(request) ? "Waiting" : "Not revoked"),
      outcomeColor: view?.color ?? "Default",
      detail: outcome?.detail ?? "",
    };
  });
  const counts = countOutcomes(request.outcomes);
  const revoked = counts.revoked_verified + counts.revoked_unverified;
  const summary = isLive(request) || request.outcomes.length > 0
    ? `${request.outcomes.length} of ${request.targets.length} done: ${counts.revoked_verified} revoked and verified, ${counts.revoked_unverified} revoked not yet verified, ${counts.failed + counts.not_found} failed`
    : `Nothing was revoked (${plural(request.targets.length, "user")} named).`;
  return {
    requestId: request.id,
    title: view.title,
    statusStyle: view.style,
    statusLine: decided,
    requester: plain(request.requester.name),
    reason: request.reason === "" ? "(none given)" : plain(request.reason),
    summary,
    targets: rows,
    note: revoked > 0 || isLive(request) ? ACCESS_TOKEN_NOTE : "",
  };
}

function isLive(request: RevocationRequest): boolean {
  return request.state === "approved" || request.state === "running";
}

function decisionWord(request: RevocationRequest): string {
  switch (request.state) {
    case "rejected":
      return "Rejected";
    case "cancelled":
      return "Cancelled";
    default:
      return "Confirmed";
  }
}

/** A short message card. */
export function noticeCardData(title: string, message: string, style: NoticeCardData["style"] = "warning"): NoticeCardData {
  return { title, message, style };
}

const AUDIT_TITLES: Record<AuditEntry["action"], { title: string; style: string }> = {
  "request.created": { title: "Revocation requested", style: "accent" },
  "request.refused": { title: "Revocation request refused", style: "attention" },
  "request.approved": { title: "Revocation confirmed", style: "accent" },
  "request.cancelled": { title: "Revocation request cancelled", style: "warning" },
  "request.rejected": { title: "Revocation request rejected", style: "warning" },
  "request.expired": { title: "Revocation request expired", style: "warning" },
  "decision.refused": { title: "Card action refused", style: "attention" },
  "revocation.started": { title: "Revocation started", style: "accent" },
  "revocation.resumed": { title: "Revocation resumed after an interruption", style: "warning" },
  "target.outcome": { title: "Target outcome", style: "default" },
  "revocation.completed": { title: "Revocation completed", style: "good" },
  "revocation.failed": { title: "Revocation finished with failures", style: "attention" },
  "audit.channel.set": { title: "Audit channel set", style: "accent" },
};

/** Readable titles for the audit details the code writes. */
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  reason: "Reason",
  disable: "Disable accounts",
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
};

/** Data for the audit channel post of one audit entry. */
export function auditCardData(entry: AuditEntry): AuditCardData {
  const view = AUDIT_TITLES[entry.action];
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
