/**
 * Every sentence the bot says in chat (outside its cards), in one place so it can be reviewed and
 * translated. Human times in one format, requests named by what they revoke, channels by name;
 * configuration names, event names and IDs of threads stay in the log and the README.
 */
import type { AuditEntry } from "../audit/audit-log.js";
import type { DirectoryUser } from "../directory/types.js";
import type { NotAUser } from "../requests/selections.js";
import type { RevocationRequest } from "../revocation/types.js";
import { approvalTitle } from "./approval-card.js";
import { auditHeadline } from "./audit-card.js";
import { formatTime, plain, plural, relativeTime, withoutConfigNames } from "./format.js";

export const Greeting =
  "Hello! I revoke Microsoft Entra ID sign-in sessions, with a confirmation card and an audit trail. Type `help` to see how.";

export const NotUnderstood = "I did not understand that. Type `help` for the commands, for example `revoke user alice@contoso.com`.";

export const SomethingWentWrong = (reference: string) => `Something went wrong on my side and nothing was changed by this message. Reference: ${reference}.`;

/** What `help <topic>` explains; each topic is a command family. */
export const HELP_TOPICS = ["revoke", "options", "status", "pending", "watch", "enable", "history"] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];

/** `help`: one line per command with an example, short enough for one screen. */
export const HELP_TEXT = [
  "**Commands** (type `help revoke`, `help options`, `help status`, `help pending`, `help watch`, `help enable` or `help history` for details):",
  "",
  '- `revoke user alice@contoso.com --reason "phished"`: sign out named users',
  '- `revoke department "Sales"`, `revoke ip 203.0.113.50`, `revoke disabled`: sign out a set',
  "- `status alice@contoso.com`: account state, last revocation, recent sign-ins",
  "- `pending`, `cancel R-7K2M9QX4TB`: open requests; withdraw one of yours",
  "- `watch`, `watch stop R-7K2M9QX4TB`: sign-ins after a revocation",
  "- `enable alice@contoso.com`: enable an account this bot disabled",
  "- `history 20`, `audit here`: the audit log (approvers)",
  "",
  "Nothing happens until a request's card is approved.",
].join("\n");

/** `help <topic>`: the details of one command family. */
export const HELP_DETAILS: Readonly<Record<HelpTopic, string>> = {
  revoke: [
    "**revoke**: sign users out of every session (refresh tokens and browser sessions).",
    "",
    '- `revoke user alice@contoso.com bob@contoso.com --reason "phished"`: named users, by sign-in name or object ID.',
    '- `revoke department "Research & Development"`: every user of a department.',
    "- `revoke ip 203.0.113.50 --since 48h`: everyone who signed in successfully from that address in the window (1h to 30d, default 24h); failed attempts are shown, never revoked.",
    "- `revoke disabled`: every disabled account.",
    "- `revoke`: asks for the user with a card.",
    "",
    "You get a card to confirm; nothing happens before that. Two or more users, a containment option, or a set holding a member of the revoker or approver groups need a second person to approve. Guests and protected accounts are left out. Access tokens already issued stay valid until they expire (about an hour). Type `help options` for `--disable`, `--reset-password` and `--confirm-compromised`.",
  ].join("\n"),
  options: [
    "**Containment options** on `revoke user`, `department` and `ip`, each done per user after the revocation and always approved by a second person:",
    "",
    "- `--disable`: block sign-in to the account (undo with `enable`).",
    "- `--reset-password`: a random password nobody sees; the user sets a new one at the next sign-in.",
    "- `--confirm-compromised`: Identity Protection marks the user as compromised (user risk high).",
    "",
    'Example: `revoke user alice@contoso.com --reset-password --reason "phished"`',
  ].join("\n"),
  status: "**status**: `status alice@contoso.com` shows whether the account is enabled, its department, when its sessions were last revoked, its last sign-ins, successful sign-ins since the last revocation, and the requests that named it (revokers and approvers).",
  pending: [
    "**pending**: the open requests you can act on: yours (withdraw them) and, for approvers, other people's (approve or reject them on their card).",
    "",
    "`cancel R-7K2M9QX4TB`: withdraw a request of yours that is still pending (the ID is on its card and in `pending`).",
    "",
    "`cancel app <app ID or name>`: reject every pending request of one automation app at once (approvers; an emergency stop, since removing the app's role does not end the tokens it already holds).",
  ].join("\n"),
  watch: [
    "**watch**: after a revocation, each revoked user's successful sign-ins are reported in the request's thread for a day; a sign-in from the incident's address is an alarm.",
    "",
    "`watch` lists the watches with their users; `watch stop R-7K2M9QX4TB` ends one (approvers, or the request's requester).",
  ].join("\n"),
  enable: '**enable**: `enable alice@contoso.com --reason "cleared"` enables an account this bot disabled, always approved by a second person. An account someone else disabled needs the approver to choose Enable anyway.',
  history: [
    "**history**: `history 20` lists the latest audit entries (1 to 50, default 10), for approvers.",
    "",
    "`audit here`, typed in a channel by an approver, makes that channel receive the audit posts.",
  ].join("\n"),
};

