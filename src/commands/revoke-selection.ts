import type { TurnContext } from "botbuilder";
import { escapeMarkdown } from "../cards/markdown.js";
import type { UserPages } from "../directory/directory.js";
import { resolveTargets } from "../directory/resolvers.js";
import { AppError } from "../errors.js";
import { NO_CONTAINMENT, type Containment } from "../revocation/types.js";
import type { CommandHandler } from "./dispatch.js";
import { createRequest, excludedOf } from "./new-request.js";
import type { HandlerDeps } from "./ports.js";
import { explainFailure, requester } from "./turn.js";

/** A bulk selection: how to read its users and how to talk about it. */
export interface Selection {
  /** The command as audited, e.g. `revoke department Sales`. */
  command: string;
  /** e.g. `the users of department "Sales"` (markdown-escaped where it holds typed text) */
  what: string;
  /** Why nothing matched, e.g. `no account is disabled`. */
  none: string;
  pages: () => UserPages;
  reason: string;
  disable: boolean;
  containment: Containment;
}

/** `revoke department <name> …` */
export const revokeDepartment: CommandHandler<"revokeDepartment"> = (context, command, deps) => {
  const name = escapeMarkdown(command.department);
  return revokeSelection(context, deps, {
    command: `revoke department ${command.department}`,
    what: `the users of department "${name}"`,
    none: `department "${name}" has no member users (Graph compares the name exactly, ignoring case)`,
    pages: () => deps.directory.usersInDepartment(command.department),
    reason: command.reason,
    disable: command.disable,
    containment: command.containment,
  });
};

/** `revoke disabled …` */
export const revokeDisabled: CommandHandler<"revokeDisabled"> = (context, command, deps) =>
  revokeSelection(context, deps, {
    command: "revoke disabled",
    what: "the disabled accounts",
    none: "no account is disabled",
    pages: () => deps.directory.disabledUsers(),
    reason: command.reason,
    disable: false,
    containment: NO_CONTAINMENT,
  });

/** `revoke ip <address> …` */
export const revokeIp: CommandHandler<"revokeIp"> = (context, command, deps) => {
  const since = new Date((deps.now?.() ?? new Date()).getTime() - command.sinceHours * 3_600_000);
  return revokeSelection(context, deps, {
    command: `revoke ip ${command.ip} --since ${command.sinceHours}h`,
    what: `the users who signed in from ${command.ip} in the last ${hoursText(command.sinceHours)}`,
    none: `nobody signed in from ${command.ip} in the last ${hoursText(command.sinceHours)}`,
    pages: () => deps.directory.usersSignedInFrom(command.ip, since),
    reason: command.reason,
    disable: command.disable,
    containment: command.containment,
  });
};

/**
 * A bulk selector. Order: who is asking, revoker role, pending cap; then the matching users page by
 * page into a frozen snapshot (guests and protected accounts left out); then the request and its card.
 */
async function revokeSelection(context: TurnContext, deps: HandlerDeps, selection: Selection): Promise<void> {
  const actor = await requester(context, deps, selection.command);
  if (actor === undefined) return;
  await context.sendActivity(`Looking up ${selection.what}…`);
  let resolved;
  try {
    resolved = await resolveTargets(selection.pages(), { protectedUsers: deps.protectedUsers, maxTargets: deps.maxTargets });
  } catch (err) {
    const tooMany = err instanceof AppError && err.code === "TooManyTargets";
    await context.sendActivity(
      tooMany
        ? `Nothing was requested: ${selection.what} are more than ${deps.maxTargets} users, more than one request may hold (MAX_TARGETS). Narrow the selection, or raise MAX_TARGETS if this is really meant.`
        : `Nothing was requested: ${explainFailure(deps.logger, err, "selection failed")}`,
    );
    return;
  }
  const targets = resolved.targets;
  const excluded = excludedOf(resolved);
  if (targets.length === 0) {
    const left = excluded.length === 0 ? "" : ` (${excluded.length} left out: guests and protected accounts are never revoked here)`;
    await context.sendActivity(`Nothing to revoke: ${selection.none}${left}.`);
    return;
  }
  await createRequest(context, deps, actor, selection.command, { targets, excluded, reason: selection.reason, disable: selection.disable, containment: selection.containment });
}

function hoursText(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? "" : "s"}` : `${hours} hour${hours === 1 ? "" : "s"}`;
}
