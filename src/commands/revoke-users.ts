import { Requests } from "../cards/chat-replies.js";
import { escapeMarkdown } from "../cards/markdown.js";
import { isObjectId } from "../directory/directory.js";
import type { DirectoryUser } from "../directory/types.js";
import type { CommandHandler } from "./dispatch.js";
import { createRequest, sortOut } from "./new-request.js";
import type { HandlerDeps } from "./ports.js";
import { explainFailure, requester } from "./turn.js";

/**
 * `revoke user …`. Order: who is asking (an Entra object ID), revoker role, pending cap; then every
 * target resolved; then the separation-of-duties rule; then the request and its card.
 */
export const revokeUsers: CommandHandler<"revokeUsers"> = async (context, { targets: keys, reason, disable }, deps) => {
  const command = `revoke user ${keys.join(" ")}`;
  const actor = await requester(context, deps, command);
  if (actor === undefined) return;

  let resolved: DirectoryUser[];
  try {
    const result = await resolveUsers(deps, keys);
    if (result.problems.length > 0) {
      await context.sendActivity(Requests.unresolved(result.problems));
      return;
    }
    resolved = result.users;
  } catch (err) {
    await context.sendActivity(Requests.failed(explainFailure(deps.logger, err, "target resolution failed")));
    return;
  }
  const { targets, excluded } = await sortOut(deps, resolved);
  if (targets.length === 0) {
    const why = excluded.map((e) => (e.why === "guest" ? Requests.guestOnly(e.user.userPrincipalName) : Requests.protectedOnly(e.user.userPrincipalName)));
    await context.sendActivity(Requests.nothingToRevoke(why));
    return;
  }
  await createRequest(context, deps, actor, command, { targets, excluded, reason, disable });
};

async function resolveUsers(deps: HandlerDeps, keys: string[]): Promise<{ users: DirectoryUser[]; problems: string[] }> {
  const users = new Map<string, DirectoryUser>();
  const problems: string[] = [];
  const results = await mapLimit(keys, 8, async (key) => ({ key, user: await deps.directory.getUser(key) }));
  for (const { key, user } of results) {
    if (user !== undefined) {
      users.set(user.id, user);
      continue;
    }
    const shown = escapeMarkdown(key);
    if (isObjectId(key)) {
      const kind = await deps.directory.identifyObject(key);
      if (kind !== undefined && kind !== "user") {
        const what = { group: "a group", servicePrincipal: "a service principal (an app's identity)", application: "an application", device: "a device", other: "not a user" }[kind];
        problems.push(Requests.notAUser(shown, what));
        continue;
      }
    }
    problems.push(Requests.noSuchUser(shown));
  }
  return { users: [...users.values()], problems };
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
