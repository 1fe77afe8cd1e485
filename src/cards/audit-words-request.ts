/**
 * The headlines and facts of a request's audit posts: asked, refused, decided, expired, run,
 * finished, and each target's outcome and containment step. Names and the selection, not only the
 * request's ID (issue 21); the layout is audit-card.ts's.
 */
import type { AuditAction, AuditEntry } from "../audit/audit-log.js";
import { adminResetAuditText } from "./admin-reset-words.js";
import { formatTime, plain, plural } from "./format.js";
import { revokeWhat } from "./request-title.js";
import {
  ABOUT,
  countsInWords,
  fact,
  isRecord,
  num,
  oneLine,
  readable,
  setIn,
  statusWords,
  str,
  subjectIn,
  theRequest,
  upperFirst,
  userLines,
  VERB_WORDS,
  type Worded,
  type WordsContext,
} from "./audit-values.js";

const REQUEST_ACTIONS = [
  "request.created",
  "request.refused",
  "request.approved",
  "request.cancelled",
  "request.rejected",
  "request.expired",
  "decision.refused",
  "revocation.started",
  "revocation.resumed",
  "revocation.completed",
  "revocation.failed",
  "revocation.refused",
  "target.containment",
  "target.outcome",
] as const satisfies readonly AuditAction[];

/** The actions of a request's life. */
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

export function isRequestAction(action: AuditAction): action is RequestAction {
  return (REQUEST_ACTIONS as readonly string[]).includes(action);
}

