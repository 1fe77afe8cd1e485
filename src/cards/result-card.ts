/**
 * The result card (cards/revoke-result.json): progress and final state of a decided request, and
 * all its wording. What happened in one line with an icon, then the counts in words, failures
 * first, then who decided; the users follow, failures first. Statuses never rely on colour alone:
 * each carries an icon and words.
 */
import type { DirectoryUser } from "../directory/types.js";
import { countOutcomes } from "../revocation/outcomes.js";
import { hasContainment } from "../domain/containment.js";
import type { OutcomeStatus, TargetOutcome } from "../domain/outcome.js";
import type { RevocationRequest } from "../revocation/types.js";
import { resultContainmentNote } from "./containment-replies.js";
import { respondersLine } from "./approval-card.js";
import { ENABLE_STATE_VIEW, enableNoOutcome, enableSummary } from "./enable-replies.js";
import { revokeWhat } from "./request-title.js";
import { formatTime, listInWords, plain, plural, possessive, withoutConfigNames } from "./format.js";
import type { Fact, ResultCardData, ResultTargetRow } from "./models.js";

/** Shown wherever sessions were revoked: what revocation does not do. */
export const ACCESS_TOKEN_NOTE =
  "Access tokens already issued stay valid until they expire (about an hour); disabling the account as well (--disable) stops new sign-ins.";

/** Users a result card lists at most, failures first; more failures than this are listed in its thread. */
export const RESULT_ROWS = 5;

