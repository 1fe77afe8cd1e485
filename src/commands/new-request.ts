import type { TurnContext } from "botbuilder";
import { escapeMarkdown } from "../cards/markdown.js";
import type { DirectoryUser } from "../directory/types.js";
import { resolveTargets, type ResolvedTargets } from "../directory/resolvers.js";
import type { Actor, Containment, ExcludedTarget, RequestAction } from "../revocation/types.js";
import type { HandlerDeps } from "./ports.js";
import { explainFailure, referenceOf } from "./turn.js";

/** A resolved set, ready to become a request. */
export interface TargetSet {
  targets: DirectoryUser[];
  excluded: ExcludedTarget[];
  reason: string;
  disable: boolean;
  /** `--reset-password` / `--confirm-compromised`. */
  containment: Containment;
  /** revoke (the default) or enable (`enable <user>`). */
  action?: RequestAction;
  /** An enable of an account this bot did not disable. */
  foreignDisable?: boolean;
}

/**
 * Creates the request from a resolved set and posts its card (and, when it needs a second
 * person, its approval copy). The separation-of-duties rule is decided here from the targets in
 * hand: size, `--disable`, and whether a target of a small request is a revoker or approver.
 */
export async function createRequest(context: TurnContext, deps: HandlerDeps, actor: Actor, command: string, set: TargetSet): Promise<void> {
  const { targets } = set;
  let secondPerson: string | null;
  try {
    secondPerson = await deps.revocations.secondPersonOf({ targetCount: targets.length, disable: set.disable, containment: set.containment, targets, action: set.action });
  } catch (err) {
    await context.sendActivity(
      `Nothing was requested: I could not check whether a target is a revoker or an approver. ${explainFailure(deps.logger, err, "target role check failed")}`,
    );
    return;
  }
  // A request that needs a second person needs an approver to see its card: from a personal
  // chat, that is only possible through the approval channel.
  const approvalChannel = await deps.cards.approvalChannelFor(context, secondPerson !== null);
  if (secondPerson !== null && approvalChannel === undefined && context.activity.conversation.conversationType === "personal") {
    const reason = `This request needs a second person's approval (${secondPerson}), but no approval channel is set, so no approver could see it here.`;
    await deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command, reason } });
    await context.sendActivity(
      `Nothing was requested. ${escapeMarkdown(reason)}\n\nAsk an approver to type \`audit here\` in the security team's channel (or set AUDIT_CHANNEL_ID), or make the request in a channel where approvers can see it.`,
    );
    return;
  }
  const request = await deps.revocations.create({
    requester: actor,
    reason: set.reason,
    disable: set.disable,
    containment: set.containment,
    targets,
    excluded: set.excluded,
    origin: referenceOf(context),
    approvalChannel: approvalChannel?.conversation?.id ?? "",
    selection: command,
    secondPerson,
    ...(set.action === undefined ? {} : { action: set.action, foreignDisable: set.foreignDisable === true }),
  });
  await deps.cards.publish(context, request, approvalChannel, secondPerson);
}

/** Those a resolution left out, and why. */
export function excludedOf(resolved: ResolvedTargets): ExcludedTarget[] {
  return [
    ...resolved.protectedUsers.map((user) => ({ user, why: "protected" as const })),
    ...resolved.guests.map((user) => ({ user, why: "guest" as const })),
  ];
}

/** Splits named users into targets and those left out (protected accounts, guests), as a selection is. */
export async function sortOut(deps: HandlerDeps, users: DirectoryUser[]): Promise<{ targets: DirectoryUser[]; excluded: ExcludedTarget[] }> {
  const resolved = await resolveTargets(onePage(users), { protectedUsers: deps.protectedUsers });
  return { targets: resolved.targets, excluded: excludedOf(resolved) };
}

// eslint-disable-next-line @typescript-eslint/require-await
async function* onePage(users: DirectoryUser[]): AsyncIterable<DirectoryUser[]> {
  yield users;
}
