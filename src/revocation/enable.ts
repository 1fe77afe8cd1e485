import type { Directory } from "../directory/directory.js";
import type { GraphBatchCalls } from "../directory/graph-writes.js";
import type { DirectoryUser } from "../directory/types.js";
import { refusedOutcomes } from "./outcomes.js";
import type { TargetOutcome } from "../domain/outcome.js";
import type { RevocationWords } from "./words.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The job of an `enable` request, one batch of targets: `PATCH /users/{id}` `accountEnabled: true`
 * through the same paced write path as revocations, then `accountEnabled` read back (after waits:
 * Entra is eventually consistent). Every target ends with one outcome: enabled (the read-back
 * shows it), not found, or failed with the cause and fix. Enabling twice changes nothing, so a
 * resumed job simply sends it again.
 */
export async function enableBatch(
  deps: { directory: Pick<Directory, "enableMany" | "readMany">; calls: GraphBatchCalls; verifyDelaysMs: readonly number[]; words: Pick<RevocationWords, "enabled" | "notEnabled"> },
  targets: readonly DirectoryUser[],
  /** The caller already took the quota for the first send. */
  prepaid: boolean,
): Promise<TargetOutcome[]> {
  const written = await deps.calls.write(
    targets.map((t) => t.id),
    (ids) => deps.directory.enableMany(ids),
    prepaid,
  );
  const outcomes = refusedOutcomes(written.failed);
  const enabled = new Set<string>();
  let pending = written.ok;
  for (const delay of [0, ...deps.verifyDelaysMs]) {
    if (pending.length === 0) break;
    if (delay > 0) await sleep(delay);
    const read = await deps.calls.read(pending, (ids) => deps.directory.readMany(ids));
    for (const id of pending) if (read.get(id)?.accountEnabled === true) enabled.add(id);
    pending = pending.filter((id) => !enabled.has(id));
  }
  const upnOf = new Map(targets.map((t) => [t.id, t.userPrincipalName]));
  for (const id of written.ok) {
    const ok = enabled.has(id);
    outcomes.push({
      userId: id,
      status: ok ? "enabled" : "failed",
      detail: ok ? deps.words.enabled : deps.words.notEnabled(upnOf.get(id) ?? id),
      sessionsValidFrom: null,
      disabled: false,
      at: new Date().toISOString(),
    });
  }
  return outcomes;
}