export const UnknownActor = "I can't tell who you are: this message carries no Entra object ID. Use the bot from Microsoft Teams.";

/**
 * A refusal names whom it is for: in a channel or group chat everyone reads it, and in the demo the
 * Playground shows other users' refusals in the same chat.
 */
const forPerson = (name: string, text: string) => `For ${plain(name)}: ${text}`;

export const RoleReplies = {
  lookupFailed: (why: string) => `I could not check your role, so nothing was done: ${why}`,
  /** A policy refusal (policy/decide.ts), without the configuration names it carries for the log. */
  refused: (reason: string, name: string) => forPerson(name, withoutConfigNames(reason)),
  historyNeedsApprover: (name: string) => forPerson(name, "only members of an approver group can read the audit history."),
  auditHereNeedsApprover: (name: string) => forPerson(name, "only members of an approver group can choose the audit channel."),
  statusNeedsRole: (name: string) => forPerson(name, "only members of a revoker or approver group can look up account status."),
} as const;

const NOT_A_USER_WORDS: Readonly<Record<NotAUser, string>> = {
  group: "a group",
  servicePrincipal: "a service principal (an app's identity)",
  application: "an application",
  device: "a device",
  other: "not a user",
};

export const Requests = {
  tooManyOpen: (open: number) =>
    `Nothing was requested: you already have ${open} pending requests, the most one person may have open at once. Type \`pending\` to see them (each with its ID), and withdraw one with \`cancel\` and its ID, or wait until one is decided or expires.`,
  roleCheckFailed: (why: string) => `Nothing was requested: I could not check whether a target is a revoker or an approver. ${why}`,
  noApprovalChannel: (reason: string) =>
    `Nothing was requested. ${plain(withoutConfigNames(reason))}\n\nAsk an approver to type \`audit here\` in the security team's channel, or make the request in a channel where approvers can see it.`,
  /** Recorded in the audit log (details) as well as said. */
  noApprovalChannelReason: (secondPerson: string) =>
    `This request needs a second person's approval (${secondPerson}), but no approval channel is set, so no approver could see it here.`,
  unresolved: (problems: readonly string[]) =>
    `Nothing was requested:\n\n${problems.map((p) => `- ${p}`).join("\n")}\n\nCheck the spelling, or use the object ID from the Entra admin center (Users → the user → Object ID).`,
  failed: (why: string) => `Nothing was requested: ${why}`,
  /** A named user that could not be resolved (`shown`: the name as this door quotes it). */
  unresolvedUser: (shown: string, notAUser: NotAUser | undefined) =>
    notAUser === undefined ? `There is no user ${shown} in this tenant.` : `${shown} is ${NOT_A_USER_WORDS[notAUser]}. This command revokes users' sessions only.`,
  guestOnly: (upn: string) => `${plain(upn)} is a guest; their sessions live in their home tenant, so this tenant cannot revoke them.`,
  protectedOnly: (upn: string) => `${plain(upn)} is a protected account and is never revoked.`,
  nothingToRevoke: (why: readonly string[]) => `Nothing to revoke.\n\n${why.join("\n\n")}`,
  lookingUp: (what: string) => `Looking up ${what}…`,
  tooManyTargets: (what: string, max: number) =>
    `Nothing was requested: ${what} are more than ${max.toLocaleString("en-US")} users, more than one request may hold. Narrow the selection, or ask an administrator to raise the limit if this is really meant.`,
  emptySelection: (none: string, excluded: number) =>
    `Nothing to revoke: ${none}${excluded === 0 ? "" : ` (${excluded} left out: guests and protected accounts are never revoked here)`}.`,
} as const;

export const Cancel = {
  failed: (requestId: string, why: string) => `I could not withdraw ${requestId}, so nothing was changed: ${why}`,
  notFound: (requestId: string) => `There is no request ${requestId}. Type \`pending\` to list yours.`,
  notPending: (requestId: string, state: string) => `Request ${requestId} is ${state}; only a pending request can be withdrawn. Nothing was changed.`,
  refused: (reason: string) => `${withoutConfigNames(reason)} Nothing was changed.`,
  done: (requestId: string) => `Request ${requestId} is withdrawn. Nothing was revoked.`,
} as const;

export const CancelApp = {
  /** Recorded in the audit log as well as said. */
  refusedReason: "only members of an approver group (APPROVER_GROUP_IDS) can withdraw an app's requests",
  refused: "Only members of an approver group can withdraw an app's requests. Nothing was changed.",
  none: (app: string) => `No automation app named ${plain(app)} has a pending request. Nothing was changed.`,
  ambiguous: (app: string, names: readonly string[]) =>
    `More than one app matches ${plain(app)} (${names.map(plain).join(", ")}). Use the app's application ID, from the Entra admin center. Nothing was changed.`,
  /** The comment recorded with each rejection. */
  comment: (app: string) => `Emergency stop: every pending request of ${app} withdrawn at once.`,
  done: (app: string, ids: readonly string[], notChanged: number) =>
    `${ids.length === 1 ? "1 pending request" : `${ids.length} pending requests`} of ${plain(app)} rejected: ${ids.join(", ")}. Nothing of them will run.` +
    (notChanged > 0 ? ` ${notChanged} more had been decided or had expired in the meantime.` : "") +
    " Remove the app's role too: tokens it already holds stay valid for up to about 90 minutes.",
  failed: (why: string) => `I could not withdraw the app's requests: ${why}`,
} as const;

