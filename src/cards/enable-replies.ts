/**
 * The words of `enable <user>`: its replies in chat, and what its approval and result cards say.
 * The cards' layout is the revocation cards' own (present.ts); only their wording differs here.
 */
import type { OutcomeStatus } from "../domain/outcome.js";
import type { RequestState } from "../domain/request-state.js";
import { escapeMarkdown } from "./markdown.js";

/** Said wherever an account this bot did not disable is to be enabled. */
export const FOREIGN_DISABLE_WARNING =
  "This account was not disabled by this bot: someone else (an administrator, or another tool) disabled it, perhaps on purpose. Approve does not enable it; an approver who has checked that enabling it is meant uses Enable anyway.";

/** The approval card's title: "Enable Alice Wood's account?" */
export function enableTitle(displayName: string): string {
  return `Enable ${displayName}'s account?`;
}

/** The approval card's effect sentence. */
export function enableEffect(foreignDisable: boolean): string {
  const base = "The account will be enabled, so the user can sign in again. Nothing happens until a second person approves it.";
  return foreignDisable ? `${FOREIGN_DISABLE_WARNING} ${base}` : `This bot disabled the account. ${base}`;
}

/** The audit card's title of a `request.created` entry of an enable. */
export const ENABLE_REQUESTED = { title: "Account enable requested", style: "accent" };

/**
 * The result card's title and style of an enable in the states where it differs from a
 * revocation's (the others, such as withdrawn or expired, read the same for both).
 */
export const ENABLE_STATE_VIEW = {
  approved: { title: "⏳ Approved: enabling…", style: "accent" },
  running: { title: "⏳ Enabling…", style: "accent" },
  completed: { title: "✔ Account enabled", style: "good" },
  failed: { title: "⚠ The account could not be enabled", style: "attention" },
} as const satisfies Partial<Record<RequestState, { title: string; style: string }>>;

/** The result card's summary line of an enable. */
export function enableSummary(counts: Record<OutcomeStatus, number>, live: boolean): string {
  const failed = counts.failed + counts.not_found;
  if (counts.enabled > 0) return "The account is enabled: the read-back shows it can sign in again.";
  if (failed > 0) return "The account was not enabled; the line below says why and what to do.";
  return live ? "Enabling the account…" : "Nothing was enabled.";
}

/** What a target of an enable shows before it has an outcome. */
export function enableNoOutcome(live: boolean): string {
  return live ? "Waiting" : "Not enabled";
}

/** The outcome detail of an account the read-back shows enabled. */
export const ENABLED_DETAIL = "Account enabled; the read-back shows it can sign in again.";

/** The outcome detail of an enable Graph accepted but the read-back does not show. */
export function notEnabledDetail(upn: string): string {
  return `Graph accepted the change, but the account still reads back as disabled; Entra can take a few minutes to converge. Check with: status ${upn}. If it stays disabled, ask again with enable ${upn}.`;
}

/** The chat reply when the named user does not exist. */
export function noSuchUser(key: string): string {
  return `Nothing was requested: there is no user ${escapeMarkdown(key)} in this tenant. Check the spelling, or use the object ID from the Entra admin center (Users → the user → Object ID).`;
}

/** The chat reply when the account is not disabled. */
export function alreadyEnabled(upn: string): string {
  return `Nothing was requested: ${escapeMarkdown(upn)} is not disabled, so there is nothing to enable. Check with: status ${escapeMarkdown(upn)}.`;
}

/** The chat reply when the directory does not say whether the account is enabled. */
export function enabledUnknown(upn: string): string {
  return `Nothing was requested: the directory did not say whether ${escapeMarkdown(upn)} is disabled, so I cannot tell what enabling it would change. Try again in a moment.`;
}

/** The chat reply for a protected account or a guest. */
export function notEnableable(upn: string, why: "guest" | "protected"): string {
  return why === "guest"
    ? `Nothing was requested: ${escapeMarkdown(upn)} is a guest; their account lives in their home tenant, so it is enabled there, not here.`
    : `Nothing was requested: ${escapeMarkdown(upn)} is a protected account, which this bot never changes.`;
}

/**
 * Why an enable is stale (a clause; the approver's answer and the job's refusal frame it): the
 * account was disabled again by a newer request after the enable was asked.
 */
export function staleEnableReason(upn: string, newerDisable: string): string {
  return `request ${newerDisable} disabled ${escapeMarkdown(upn)} again after this enable was asked, so enabling it now would undo that newer decision; if the account should be enabled after all, ask again with enable ${escapeMarkdown(upn)}`;
}

/** The approver's answer when the enable they approve is stale. */
export function staleEnableRefusal(reason: string): string {
  return `This enable is out of date: ${reason}.`;
}

/** Why a pending enable was withdrawn by the bot: a --disable of its account was approved. */
export function enableWithdrawnReason(disableRequest: string): string {
  return `Withdrawn by the bot: request ${disableRequest}, which disables this account, was approved after this enable was asked. Ask again once that incident is closed.`;
}
