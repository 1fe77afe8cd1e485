import { UNPOSTED_ACTIONS } from "../audit/audit-log.js";
import { escapeMarkdown } from "../cards/markdown.js";
import { formatTime } from "../cards/present.js";
import type { CommandHandler } from "./dispatch.js";
import { caller } from "./turn.js";

/** `history [n]`: the latest audit entries, for approvers. */
export const history: CommandHandler<"history"> = async (context, { count }, deps) => {
  const who = await caller(context, deps);
  if (who === undefined) return;
  if (!who.roles.approver) {
    await context.sendActivity("Only members of an approver group (APPROVER_GROUP_IDS) can read the audit history.");
    return;
  }
  // One entry per target would crowd out everything else; each result entry summarises them.
  const entries = await deps.auditLog.recent(count, { exclude: [...UNPOSTED_ACTIONS] });
  if (entries.length === 0) {
    await context.sendActivity("The audit log is empty.");
    return;
  }
  await context.sendActivity(
    `Latest ${entries.length} audit entries (per-user outcomes: \`npm run audit:export\`):\n\n${entries
      .map((e) => `- #${e.seq} ${formatTime(e.at)} **${e.action}** by ${e.actor === null ? "the bot" : escapeMarkdown(e.actor.name)}${e.requestId === null ? "" : ` (${e.requestId})`}`)
      .join("\n")}`,
  );
};
