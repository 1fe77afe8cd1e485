import type { ConversationReference } from "botbuilder";
import { MessageFactory, TurnContext } from "botbuilder";
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import { UNPOSTED_ACTIONS, type AuditLog } from "../audit/audit-log.js";
import type { RequestCards } from "../bot/request-cards.js";
import { formatTime, plain } from "../cards/present.js";
import { cardAttachment } from "../cards/render.js";
import { Verbs } from "../cards/verbs.js";
import { isObjectId, type Directory, type UserPages } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import { AppError, userMessageOf } from "../errors.js";
import { resolveTargets, type ResolvedTargets } from "../directory/resolvers.js";
import { mayRequest } from "../policy/decide.js";
import type { RoleLookup, Roles } from "../policy/roles.js";
import type { RevocationService } from "../revocation/lifecycle.js";
import type { Actor, ExcludedTarget } from "../revocation/types.js";
import type { Command, ParseError } from "./parse.js";

export interface HandlerDeps {
  directory: Directory;
  roles: RoleLookup;
  revocations: RevocationService;
  auditor: Auditor;
  auditLog: AuditLog;
  /** Makes the given conversation the audit channel (`audit here`). */
  setAuditChannel(ref: Partial<ConversationReference>): Promise<void>;
  /** Posts request cards (and their approval copies). */
  cards: RequestCards;
  /** Lower-case object IDs and UPNs never revoked (PROTECTED_USER_IDS). */
  protectedUsers: readonly string[];
  /** Largest target set one request may hold (MAX_TARGETS). */
  maxTargets: number;
  now?: () => Date;
  logger: Logger;
}

/** The input id of the ask card's text field. */
export const ASK_INPUT_ID = "target";

export const HELP_TEXT = [
  "**Revoke Entra ID sign-in sessions.** Commands:",
  "",
  '- `revoke user alice@contoso.com [bob@contoso.com …] [--reason "phished"] [--disable]`: sign out named users (UPN or object ID). You get a card to confirm; nothing happens before that.',
  '- `revoke department "Sales" [--reason "…"] [--disable]`, `revoke disabled`, `revoke ip 203.0.113.50 [--since 24h]`: everyone in a department, every disabled account, everyone who signed in from an address (1h–30d). Two or more users need a second person to approve.',
  "- `revoke`: asks for the user with a card.",
  "- `status alice@contoso.com`: account state and when sessions were last revoked.",
  "- `pending`: open requests you can act on (approve, reject, or withdraw your own). `cancel R-XXXXXXXXXX`: withdraw one of yours.",
  "- `history [n]`: the latest audit entries (approvers).",
  "- `audit here`: make this channel the audit channel (approvers, in a channel).",
  "",
  "Revocation invalidates refresh tokens and browser sessions; access tokens already issued stay valid until they expire (about an hour).",
].join("\n");

/** The acting person, from the activity. Undefined when Teams did not say who it is. */
export function actorOf(context: TurnContext): Actor | undefined {
  const from = context.activity.from;
  const id = from?.aadObjectId;
  if (id === undefined || id === "") return undefined;
  return { aadObjectId: id, name: from.name ?? id };
}

const UNKNOWN_ACTOR =
  "I can't tell who you are: this message carries no Entra object ID (aadObjectId). Use the bot from Microsoft Teams.";