/** The headline and facts of a request's entry. */
export function requestWords(entry: AuditEntry & { action: RequestAction }, { d, who, req, count, comment, reason }: WordsContext): Worded {
  switch (entry.action) {
    case "request.created": {
      const only = Array.isArray(d.targets) && count === 1 && isRecord(d.targets[0]) ? (str(d.targets[0].name) ?? str(d.targets[0].upn)) : undefined;
      if (d.action === "enable the account") {
        return {
          title: `${who} asked to enable ${only === undefined ? "an account" : `${oneLine(only)}'s account`}`,
          facts: [
            { title: "Reason", value: str(d.reason) === undefined ? "None given" : readable(str(d.reason) ?? "") },
            fact("Disabled by", str(d.disabledBy)),
            fact("Undoes", str(d.againstDisable) === undefined ? undefined : d.againstDisable === "none" ? "no disable by this bot" : `the disable of request ${plain(str(d.againstDisable) ?? "")}`),
            fact("Expires", str(d.expiresAt) === undefined ? undefined : formatTime(str(d.expiresAt) ?? null)),
          ],
          details: [fact("Users", userLines(d.targets, d.moreTargets)), fact("Set fingerprint", str(d.targetsSha256))],
          covers: ["reason", "expiresAt", "fourEyes", "excludedCount", "targets", "moreTargets", "excluded", "approvalChannel", "targetsSha256", "targetCount", "disable", "action", "disabledBy", "againstDisable"],
        };
      }
      const incident = isRecord(d.incident) ? str(d.incident.id) : undefined;
      const set = setIn(d, count);
      const options = { disable: d.disable === true, containment: { resetPassword: d.resetPassword === true, confirmCompromised: d.confirmCompromised === true } };
      const excluded = num(d.excludedCount);
      return {
        title: `${who} asked to ${set === undefined ? "revoke sessions" : revokeWhat(set, options)}${incident === undefined ? "" : ` — ${oneLine(incident)}`}`,
        facts: [
          { title: "Reason", value: str(d.reason) === undefined ? "None given" : readable(str(d.reason) ?? "") },
          fact("Expires", str(d.expiresAt) === undefined ? undefined : formatTime(str(d.expiresAt) ?? null)),
          d.fourEyes === true ? { title: "Approval", value: "A second person must approve" } : undefined,
          excluded !== undefined && excluded > 0 ? { title: "Left out", value: plural(excluded, "user") } : undefined,
          fact("Password resets", adminResetAuditText(d.passwordResetRoles)),
        ],
        details: [
          fact("Users", userLines(d.targets, d.moreTargets)),
          fact("Left out", userLines(d.excluded)),
          fact("Approvers asked", d.approvalChannel === undefined ? undefined : "in the approval channel"),
          fact("Set fingerprint", str(d.targetsSha256)),
        ],
        covers: ["reason", "expiresAt", "fourEyes", "excludedCount", "targets", "moreTargets", "excluded", "approvalChannel", "targetsSha256", "targetCount", "disable", "incident", "selection", "resetPassword", "confirmCompromised", "passwordResetRoles"],
      };
    }
    case "request.refused":
      return {
        title: `${who}'s ${str(d.command) === undefined ? "request" : `“${str(d.command) ?? ""}”`} was refused`,
        facts: [reason],
        covers: ["command", "reason"],
      };
    case "request.approved":
      return {
        title: `${who} approved ${theRequest(d, count, req)}`,
        facts: [comment, fact("Allowed because", str(d.reason) === undefined ? undefined : readable(str(d.reason) ?? "")), fact("Confirmed", str(d.confirmed))],
        covers: ["comment", "reason", "targetCount", "fourEyes", "confirmed", ...ABOUT],
      };
    case "request.cancelled":
      return {
        title: `${who} withdrew ${theRequest(d, count, req)}`,
        // The bot withdraws a pending enable when a --disable of its account is approved: it says why.
        facts: [comment, ...(entry.actor === null ? [reason] : [])],
        covers: ["comment", "reason", "targetCount", "fourEyes", "disableRequest", ...ABOUT],
      };
    case "request.rejected":
      return { title: `${who} rejected ${theRequest(d, count, req)}`, facts: [comment], covers: ["comment", "reason", "targetCount", "fourEyes", ...ABOUT] };
    case "request.expired":
      return {
        title: `${upperFirst(theRequest(d, count, req))} expired: nobody decided in time`,
        facts: [fact("Users", count === undefined ? undefined : count.toLocaleString("en-US")), fact("Expired", str(d.expiresAt) === undefined ? undefined : formatTime(str(d.expiresAt) ?? null))],
        covers: ["targetCount", "expiresAt", ...ABOUT],
      };
    case "decision.refused": {
      const verb = str(d.verb);
      const button = verb === undefined ? "a card action" : (VERB_WORDS[verb] ?? "an unknown card action");
      return {
        title: `${who}'s click on ${button} was refused`,
        facts: [reason, comment, fact("Request named", str(d.claimedRequestId))],
        covers: ["verb", "reason", "comment", "claimedRequestId", "conversation", "roles"],
      };
    }
    case "revocation.started": {
      const subject = subjectIn(d, count);
      const title = subject === undefined ? `Revoking ${req}` : `${subject.verb === "enable" ? "Enabling" : "Revoking"} ${subject.what} (${req})`;
      return { title, facts: [], covers: ["runner", "targetCount", ...ABOUT] };
    }
    case "revocation.resumed": {
      const left = num(d.remaining);
      return {
        title: `${req} resumed after an interruption${left === undefined ? "" : `: ${plural(left, "user")} left`}`,
        facts: [],
        covers: ["runner", "previousRunner", "remaining"],
      };
    }
    case "revocation.completed":
    case "revocation.failed": {
      const total = Object.values(isRecord(d.counts) ? d.counts : {}).reduce<number>((a, b) => a + (num(b) ?? 0), 0);
      const subject = subjectIn(d, isRecord(d.counts) ? total : undefined);
      const enable = subject?.verb === "enable";
      const about = subject === undefined ? req : `${subject.what} (${req})`;
      const title =
        entry.action === "revocation.completed"
          ? subject === undefined
            ? `${req} complete`
            : `${enable ? "Enabled" : "Revoked"} ${about}`
          : `${subject === undefined ? req : `${enable ? "Enabling" : "Revoking"} ${about}`} finished with failures`;
      return {
        title: `${title}: ${countsInWords(d.counts)}`,
        facts: [],
        details: [fact(entry.action === "revocation.completed" ? "Users" : "Failures", userLines(d.outcomes, d.moreOutcomes))],
        covers: ["counts", "outcomes", "moreOutcomes", ...ABOUT],
      };
    }
    case "revocation.refused":
      return { title: `${req} was not run`, facts: [reason, fact("Users", count === undefined ? undefined : count.toLocaleString("en-US"))], covers: ["reason", "targetCount", "requester"] };
    case "target.containment":
      return {
        title: `${oneLine(str(d.upn) ?? "A user")}: ${str(d.step) ?? "containment step"} ${d.outcome === "done" ? "done" : "not done"}`,
        facts: [fact("Detail", str(d.detail) === undefined ? undefined : readable(str(d.detail) ?? ""))],
        covers: ["upn", "id", "step", "outcome", "detail"],
      };
    case "target.outcome":
      return {
        title: `${oneLine(str(d.upn) ?? "A user")}: ${statusWords(d.status)}`,
        facts: [fact("Detail", str(d.detail) === undefined ? undefined : readable(str(d.detail) ?? ""))],
        covers: ["upn", "status", "detail", "id", "sessionsValidFrom", "disabled"],
      };
  }
}
