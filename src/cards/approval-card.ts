/**
 * The approval card (cards/revoke-confirm.json): its data and all its wording. Built around the
 * one decision the reader makes: the title names the action and the person or the set, then who
 * asked, why and until when, then the facts that matter, then what approving does and who may.
 */
import type { DirectoryUser } from "../directory/types.js";
import { isAppActor } from "../domain/actor.js";
import { hasContainment } from "../domain/containment.js";
import type { IncidentRef } from "../domain/incident.js";
import type { RevocationRequest } from "../revocation/types.js";
import { adminResetDetails, adminResetLine } from "./admin-reset-words.js";
import { containmentEffects } from "./containment-replies.js";
import { enableEffect, enableTitle } from "./enable-replies.js";
import { formatTime, listInWords, plain, plural, relativeTime, withoutConfigNames } from "./format.js";
import type { ConfirmCardData, ConfirmTargetRow, Fact } from "./models.js";
import { revokeWhat } from "./request-title.js";
import { Verbs } from "./verbs.js";

/** Users of a set shown on the approval card, one row each; the full list is in its thread. */
export const APPROVAL_ROWS = 5;

/** Users named in the Details of a set's "left out" line at most; the rest are counted. */
const EXCLUDED_LISTED = 10;

/** The comment input's id on the approval card (its value arrives in the action's data). */
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
  /** Where approvers were asked, in words (e.g. "in the approval channel, Security Ops"), or "". */
  approvalWhere: string;
  /** Teams user IDs whose clients refresh the card automatically. */
  refreshUserIds: string[];
  /** The time the card is shown at (relative times are counted from it); now by default. */
  now?: Date;
}

function nameOf(user: DirectoryUser): string {
  return plain(user.displayName ?? user.userPrincipalName);
}

/** The account's state in words. */
function accountState(user: DirectoryUser): string {
  return user.accountEnabled === null ? "Unknown" : user.accountEnabled ? "Enabled" : "Already disabled";
}

/** The one department every target shares, when the card knows every target; else undefined. */
function sharedDepartment(targets: readonly DirectoryUser[], n: number): string | undefined {
  if (targets.length !== n || n === 0) return undefined;
  const first = targets[0]?.department ?? null;
  if (first === null || first === "") return undefined;
  return targets.every((t) => t.department === first) ? first : undefined;
}

/**
 * "Revoke Alice Wood's and Bob Stone's sessions?", "Revoke sessions of the 3 users who signed in
 * from 203.0.113.50 in the last 24 hours and reset their passwords?", "Revoke sessions of all 60
 * users in Claims?": what was asked, with the options that change what runs (request-title.ts).
 */
export function approvalTitle(request: RevocationRequest, n: number, now?: Date): string {
  const only = n === 1 ? request.targets[0] : undefined;
  if (request.action === "enable" && only !== undefined) return enableTitle(nameOf(only));
  const what = revokeWhat(
    {
      selection: request.selection,
      n,
      names: request.targets.length === n ? request.targets.map(nameOf) : undefined,
      sharedDepartment: sharedDepartment(request.targets, n),
      ...(now === undefined ? {} : { now }),
    },
    request,
  );
  return `R${what.slice(1)}?`;
}

/**
 * What approving does, in one sentence. The one place a request's effects are described: an
 * option that changes what runs (disabling the accounts, and later ones) adds its words here.
 */
export function effectSentence(request: RevocationRequest, n: number): string {
  if (request.action === "enable") return enableEffect(request.foreignDisable);
  const whose = n === 1 ? "the user's" : `${plural(n, "user")}'`;
  const effects = [`ends ${whose} sessions everywhere (refresh tokens and browser cookies)`];
  if (request.disable) effects.push(n === 1 ? "disables the account" : "disables the accounts");
  effects.push(...containmentEffects(request.containment, n));
  return `Approving ${listInWords(effects)}. Nothing happens until then.`;
}

/** Who may decide; the same rule whoever reads it. */
function approvalRule(request: RevocationRequest, secondPerson: string | null): string {
  const requester = plain(request.requester.name);
  return secondPerson !== null
    ? `An approver other than ${requester} must approve: ${plain(withoutConfigNames(secondPerson))}.`
    : `${requester} can confirm it, or an approver can approve it.`;
}