export const AuditHere = {
  notInChannel: "Say `audit here` in the Teams channel that should receive audit posts (mention the bot there).",
  /** Recorded in the audit log; the configuration name stays there. */
  configuredReason: (configured: string) => `the audit channel is set by AUDIT_CHANNEL_ID (${configured}), which a chat command cannot override`,
  configured:
    "Nothing was changed: the audit channel is fixed in the bot's configuration, which a chat command cannot override. To move audit posts, an administrator changes the bot's configuration and restarts it.",
  already: "This conversation already receives the audit posts. Nothing was changed.",
  /** Said in the old channel; the new one by its name when Teams gave it, never by its ID. */
  moved: (channelName: string | undefined, by: string) =>
    `Audit posts have moved: from now on they go to ${channelName === undefined ? "the channel where" : `${plain(channelName)}, where`} ${plain(by)} typed \`audit here\`.`,
  done: "This conversation now receives the audit posts.",
} as const;

/** `history`: the latest audit entries, one sentence each. */
export function historyReply(entries: readonly AuditEntry[], now: Date = new Date()): string {
  if (entries.length === 0) return "The audit log is empty.";
  const lines = entries.map((e) => `- ${formatTime(e.at, now)}: ${auditHeadline(e)}.`);
  return `What happened lately (newest first, ${plural(entries.length, "entry", "entries")}):\n\n${lines.join("\n")}\n\nAn administrator can export the whole audit log, with every user's outcome.`;
}

/** One open request for `pending`. */
export interface PendingItem {
  request: RevocationRequest;
  targetCount: number;
  /** The users the reply knows of (all of them, or the first). */
  targets: DirectoryUser[];
  abilities: { approve: boolean; reject: boolean; cancel: boolean };
}

/** `pending`: each open request by what it revokes, its reason, its count, and what the reader can do. */
export function pendingReply(items: readonly PendingItem[], limit: number, now: Date = new Date()): string {
  if (items.length === 0) return "There are no open requests you can act on.";
  const lines = items.map(({ request: r, targetCount, targets, abilities }) => {
    const can = [abilities.approve ? "approve" : "", abilities.reject ? "reject" : "", abilities.cancel ? "withdraw" : ""].filter((w) => w !== "");
    const where = r.approvalCard === null ? "on its card in the conversation it was asked in" : "on its card in the approval channel";
    const what = approvalTitle({ ...r, targets }, targetCount, now).replace(/\?$/, "");
    const reason = r.reason === "" ? "no reason given" : `reason: ${plain(r.reason)}`;
    const action = can.length === 0 ? "" : ` You can ${can.join(" or ")} it${abilities.approve || abilities.reject ? ` ${where}` : ""}.`;
    // The title already counts a set ("… of 30 users in Sales") or names the one user.
    return `- **${r.id}**: ${what}, asked by ${plain(r.requester.name)} ${relativeTime(r.createdAt, now)}, ${reason}; expires ${relativeTime(r.expiresAt, now)}.${action}`;
  });
  const oldest = items.length === limit ? ` (the oldest ${limit})` : "";
  // The hint names a real request of the reader's, never a placeholder.
  const own = items.find((i) => i.abilities.cancel)?.request.id;
  const hint = own === undefined ? "" : `\n\nWithdraw one of yours with \`cancel ${own}\`.`;
  return `Open revocation requests you can act on${oldest}. A request asks to sign users out of every session; nothing happens until it is approved.\n\n${lines.join("\n")}${hint}`;
}

export const Pending = {
  lookupFailed: (why: string) => `I could not check your role, so I cannot list requests: ${why}`,
} as const;

/** `status <user>`: the account in a few lines. */
export function statusReply(user: DirectoryUser, now: Date = new Date()): string {
  const revoked = user.signInSessionsValidFromDateTime;
  return [
    `**${plain(user.displayName ?? user.userPrincipalName)}** (${plain(user.userPrincipalName)})`,
    `- Account: ${user.accountEnabled === null ? "state unknown" : user.accountEnabled ? "enabled" : "disabled"}; ${plain(user.userType ?? "unknown type")}; department ${user.department === null || user.department === "" ? "none" : plain(user.department)}`,
    `- Sessions last revoked: ${revoked === null ? "never" : `${relativeTime(revoked, now)} (${formatTime(revoked, now)})`}`,
    `- Object ID: ${user.id}`,
  ].join("\n");
}

export const Status = {
  noSuchUser: (key: string) => `There is no user ${plain(key)} in this tenant. Check the spelling, or use the object ID.`,
} as const;
