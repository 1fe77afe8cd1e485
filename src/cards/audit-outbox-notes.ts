/**
 * What the bot says about the audit channel's own delivery: the note that stands in a channel for
 * a post Teams refused for its content, and the warning in a request's thread when the audit
 * channel cannot be reached. Markdown-escaped where an outside value could appear.
 */
import type { AuditPost } from "../audit/audit-log.js";
import { auditSummary } from "./audit-card.js";
import { escapeMarkdown } from "./markdown.js";

/** Why Teams refused a post's content, in words. */
function refusedBecause(status: number | undefined): string {
  if (status === 413) return "Teams refused it as too large for one message";
  if (status === 400) return "Teams would not accept its content";
  return "Teams refused it";
}

/** Which entries a post stands for: "audit entry #12" or "audit entries #12 to #48". */
function entries(post: AuditPost): string {
  return post.aggregate === undefined ? `audit entry #${post.seq}` : `audit entries #${post.aggregate.firstSeq} to #${post.aggregate.lastSeq}`;
}

/**
 * Posted in the audit channel in place of a post set aside: "Audit entry #12 could not be posted:
 * Teams refused it as too large for one message. It is kept in the audit log …".
 */
export function auditPlaceholderText(post: AuditPost): string {
  const which = entries(post);
  const what = escapeMarkdown(auditSummary(post.entry).replace(/^Audit #\d+: /, ""));
  return (
    `${which.charAt(0).toUpperCase()}${which.slice(1)} could not be posted: ${refusedBecause(post.placeholder?.status)}. ` +
    `It said: “${what}”. The entry is kept in full in the audit log; an administrator can read it with the audit export, and later entries follow here as usual.`
  );
}

/** Said in a request's thread when the audit channel cannot be reached while its entry waits. */
export function auditBlockedThreadText(post: AuditPost): string {
  return (
    `⚠️ The audit channel cannot be reached right now (the bot may have been removed from its team, or the channel deleted), ` +
    `so ${entries(post)} about this request has not been posted there yet. Nothing is lost: every audit entry is recorded, ` +
    `and the waiting posts go to the audit channel in order as soon as the bot is back in its team. Ask a team owner to add the bot back.`
  );
}
