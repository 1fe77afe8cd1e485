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
export const revokeUsers: CommandHandler<"revokeUsers"> = async (context, { targets: keys, reason, disable, containment }, deps) => {
  const command = `revoke user ${keys.join(" ")}`;
  const actor = await requester(context, deps, command);
  if (actor === undefined) return;

  let resolved: DirectoryUser[];
  try {
    const result = await resolveUsers(deps, keys);
    if (result.problems.length > 0) {
      await context.sendActivity(
        `Nothing was requested:\n\n${result.problems.map((p) => `- ${p}`).join("\n")}\n\nCheck the spelling, or use the object ID from the Entra admin center (Users → the user → Object ID).`,
      );
      return;
    }
    resolved = result.users;
  } catch (err) {
    await context.sendActivity(`Nothing was requested: ${explainFailure(deps.logger, err, "target resolution failed")}`);
    return;
  }
  const { targets, excluded } = await sortOut(deps, resolved);
  if (targets.length === 0) {
    const why = excluded
      .map((e) =>
        e.why === "guest"
          ? `${escapeMarkdown(e.user.userPrincipalName)} is a guest; their sessions live in their home tenant, so this tenant cannot revoke them.`
          : `${escapeMarkdown(e.user.userPrincipalName)} is a protected account (PROTECTED_USER_IDS) and is never revoked.`,
      )
      .join("\n\n");
    await context.sendActivity(`Nothing to revoke.\n\n${why}`);
    return;
  }
  await createRequest(context, deps, actor, command, { targets, excluded, reason, disable, containment });
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
        problems.push(`${shown} is ${what}. This command revokes users' sessions only.`);
        continue;
      }
    }
    problems.push(`There is no user ${shown} in this tenant.`);
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