/** Each outcome in words with its icon; the colour only repeats what the words say. */
export const OUTCOME_TEXT: Record<OutcomeStatus, { text: string; color: string }> = {
  revoked_verified: { text: "✔ Revoked and verified", color: "Default" },
  revoked_unverified: { text: "◔ Revoked, not yet verified", color: "Default" },
  enabled: { text: "✔ Enabled", color: "Default" },
  not_found: { text: "✖ Not found", color: "Attention" },
  skipped: { text: "– Skipped", color: "Default" },
  failed: { text: "✖ Failed", color: "Attention" },
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

/** Each state's headline (with its icon) and host-config container style. */
const STATE_VIEW: Record<RevocationRequest["state"], { title: string; style: string }> = {
  pending: { title: "⏳ Waiting for an approver", style: "emphasis" },
  approved: { title: "⏳ Approved: revoking…", style: "accent" },
  running: { title: "⏳ Revoking…", style: "accent" },
  completed: { title: "✔ Revocation complete", style: "good" },
  failed: { title: "⚠ Revocation finished with failures", style: "attention" },
  rejected: { title: "✖ Request rejected", style: "warning" },
  cancelled: { title: "↩ Request withdrawn", style: "warning" },
  expired: { title: "⌛ Request expired", style: "warning" },
};

/** An enable's card: a revocation's, with its own words where the action shows. */
const ENABLE_VIEW: Record<RevocationRequest["state"], { title: string; style: string }> = { ...STATE_VIEW, ...ENABLE_STATE_VIEW };

/** What a result card shows of a request, however it was loaded. */
export interface ResultView {
  /** The request's header fields (its targets and outcomes may be left empty). */
  request: RevocationRequest;
  targetCount: number;
  counts: Record<OutcomeStatus, number>;
  /** Its first users, failures first. */
  rows: Array<{ target: DirectoryUser; outcome: TargetOutcome | null }>;
  /** e.g. "20.1 users/s, about 7 min left", or "". */
  pace?: string;
}

/** Users a view of a fully loaded request holds (failures first). */
const VIEW_ROWS = 20;

/** The view of a fully loaded request: failures first, then the rest in the order of the request. */
export function resultViewOf(request: RevocationRequest): ResultView {
  const outcomeOf = new Map(request.outcomes.map((o) => [o.userId, o]));
  const rows = request.targets
    .map((t, position) => ({ t, position, rank: ROW_RANK[outcomeOf.get(t.id)?.status ?? "none"] }))
    .sort((a, b) => a.rank - b.rank || a.position - b.position)
    .slice(0, VIEW_ROWS)
    .map(({ t }) => ({ target: t, outcome: outcomeOf.get(t.id) ?? null }));
  return { request, targetCount: request.targets.length, counts: countOutcomes(request.outcomes), rows };
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g;

/** Text written for the log (an outcome's detail) as a person reads it: its times in the card's format. */
export function humanTimes(text: string, now?: Date): string {
  return text.replace(ISO_TIME, (iso) => formatTime(iso, now));
}

function isLive(request: RevocationRequest): boolean {
  return request.state === "approved" || request.state === "running";
}

function isFailure(outcome: TargetOutcome | null): boolean {
  return outcome !== null && (outcome.status === "failed" || outcome.status === "not_found");
}

/** "Approved by Riley Approver, 1 Dec, 10:03 UTC." */
function decisionLine(r: RevocationRequest): string {
  if (r.decidedBy !== null && r.decidedAt !== null) {
    const word = r.state === "rejected" ? "Rejected" : r.state === "cancelled" ? "Withdrawn" : "Approved";
    return `${word} by ${plain(r.decidedBy.name)}, ${formatTime(r.decidedAt)}.`;
  }
  if (r.state === "expired") return `Nobody decided before it expired (${formatTime(r.expiresAt)}).`;
  // Withdrawn by the bot (a stale enable): the reason says why.
  if (r.state === "cancelled" && r.decisionReason !== null) return plain(r.decisionReason);
  return "";
}

/** The counts in words, failures first: "2 failed (listed below), 58 revoked and verified." */
function countsLine(v: ResultView, failuresShown: number): string {
  const c = v.counts;
  if (v.request.action === "enable") return enableSummary(c, isLive(v.request));
  const failed = c.failed + c.not_found;
  const done = c.revoked_verified + c.revoked_unverified + failed + c.skipped;
  const r = v.request;
  if (!isLive(r) && done === 0) return `Nothing was revoked (${plural(v.targetCount, "user")} named).`;
  const where = failed === 0 ? "" : failed <= failuresShown ? " (listed below)" : isLive(r) ? "" : ": see the replies to this card";
  const parts = [
    c.failed > 0 ? `${c.failed.toLocaleString("en-US")} failed` : "",
    c.not_found > 0 ? `${c.not_found.toLocaleString("en-US")} not found` : "",
    c.revoked_unverified > 0 ? `${c.revoked_unverified.toLocaleString("en-US")} revoked, not yet verified` : "",
    c.revoked_verified > 0 ? `${c.revoked_verified.toLocaleString("en-US")} revoked and verified` : "",
    c.skipped > 0 ? `${c.skipped.toLocaleString("en-US")} skipped` : "",
  ].filter((p) => p !== "");
  // The failure counts come first, so "where" attaches to them.
  const failureParts = parts.slice(0, (c.failed > 0 ? 1 : 0) + (c.not_found > 0 ? 1 : 0));
  const rest = parts.slice(failureParts.length);
  const counted = failureParts.length > 0 ? [`${listInWords(failureParts)}${where}`, ...rest] : rest;
  if (isLive(r)) {
    const pace = v.pace === undefined || v.pace === "" ? "" : ` · ${v.pace}`;
    return done === 0 ? `Starting: ${plural(v.targetCount, "user")} to go.` : `${done.toLocaleString("en-US")} of ${v.targetCount.toLocaleString("en-US")} done: ${counted.join(", ")}${pace}.`;
  }
  const single = v.targetCount === 1 ? v.rows[0]?.target : undefined;
  if (single !== undefined && failed === 0 && c.revoked_verified === 1) return `${possessive(plain(single.displayName ?? single.userPrincipalName))} sessions are revoked and verified.`;
  return `${counted.join(", ")}.`;
}

function rowOf(r: RevocationRequest, target: DirectoryUser, outcome: TargetOutcome | null, single: boolean): ResultTargetRow {
  const shown = outcome === null ? undefined : OUTCOME_TEXT[outcome.status];
  let detail = "";
  if (outcome !== null) {
    if (isFailure(outcome) || outcome.status === "revoked_unverified" || outcome.status === "skipped") detail = humanTimes(outcome.detail);
    // With containment asked for, the outcome's detail says what each step did for this user.
    else if (hasContainment(r.containment)) detail = humanTimes(outcome.detail);
    else if (single) detail = `Sessions valid from ${formatTime(outcome.sessionsValidFrom)}.${outcome.disabled ? " Account disabled." : ""}`;
  }
  return {
    displayName: plain(target.displayName ?? target.userPrincipalName),
    userPrincipalName: plain(target.userPrincipalName),
    outcome: shown?.text ?? (r.action === "enable" ? `– ${enableNoOutcome(isLive(r))}` : isLive(r) ? "⏳ Waiting" : "– Not revoked"),
    outcomeColor: shown?.color ?? "Default",
    detail: plain(detail),
  };
}

/** What the request asked, as after "asked to": "revoke Alice Wood's and Bob Stone's sessions", "enable Alice Wood's account". */
function askedWhat(v: ResultView): string {
  const r = v.request;
  const names = v.rows.length === v.targetCount ? [...v.rows].sort((a, b) => r.targets.indexOf(a.target) - r.targets.indexOf(b.target)).map((row) => plain(row.target.displayName ?? row.target.userPrincipalName)) : undefined;
  if (r.action === "enable") return `enable ${names?.length === 1 ? `${possessive(names[0] ?? "")} account` : "an account"}`;
  return revokeWhat({ selection: r.selection, n: v.targetCount, names }, r);
}

/** Data for the card of a decided request (progress and result). */
export function resultCardData(request: RevocationRequest | ResultView, notice = ""): ResultCardData {
  const v = "targetCount" in request ? request : resultViewOf(request);
  const r = v.request;
  const enable = r.action === "enable";
  const view = enable ? ENABLE_VIEW[r.state] : STATE_VIEW[r.state];
  const single = v.targetCount === 1;
  const rows = v.rows.slice(0, RESULT_ROWS).map(({ target, outcome }) => rowOf(r, target, outcome, single));
  const failuresShown = v.rows.slice(0, RESULT_ROWS).filter((row) => isFailure(row.outcome)).length;
  const hidden = v.targetCount - rows.length;
  const counts = v.counts;
  const revoked = counts.revoked_verified + counts.revoked_unverified;
  const details: Fact[] = [{ title: "Request", value: r.id }, { title: "Asked at", value: formatTime(r.createdAt) }];
  if (r.decisionReason !== null && r.decisionReason !== "" && !(r.state === "cancelled" && r.decidedBy === null)) details.push({ title: "Allowed because", value: plain(withoutConfigNames(r.decisionReason)) });
  const responders = respondersLine(r);
  if (responders !== "") details.push({ title: "Responders", value: responders });
  return {
    requestId: r.id,
    title: view.title,
    statusStyle: view.style,
    countsLine: [countsLine(v, failuresShown), isLive(r) || v.counts.revoked_verified + v.counts.revoked_unverified + v.counts.failed > 0 ? resultContainmentNote(r.containment) : ""]
      .filter((line) => line !== "")
      .join(" "),
    statusLine: decisionLine(r),
    comment: r.decisionComment === null || r.decisionComment === "" ? "" : `Comment: ${plain(r.decisionComment)}`,
    requestLine: `${plain(r.requester.name)} asked to ${askedWhat(v)} · ${r.reason === "" ? "no reason given" : `Reason: ${plain(r.reason)}`}`,
    notice,
    moreRows: hidden > 0 ? `…and ${hidden.toLocaleString("en-US")} more. \`history\` has the summary; the audit log has every outcome.` : "",
    targets: rows,
    note: !enable && (revoked > 0 || isLive(r)) ? ACCESS_TOKEN_NOTE : "",
    details,
  };
}

/**
 * The failed users of a finished request as lines of text, for replies to its card: the failures
 * among `rows` (a summary's rows list them first), of `total` failures in all.
 */
export function failureListMessages(requestId: string, rows: ResultView["rows"], total: number, perMessage = 100): string[] {
  const listed = rows.filter((r) => isFailure(r.outcome));
  const messages: string[] = [];
  for (let i = 0; i < listed.length; i += perMessage) {
    const lines = listed.slice(i, i + perMessage).map(({ target, outcome }, j) => {
      const status = outcome === null ? "" : OUTCOME_TEXT[outcome.status].text;
      return `${i + j + 1}. ${plain(target.userPrincipalName)} — ${status}: ${plain(humanTimes(outcome?.detail ?? ""))}`;
    });
    const last = Math.min(i + perMessage, listed.length);
    const more =
      last === listed.length && total > listed.length
        ? `\n\n${(total - listed.length).toLocaleString("en-US")} more failures are not listed here; the audit log export has every outcome.`
        : "";
    messages.push(`**Request ${requestId}: failures ${i + 1}–${last} of ${total}**\n\n${lines.join("\n")}${more}`);
  }
  return messages;
}
