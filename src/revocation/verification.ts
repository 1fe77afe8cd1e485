import type { Directory } from "../directory/directory.js";
import type { GraphBatchCalls } from "../directory/graph-writes.js";
import type { DirectoryUser } from "../directory/types.js";

/** What the read-back showed for one revoked user: whether it shows the revocation, and the time it shows. */
export interface ReadBack {
  ok: boolean;
  value: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a read-back time is later than the one in the request's snapshot of the user. */
export function isLater(readBack: string, snapshot: DirectoryUser): boolean {
  const before = snapshot.signInSessionsValidFromDateTime === null ? NaN : Date.parse(snapshot.signInSessionsValidFromDateTime);
  return Number.isNaN(before) || Date.parse(readBack) > before;
}

/**
 * Reads `signInSessionsValidFromDateTime` back to prove a revocation took effect: after the writes
 * (Entra is eventually consistent, so after waits), and on resume, for targets an earlier runner
 * may already have revoked.
 */
export class Verification {
  constructor(
    private readonly directory: Pick<Directory, "readMany">,
    private readonly calls: GraphBatchCalls,
    private readonly options: {
      /** Waits before each read-back. */
      verifyDelaysMs: readonly number[];
      /** How far the directory's clock may be behind ours when judging a read-back. */
      clockSkewMs: number;
    },
  ) {}

  /**
   * Targets marked as attempted by an earlier runner (`previous`: user → attempt time) whose
   * read-back shows a revocation since that attempt: user → sessions valid from. They are not
   * revoked again.
   */
  async alreadyRevoked(targets: readonly DirectoryUser[], previous: ReadonlyMap<string, string | null>): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const resumed = targets.filter((t) => (previous.get(t.id) ?? null) !== null);
    if (resumed.length === 0) return found;
    const reads = await this.read(resumed.map((t) => t.id));
    for (const t of resumed) {
      const validFrom = reads.get(t.id)?.signInSessionsValidFromDateTime ?? null;
      const attemptAt = previous.get(t.id) ?? "";
      if (validFrom !== null && Date.parse(validFrom) >= Date.parse(attemptAt) - this.options.clockSkewMs && isLater(validFrom, t)) {
        found.set(t.id, validFrom);
      }
    }
    return found;
  }

  /** Reads the users back, in batches, until each shows a revocation since `startedAt` or the waits run out. */
  async verify(targets: readonly DirectoryUser[], startedAt: number): Promise<Map<string, ReadBack>> {
    const result = new Map<string, ReadBack>();
    let pending = targets;
    for (const delay of this.options.verifyDelaysMs) {
      if (pending.length === 0) break;
      await sleep(delay);
      const reads = await this.read(pending.map((t) => t.id));
      const still: DirectoryUser[] = [];
      for (const t of pending) {
        const value = reads.get(t.id)?.signInSessionsValidFromDateTime ?? result.get(t.id)?.value ?? null;
        if (value !== null && isLater(value, t) && Date.parse(value) >= startedAt - this.options.clockSkewMs) {
          result.set(t.id, { ok: true, value });
        } else {
          result.set(t.id, { ok: false, value });
          still.push(t);
        }
      }
      pending = still;
    }
    return result;
  }

  private read(userIds: readonly string[]): Promise<Map<string, DirectoryUser>> {
    return this.calls.read(userIds, (ids) => this.directory.readMany(ids));
  }
}