/** What this viewer can do ("" for the shared copy, where the rule above says it). */
function viewerNote(request: RevocationRequest, secondPerson: string | null, viewer: PendingViewer | undefined): string {
  if (viewer === undefined) {
    return isAppActor(request.requester)
      ? "Waiting for a decision. Automation proposed it and cannot approve it: a person from an approver group decides here."
      : `Waiting for a decision. ${plain(request.requester.name)} can withdraw it with \`cancel ${request.id}\`.`;
  }
  const { approve, reject, cancel } = viewer.abilities;
  if (approve && reject) return "You can approve or reject it; exactly this runs.";
  if (approve && cancel) return "You asked for it: confirm it with Approve, or withdraw it.";
  if (reject) return "You can reject it.";
  if (viewer.isRequester) return secondPerson !== null ? "You asked for it: someone else approves it. You can withdraw it." : "You can withdraw it.";
  return "Waiting for an approver; you cannot decide this one.";
}

/** An https URL safe inside a markdown link, and its host (punycode, as the browser will go there), or undefined. */
function safeLink(url: string | undefined): { href: string; host: string } | undefined {
  if (url === undefined || url.length > 2000) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:" || parsed.username !== "" || parsed.password !== "") return undefined;
  // Characters that would end or break the markdown link are percent-encoded.
  const href = parsed.href.replace(/[()<>[\]\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return { href, host: parsed.hostname };
}

/**
 * "Incident: [Phishing wave](https://…), a link to contoso.example (Sentinel INC-78)", or "": the
 * host is shown, so an approver sees where the link goes before following it.
 */
export function incidentLine(incident: IncidentRef | undefined): string {
  if (incident === undefined) return "";
  const link = safeLink(incident.url);
  const title = plain(incident.title);
  const shown = link === undefined ? title : `[${title}](${link.href}), a link to ${plain(link.host)}`;
  return `Incident: ${shown} (${plain(incident.source)} ${plain(incident.id)})`;
}

/** "60 users: 54 enabled, 6 already disabled." (over the users the card knows) */
function breakdownLine(targets: readonly DirectoryUser[], n: number): string {
  const enabled = targets.filter((t) => t.accountEnabled === true).length;
  const disabled = targets.filter((t) => t.accountEnabled === false).length;
  const unknown = targets.length - enabled - disabled;
  const parts = [`${enabled} enabled`, disabled > 0 ? `${disabled} already disabled` : "", unknown > 0 ? `${unknown} unknown` : ""].filter((p) => p !== "");
  const of = targets.length < n ? ` (of the first ${targets.length.toLocaleString("en-US")})` : "";
  return `${plural(n, "user")}: ${parts.join(", ")}${of}.`;
}

function excludedLine(request: RevocationRequest): string {
  if (request.excluded.length === 0) return "";
  const guests = request.excluded.filter((e) => e.why === "guest").length;
  const protectedCount = request.excluded.length - guests;
  const counts = [
    guests > 0 ? `${plural(guests, "guest")} (their sessions live in their home tenants)` : "",
    protectedCount > 0 ? `${plural(protectedCount, "protected account")} (never revoked)` : "",
  ].filter((c) => c !== "");
  return `Left out: ${listInWords(counts)}, named under Details.`;
}

function excludedNames(request: RevocationRequest): string {
  const named = request.excluded
    .slice(0, EXCLUDED_LISTED)
    .map((e) => `${plain(e.user.userPrincipalName)} (${e.why === "guest" ? "guest" : "protected"})`)
    .join(", ");
  const more = request.excluded.length > EXCLUDED_LISTED ? `, and ${request.excluded.length - EXCLUDED_LISTED} more` : "";
  return `${named}${more}`;
}

/** Users named in a responders or failed-attempts line (and its Details) at most; the rest are counted. */
const NAMED = 10;

function named(names: readonly string[]): string {
  const more = names.length > NAMED ? `, and ${names.length - NAMED} more` : "";
  return `${names.slice(0, NAMED).join(", ")}${more}`;
}

/**
 * "2 of these users are responders (in a revoker or approver group): Sam Lead, Val Analyst." —
 * members of a revoker or approver group in the set, as frozen with the request; after an approval
 * without them, that they were left out. With the names: the result card's Details.
 */
export function respondersLine(request: RevocationRequest): string {
  const responders = request.responders ?? [];
  if (responders.length === 0) return "";
  return `${respondersCount(request)}: ${respondersNames(request)}.`;
}

/** The responders counted in words, without their names: "2 of these users are responders (in a revoker or approver group)". */
function respondersCount(request: RevocationRequest): string {
  const n = request.responders?.length ?? 0;
  if (request.respondersChoice === "left_out") return `${n === 1 ? "1 responder was" : `${n} responders were`} left out on approval and are not acted on`;
  return `${n === 1 ? "1 of these users is a responder" : `${n} of these users are responders`} (in a revoker or approver group)`;
}

function respondersNames(request: RevocationRequest): string {
  return named((request.responders ?? []).map((r) => plain(r.displayName ?? r.userPrincipalName)));
}

/** The approval card's line: counted in words, named under Details (as those left out and the failed attempts are). */
function respondersCountLine(request: RevocationRequest): string {
  return (request.responders?.length ?? 0) === 0 ? "" : `${respondersCount(request)}, named under Details.`;
}

/** `revoke ip`: "4 failed attempts from this address, not included: …" (names behind Details), or "". */
function failedSignInsLine(request: RevocationRequest): string {
  const failed = request.failedSignIns;
  if (failed === undefined || failed.attempts === 0) return "";
  const count = `${failed.more ? "At least " : ""}${plural(failed.attempts, "failed attempt")}`;
  const who = failed.users.length === 1 ? "1 account" : `${failed.users.length.toLocaleString("en-US")} accounts`;
  return `${count} from this address, not included: failed sign-ins never choose a target (${who}, named under Details).`;
}

function failedSignInNames(request: RevocationRequest): string {
  const users = request.failedSignIns?.users ?? [];
  return named(users.map((u) => `${plain(u.displayName ?? u.userPrincipalName)} (${plural(u.attempts, "attempt")})`));
}

function targetRow(user: DirectoryUser): ConfirmTargetRow {
  return { displayName: nameOf(user), userPrincipalName: plain(user.userPrincipalName), state: accountState(user) };
}

/**
 * Data for the card of a pending request. Without a viewer it is the shared copy: Approve and
 * Reject for clients without Universal Actions (every click is checked on the server); with one, it
 * is that person's view, answered to the card's refresh.
 */
export function confirmCardData(request: RevocationRequest, context: PendingContext, viewer?: PendingViewer): ConfirmCardData {
  const now = context.now ?? new Date();
  const n = context.targetCount ?? request.targets.length;
  const only = n === 1 ? request.targets[0] : undefined;
  const abilities = viewer?.abilities ?? { approve: true, reject: true, cancel: false };
  const anyButton = abilities.approve || abilities.reject || abilities.cancel;
  const shown = only === undefined ? request.targets.slice(0, APPROVAL_ROWS) : [];
  const confirmFirst = request.action === "enable" && request.foreignDisable;
  // A set with responders that approving would also disable or act on: the approver says what
  // happens to them (policy respondersNeedConfirmation); a plain Approve would be refused.
  const respondersFirst = (request.responders?.length ?? 0) > 0 && (request.disable || hasContainment(request.containment));

  const facts: Fact[] =
    only === undefined
      ? []
      : [
          { title: "Sign-in name", value: plain(only.userPrincipalName) },
          { title: "Department", value: only.department === null || only.department === "" ? "None" : plain(only.department) },
          { title: "Account", value: accountState(only) },
          { title: "Last revoked", value: only.signInSessionsValidFromDateTime === null ? "Never" : relativeTime(only.signInSessionsValidFromDateTime, now) },
        ];
  const details: Fact[] = [
    { title: "Request", value: request.id },
    { title: "Asked at", value: formatTime(request.createdAt, now) },
    { title: "Expires at", value: formatTime(request.expiresAt, now) },
  ];
  if (only !== undefined) {
    details.push({ title: "Object ID", value: only.id }, { title: "User type", value: plain(only.userType ?? "Unknown") });
    if (only.signInSessionsValidFromDateTime !== null) details.push({ title: "Sessions valid from", value: formatTime(only.signInSessionsValidFromDateTime, now) });
  }
  if ((request.responders?.length ?? 0) > 0) details.push({ title: "Responders", value: respondersNames(request) });
  if (request.excluded.length > 0) details.push({ title: "Left out", value: excludedNames(request) });
  if ((request.failedSignIns?.users.length ?? 0) > 0) details.push({ title: "Failed sign-ins", value: failedSignInNames(request) });
  details.push(...adminResetDetails(request));

  return {
    requestId: request.id,
    title: approvalTitle(request, n, now),
    askedLine: `${plain(request.requester.name)} asked ${relativeTime(request.createdAt, now)} · expires ${relativeTime(request.expiresAt, now)}`,
    reasonLine: request.reason === "" ? "No reason was given." : `Reason: ${plain(request.reason)}`,
    incidentLine: incidentLine(request.incident),
    facts,
    breakdown: only === undefined ? breakdownLine(request.targets, n) : "",
    excluded: excludedLine(request),
    responders: respondersCountLine(request),
    failedSignIns: failedSignInsLine(request),
    adminReset: adminResetLine(request),
    rows: shown.map(targetRow),
    moreTargets:
      only !== undefined || n <= shown.length
        ? ""
        : n <= REPLY_LIST_LIMIT
          ? `…and ${(n - shown.length).toLocaleString("en-US")} more: the full list is in the replies to this card.`
          : `…and ${(n - shown.length).toLocaleString("en-US")} more: the first ${REPLY_LIST_LIMIT.toLocaleString("en-US")} are listed in the replies to this card.`,
    effect: effectSentence(request, n),
    approvalRule: approvalRule(request, context.secondPerson),
    approvalWhere: context.approvalWhere,
    viewerNote: viewerNote(request, context.secondPerson, viewer),
    details,
    commentInputId: anyButton ? COMMENT_INPUT_ID : "",
    // An enable of an account the bot did not disable is approved only with "Enable anyway".
    approveVerb: abilities.approve && !confirmFirst && !respondersFirst ? Verbs.approve : "",
    enableAnywayVerb: abilities.approve && confirmFirst ? Verbs.enableAnyway : "",
    approveWithRespondersVerb: abilities.approve && respondersFirst ? Verbs.approveWithResponders : "",
    approveWithoutRespondersVerb: abilities.approve && respondersFirst ? Verbs.approveWithoutResponders : "",
    rejectVerb: abilities.reject ? Verbs.reject : "",
    cancelVerb: abilities.cancel ? Verbs.cancel : "",
    refreshVerb: Verbs.refresh,
    refreshUserIds: context.refreshUserIds,
  };
}

/** Targets listed in replies to a card at most (10 messages); a larger set is counted, not listed. */
export const REPLY_LIST_LIMIT = 1000;

/** The target list as lines of text, for the replies to a card with more than it shows (at most REPLY_LIST_LIMIT). */
export function targetListMessages(request: RevocationRequest, perMessage = 100): string[] {
  const messages: string[] = [];
  const n = request.targets.length;
  const listed = Math.min(n, REPLY_LIST_LIMIT);
  for (let i = 0; i < listed; i += perMessage) {
    // Name, sign-in name and account state: what an approver checks. Object IDs are for the audit
    // export, and a department request would repeat its department on every line.
    const rows = request.targets
      .slice(i, Math.min(i + perMessage, listed))
      .map((t, j) => `${i + j + 1}. ${nameOf(t)} — ${plain(t.userPrincipalName)} — ${accountState(t).toLowerCase()}`);
    const last = Math.min(i + perMessage, listed);
    const more =
      last === listed && n > listed
        ? `\n\nThe other ${(n - listed).toLocaleString("en-US")} users are not listed in chat. The request's audit entry holds a fingerprint of the whole set; what runs is exactly that set.`
        : "";
    messages.push(`**Request ${request.id}: targets ${i + 1}–${last} of ${n}**\n\n${rows.join("\n")}${more}`);
  }
  return messages;
}

/** Where approvers were asked, when the card has a copy in the approval channel. */
export function approvalWhereText(): string {
  return "Approvers were asked in the approval channel too; a decision on either card counts once.";
}

/** The notification text of a new approval card. */
export function approvalSummary(request: RevocationRequest): string {
  // A notification shows text as it is: no markdown escapes.
  return `${approvalTitle(request, request.targets.length).replace(/\\(.)/g, "$1")} Asked by ${request.requester.name}; waiting for a decision.`;
}

/** Said in the request's conversation when its copy could not be posted to the approval channel. */
export function approvalCopyFailed(requestId: string, correlationId: string): string {
  return `I could not post request ${requestId} to the approval channel, so approvers may not see it. Check that the bot is still installed in that team, then ask again or share the request ID with an approver. (Reference: ${correlationId}.)`;
}
