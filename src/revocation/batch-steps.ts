/**
 * The per-target step of a job, one batch of at most 20 targets at a time: the writes (revoke,
 * --disable, the containment steps), then the read-back that gives every target its outcome.
 */
import type { Directory } from "../directory/directory.js";
import type { GraphBatchCalls } from "../directory/graph-writes.js";
import type { DirectoryUser } from "../directory/types.js";
import { hasContainment } from "../domain/containment.js";
import type { TargetOutcome } from "../domain/outcome.js";
import type { ContainmentSteps } from "./containment.js";
import { composeOutcomes, disableFailedNote, refusedOutcomes, type WrittenBatch } from "./outcomes.js";
import type { RevocationRequest } from "./types.js";
import type { Verification } from "./verification.js";

export class BatchSteps {
  constructor(
    private readonly deps: {
      directory: Pick<Directory, "revokeMany" | "disableMany">;
      calls: GraphBatchCalls;
      verification: Verification;
      containment: ContainmentSteps;
    },
  ) {}

  /**
   * The writes of one batch of at most 20 targets: revoke (and disable). Targets an earlier runner
   * may already have revoked are read back first and not revoked again when the read-back shows it.
   */
  async write(
    targets: DirectoryUser[],
    { id: requestId, disable, containment }: Pick<RevocationRequest, "id" | "disable" | "containment">,
    previous: ReadonlyMap<string, string | null>,
  ): Promise<WrittenBatch> {
    const byId = new Map(targets.map((t) => [t.id, t]));
    const startedAt = Date.now();
    const alreadyRevoked = await this.deps.verification.alreadyRevoked(targets, previous);

    const toRevoke = targets.filter((t) => !alreadyRevoked.has(t.id)).map((t) => t.id);
    // The worker took the quota for this batch's revocations before marking them.
    const revoke = await this.deps.calls.write(toRevoke, (ids) => this.deps.directory.revokeMany(ids), true);
    const revoked = [...revoke.ok, ...alreadyRevoked.keys()];
    const disableNotes = new Map<string, string>();
    const disabled = new Set<string>();
    if (disable && revoked.length > 0) {
      const result = await this.deps.calls.write(revoked, (ids) => this.deps.directory.disableMany(ids));
      for (const id of result.ok) disabled.add(id);
      for (const [id, error] of result.failed) disableNotes.set(id, disableFailedNote(error));
    }
    const steps = hasContainment(containment)
      ? await this.deps.containment.run(
          requestId,
          containment,
          revoked.flatMap((id) => byId.get(id) ?? []),
          [...revoke.failed.keys()].flatMap((id) => byId.get(id) ?? []),
        )
      : { notes: new Map<string, string>(), failed: new Set<string>() };
    const outcomes = refusedOutcomes(revoke.failed).map((o) => (steps.notes.has(o.userId) ? { ...o, detail: `${o.detail}${steps.notes.get(o.userId) ?? ""}` } : o));
    return { byId, outcomes, revokedNow: revoke.ok, alreadyRevoked, disabled, disableNotes, steps, startedAt };
  }

  /** Reads the batch's revocations back and gives every target of it its outcome. */
  async verify(written: WrittenBatch): Promise<TargetOutcome[]> {
    const revokedNow = written.revokedNow.map((id) => written.byId.get(id)).filter((t): t is DirectoryUser => t !== undefined);
    return composeOutcomes(written, await this.deps.verification.verify(revokedNow, written.startedAt));
  }
}