/** One thin handler per command: parse result in, chat reply out. */
export class CommandHandlers {
  constructor(private readonly deps: HandlerDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async handle(context: TurnContext, command: Command | ParseError): Promise<void> {
    switch (command.kind) {
      case "error":
        await context.sendActivity(`${command.message}\n\nTry: \`${command.hint}\``);
        return;
      case "help":
        await context.sendActivity(HELP_TEXT);
        return;
      case "askTarget":
        await context.sendActivity(
          MessageFactory.attachment(cardAttachment("revoke-ask", { askVerb: Verbs.ask, inputId: ASK_INPUT_ID, error: "" })),
        );
        return;
      case "revokeUsers":
        await this.revokeUsers(context, command.targets, command.reason, command.disable);
        return;
      case "revokeDepartment":
        await this.revokeSelection(context, {
          command: `revoke department ${command.department}`,
          what: `the users of department "${command.department}"`,
          none: `department "${command.department}" has no member users (Graph compares the name exactly, ignoring case)`,
          pages: () => this.deps.directory.usersInDepartment(command.department),
          reason: command.reason,
          disable: command.disable,
        });
        return;
      case "revokeDisabled":
        await this.revokeSelection(context, {
          command: "revoke disabled",
          what: "the disabled accounts",
          none: "no account is disabled",
          pages: () => this.deps.directory.disabledUsers(),
          reason: command.reason,
          disable: false,
        });
        return;
      case "revokeIp": {
        const since = new Date(this.now().getTime() - command.sinceHours * 3_600_000);
        await this.revokeSelection(context, {
          command: `revoke ip ${command.ip} --since ${command.sinceHours}h`,
          what: `the users who signed in from ${command.ip} in the last ${hoursText(command.sinceHours)}`,
          none: `nobody signed in from ${command.ip} in the last ${hoursText(command.sinceHours)}`,
          pages: () => this.deps.directory.usersSignedInFrom(command.ip, since),
          reason: command.reason,
          disable: command.disable,
        });
        return;
      }
      case "status":
        await this.status(context, command.target);
        return;
      case "pending":
        await this.pending(context);
        return;
      case "cancel":
        await this.cancel(context, command.requestId);
        return;
      case "history":
        await this.history(context, command.count);
        return;
      case "auditHere":
        await this.auditHere(context);
        return;
    }
  }

  /** `revoke user …`: role check, resolve every target, then a confirmation card. */
  async revokeUsers(context: TurnContext, keys: string[], reason: string, disable: boolean): Promise<void> {
    const command = `revoke user ${keys.join(" ")}`;
    const actor = await this.requester(context, command);
    if (actor === undefined) return;

    let resolved: DirectoryUser[];
    try {
      const result = await this.resolveUsers(keys);
      if (result.problems.length > 0) {
        await context.sendActivity(
          `Nothing was requested:\n\n${result.problems.map((p) => `- ${p}`).join("\n")}\n\nCheck the spelling, or use the object ID from the Entra admin center (Users → the user → Object ID).`,
        );
        return;
      }
      resolved = result.users;
    } catch (err) {
      this.deps.logger.warn({ err }, "target resolution failed");
      await context.sendActivity(`Nothing was requested: ${userMessageOf(err)}`);
      return;
    }
    const { targets, excluded } = await this.sortOut(resolved);
    if (targets.length === 0) {
      const why = excluded
        .map((e) =>
          e.why === "guest"
            ? `${e.user.userPrincipalName} is a guest; their sessions live in their home tenant, so this tenant cannot revoke them.`
            : `${e.user.userPrincipalName} is a protected account (PROTECTED_USER_IDS) and is never revoked.`,
        )
        .join("\n\n");
      await context.sendActivity(`Nothing to revoke.\n\n${why}`);
      return;
    }
    await this.request(context, actor, command, { targets, excluded, reason, disable });
  }

  /**
   * `revoke department …`, `revoke disabled`, `revoke ip …`: role check, then the matching users
   * page by page into a frozen snapshot (guests and protected accounts left out), then the card.
   */
  async revokeSelection(context: TurnContext, selection: Selection): Promise<void> {
    const actor = await this.requester(context, selection.command);
    if (actor === undefined) return;
    await context.sendActivity(`Looking up ${selection.what}…`);
    let resolved;
    try {
      resolved = await resolveTargets(selection.pages(), { protectedUsers: this.deps.protectedUsers, maxTargets: this.deps.maxTargets });
    } catch (err) {
      this.deps.logger.warn({ err, command: selection.command }, "selection failed");
      const tooMany = err instanceof AppError && err.code === "TooManyTargets";
      await context.sendActivity(
        tooMany
          ? `Nothing was requested: ${selection.what} are more than ${this.deps.maxTargets} users, more than one request may hold (MAX_TARGETS). Narrow the selection, or raise MAX_TARGETS if this is really meant.`
          : `Nothing was requested: ${userMessageOf(err)}`,
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
    await this.request(context, actor, selection.command, { targets, excluded, reason: selection.reason, disable: selection.disable });
  }

  /** The requester if they may request (a revoker); otherwise says why, audits it, and gives undefined. */
  private async requester(context: TurnContext, command: string): Promise<Actor | undefined> {
    const who = await this.caller(context);
    if (who === undefined) return undefined;
    const decision = mayRequest(who.roles);
    if (decision.allowed) return who.actor;
    await this.deps.auditor.record({ actor: who.actor, action: "request.refused", requestId: null, details: { command, reason: decision.reason } });
    await context.sendActivity(decision.reason);
    return undefined;
  }

  /** Splits named users into targets and those left out (protected accounts, guests), as a selection is. */
  private async sortOut(users: DirectoryUser[]): Promise<{ targets: DirectoryUser[]; excluded: ExcludedTarget[] }> {
    const resolved = await resolveTargets(onePage(users), { protectedUsers: this.deps.protectedUsers });
    return { targets: resolved.targets, excluded: excludedOf(resolved) };
  }

  /** Creates the request from a resolved set and posts its card (and, when four-eyes, its approval copy). */
  private async request(
    context: TurnContext,
    actor: Actor,
    command: string,
    set: { targets: DirectoryUser[]; excluded: ExcludedTarget[]; reason: string; disable: boolean },
  ): Promise<void> {
    const { targets } = set;
    // A four-eyes request needs an approver to see its card: from a personal chat, that is only
    // possible through the approval channel.
    const fourEyes = this.deps.revocations.fourEyes({ targets });
    const approvalChannel = await this.deps.cards.approvalChannelFor(context, targets.length);
    if (fourEyes && approvalChannel === undefined && context.activity.conversation.conversationType === "personal") {
      const reason = `A request for ${targets.length} users needs a second person's approval, but no approval channel is set, so no approver could see it here.`;
      await this.deps.auditor.record({ actor, action: "request.refused", requestId: null, details: { command: clip(command), reason } });
      await context.sendActivity(
        `Nothing was requested. ${reason}\n\nAsk an approver to type \`audit here\` in the security team's channel (or set AUDIT_CHANNEL_ID), or make the request in a channel where approvers can see it.`,
      );
      return;
    }
    const request = await this.deps.revocations.create({
      requester: actor,
      reason: set.reason,
      disable: set.disable,
      targets,
      excluded: set.excluded,
      origin: referenceOf(context),
      approvalChannel: approvalChannel?.conversation?.id ?? "",
      selection: command,
    });
    await this.deps.cards.publish(context, request, approvalChannel);
  }

  private async resolveUsers(keys: string[]): Promise<{ users: DirectoryUser[]; problems: string[] }> {
    const users = new Map<string, DirectoryUser>();
    const problems: string[] = [];
    const results = await mapLimit(keys, 8, async (key) => ({ key, user: await this.deps.directory.getUser(key) }));
    for (const { key, user } of results) {
      if (user !== undefined) {
        users.set(user.id, user);
        continue;
      }
      if (isObjectId(key)) {
        const kind = await this.deps.directory.identifyObject(key);
        if (kind !== undefined && kind !== "user") {
          const what = { group: "a group", servicePrincipal: "a service principal (an app's identity)", application: "an application", device: "a device", other: "not a user" }[kind];
          problems.push(`${key} is ${what}. This command revokes users' sessions only.`);
          continue;
        }
      }
      problems.push(`There is no user ${key} in this tenant.`);
    }
    return { users: [...users.values()], problems };
  }

  private async status(context: TurnContext, key: string): Promise<void> {
    const who = await this.caller(context);
    if (who === undefined) return;
    if (!who.roles.revoker && !who.roles.approver) {
      await context.sendActivity("Only members of a revoker or approver group can look up account status.");
      return;
    }
    try {
      const user = await this.deps.directory.getUser(key);
      if (user === undefined) {
        await context.sendActivity(`There is no user ${key} in this tenant. Check the spelling, or use the object ID.`);
        return;
      }
      await context.sendActivity(
        [
          `**${user.displayName ?? user.userPrincipalName}** (${user.userPrincipalName})`,
          `- Object ID: ${user.id}`,
          `- Account enabled: ${user.accountEnabled === null ? "unknown" : user.accountEnabled ? "yes" : "no"}`,
          `- User type: ${user.userType ?? "unknown"}; department: ${user.department ?? "—"}`,
          `- Sessions valid from: ${user.signInSessionsValidFromDateTime === null ? "never revoked" : formatTime(user.signInSessionsValidFromDateTime)}`,
        ].join("\n"),
      );
    } catch (err) {
      await context.sendActivity(userMessageOf(err));
    }
  }

  private async pending(context: TurnContext): Promise<void> {
    const actor = actorOf(context);
    if (actor === undefined) {
      await context.sendActivity(UNKNOWN_ACTOR);
      return;
    }
    let open;
    try {
      open = await this.deps.revocations.actionableBy(actor, PENDING_LIST_LIMIT);
    } catch (err) {
      this.deps.logger.warn({ err }, "pending: role lookup failed");
      await context.sendActivity(`I could not check your role, so I cannot list requests: ${userMessageOf(err)}`);
      return;
    }
    if (open.length === 0) {
      await context.sendActivity("There are no open requests you can act on.");
      return;
    }
    const lines = open.map(({ request: r, abilities }) => {
      const can = [abilities.approve ? "approve" : "", abilities.reject ? "reject" : "", abilities.cancel ? "withdraw" : ""].filter((w) => w !== "");
      const where = r.approvalCard === null ? "its card in the conversation it was asked in" : "its card in the approval channel";
      return `- **${r.id}** from ${plain(r.requester.name)}: ${r.targets.length} user(s), expires ${formatTime(r.expiresAt)}${r.reason === "" ? "" : `, reason: ${plain(r.reason)}`}. You can ${can.join(" or ")}${abilities.approve || abilities.reject ? ` (on ${where})` : ""}.`;
    });
    await context.sendActivity(
      `Open requests you can act on${open.length === PENDING_LIST_LIMIT ? ` (the oldest ${PENDING_LIST_LIMIT})` : ""}:\n\n${lines.join("\n")}\n\nWithdraw your own with \`cancel <request-id>\`.`,
    );
  }

  private async cancel(context: TurnContext, requestId: string): Promise<void> {
    const actor = actorOf(context);
    if (actor === undefined) {
      await context.sendActivity(UNKNOWN_ACTOR);
      return;
    }
    let result;
    try {
      result = await this.deps.revocations.decide(requestId, actor, "cancel");
    } catch (err) {
      await context.sendActivity(`I could not withdraw ${requestId}, so nothing was changed: ${userMessageOf(err)}`);
      return;
    }
    switch (result.kind) {
      case "notFound":
        await context.sendActivity(`There is no request ${requestId}. Type \`pending\` to list yours.`);
        return;
      case "notPending":
        await context.sendActivity(`Request ${requestId} is ${stateWord(result.request.state)}; only a pending request can be withdrawn. Nothing was changed.`);
        return;
      case "refused":
        await context.sendActivity(`${result.reason} Nothing was changed.`);
        return;
      case "done":
        await context.sendActivity(`Request ${requestId} is withdrawn. Nothing was revoked.`);
        return;
    }
  }

  private async history(context: TurnContext, count: number): Promise<void> {
    const who = await this.caller(context);
    if (who === undefined) return;
    if (!who.roles.approver) {
      await context.sendActivity("Only members of an approver group (APPROVER_GROUP_IDS) can read the audit history.");
      return;
    }
    // One entry per target would crowd out everything else; each result entry summarises them.
    const entries = await this.deps.auditLog.recent(count, { exclude: [...UNPOSTED_ACTIONS] });
    if (entries.length === 0) {
      await context.sendActivity("The audit log is empty.");
      return;
    }
    await context.sendActivity(
      `Latest ${entries.length} audit entries (per-user outcomes: \`npm run audit:export\`):\n\n${entries
        .map((e) => `- #${e.seq} ${formatTime(e.at)} **${e.action}** by ${e.actor?.name ?? "the bot"}${e.requestId === null ? "" : ` (${e.requestId})`}`)
        .join("\n")}`,
    );
  }

  private async auditHere(context: TurnContext): Promise<void> {
    const type = context.activity.conversation.conversationType;
    if (type !== "channel" && type !== "groupChat") {
      await context.sendActivity("Say `audit here` in the Teams channel that should receive audit posts (mention the bot there).");
      return;
    }
    const who = await this.caller(context);
    if (who === undefined) return;
    const { actor, roles } = who;
    if (!roles.approver) {
      await this.deps.auditor.record({
        actor,
        action: "request.refused",
        requestId: null,
        details: { command: "audit here", reason: "not an approver" },
      });
      await context.sendActivity("Only members of an approver group (APPROVER_GROUP_IDS) can choose the audit channel.");
      return;
    }
    await this.deps.setAuditChannel(referenceOf(context));
    await this.deps.auditor.record({
      actor,
      action: "audit.channel.set",
      requestId: null,
      details: { channel: context.activity.conversation.id.split(";")[0] ?? "" },
    });
    await context.sendActivity("This conversation now receives the audit posts.");
  }

  /**
   * The acting person and their roles, or undefined after telling them why neither could be
   * established (no Entra object ID on the message, or the role lookup failed).
   */
  private async caller(context: TurnContext): Promise<{ actor: Actor; roles: Roles } | undefined> {
    const actor = actorOf(context);
    if (actor === undefined) {
      await context.sendActivity(UNKNOWN_ACTOR);
      return undefined;
    }
    const roles = await this.rolesOrExplain(context, actor);
    return roles === undefined ? undefined : { actor, roles };
  }

  /** Roles of the actor, or undefined after telling them why they could not be looked up. */
  private async rolesOrExplain(context: TurnContext, actor: Actor): Promise<Roles | undefined> {
    try {
      return await this.deps.roles.rolesOf(actor.aadObjectId);
    } catch (err) {
      this.deps.logger.warn({ err }, "role lookup failed");
      await context.sendActivity(`I could not check your role, so nothing was done: ${userMessageOf(err)}`);
      return undefined;
    }
  }
}

/** A bulk selection: how to read its users and how to talk about it. */
export interface Selection {
  /** The command as audited, e.g. `revoke department Sales`. */
  command: string;
  /** e.g. `the users of department "Sales"` */
  what: string;
  /** Why nothing matched, e.g. `no account is disabled`. */
  none: string;
  pages: () => UserPages;
  reason: string;
  disable: boolean;
}

function hoursText(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? "" : "s"}` : `${hours} hour${hours === 1 ? "" : "s"}`;
}

function clip(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Requests `pending` lists at most. */
const PENDING_LIST_LIMIT = 20;

function stateWord(state: string): string {
  return state === "cancelled" ? "withdrawn" : state;
}

/** Those a resolution left out, and why. */
function excludedOf(resolved: ResolvedTargets): ExcludedTarget[] {
  return [
    ...resolved.protectedUsers.map((user) => ({ user, why: "protected" as const })),
    ...resolved.guests.map((user) => ({ user, why: "guest" as const })),
  ];
}

// eslint-disable-next-line @typescript-eslint/require-await
async function* onePage(users: DirectoryUser[]): AsyncIterable<DirectoryUser[]> {
  yield users;
}

/** The reference to this conversation (a channel message's thread included), for later posts and edits. */
export function referenceOf(context: TurnContext): Partial<ConversationReference> {
  return TurnContext.getConversationReference(context.activity);
}

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}
