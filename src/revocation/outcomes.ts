import type { NewAuditEntry } from "../audit/audit-log.js";
import type { DirectoryUser } from "../directory/types.js";
import type { AppError } from "../errors.js";
import type { RequestStore, RequestSummary } from "./request-store.js";
import type { TargetOutcome } from "../domain/outcome.js";
import type { StepNotes } from "./containment.js";
import type { ReadBack } from "./verification.js";
import { titleDetails } from "./title-details.js";

/** The completion entry lists every outcome up to this many targets; beyond, the per-target entries do. */
const LISTED_OUTCOMES = 50;

/** What a batch's writes left for its outcomes. */
export interface WrittenBatch {
  byId: Map<string, DirectoryUser>;
  /** Outcomes already final (not found, failed). */
  outcomes: TargetOutcome[];
  /** Revoked by this runner now (to verify). */
  revokedNow: string[];
  /** Revoked before an interruption, as the read-back showed: user → sessions valid from. */
  alreadyRevoked: Map<string, string>;
  disabled: Set<string>;
  disableNotes: Map<string, string>;
  /** What the containment steps did (--reset-password, --confirm-compromised); empty without them. */
  steps: StepNotes;
  startedAt: number;
}

/** The outcomes of revocations Graph refused for good: the user is gone, or the cause and fix. */
export function refusedOutcomes(failed: ReadonlyMap<string, AppError>): TargetOutcome[] {
  return [...failed].map(([userId, error]) => {
    const notFound = error.code === "GraphNotFound";
    return {
      userId,
      status: notFound ? "not_found" : "failed",
      detail: notFound ? "The user no longer exists in the directory (deleted since the request was made)." : error.userMessage,
      sessionsValidFrom: null,
      disabled: false,
      at: new Date().toISOString(),
      sessionsRevoked: false,
    };
  });
}

/** The note on a target whose sessions were revoked but whose account could not be disabled. */
export function disableFailedNote(error: AppError): string {
  return ` Sessions were revoked, but the account could not be disabled: ${error.userMessage}`;
}

/** Every target of a written batch with its outcome, from the writes and what the read-back showed. */
export function composeOutcomes(written: WrittenBatch, verified: ReadonlyMap<string, ReadBack>): TargetOutcome[] {
  const { byId, alreadyRevoked, disabled, disableNotes, steps } = written;
  const outcomes = [...written.outcomes];
  for (const id of [...written.revokedNow, ...alreadyRevoked.keys()]) {
    const target = byId.get(id);
    if (target === undefined) continue;
    // A containment step asked for and not done fails the target, as a failed --disable does.
    const stepText = steps.notes.get(id) ?? "";
    const note = `${disableNotes.get(id) ?? ""}${steps.failed.has(id) ? stepText : ""}`;
    const disabledText = `${disabled.has(id) ? " Account disabled." : ""}${steps.failed.has(id) ? "" : stepText}`;
    const earlier = alreadyRevoked.get(id);
    if (earlier !== undefined) {
      outcomes.push({
        userId: id,
        status: note === "" ? "revoked_verified" : "failed",
        sessionsValidFrom: earlier,
        disabled: disabled.has(id),
        detail: `Sessions valid from ${earlier} (revoked before an interruption; verified on resume).${disabledText}${note}`,
        at: new Date().toISOString(),
        sessionsRevoked: true,
      });
      continue;
    }
    const check = verified.get(id) ?? { ok: false, value: null };
    outcomes.push({
      userId: id,
      status: note !== "" ? "failed" : check.ok ? "revoked_verified" : "revoked_unverified",
      sessionsValidFrom: check.value,
      disabled: disabled.has(id),
      detail: check.ok
        ? `Sessions valid from ${check.value}.${disabledText}${note}`
        : `Graph accepted the revocation, but the read-back still shows ${check.value ?? "no revocation time"}; Entra can take a few minutes to converge. Check again with: status ${target.userPrincipalName}.${disabledText}${note}`,
      at: new Date().toISOString(),
      sessionsRevoked: true,
    });
  }
  return outcomes;
}

/** A target's own audit entry (target.outcome). */
export function outcomeAudit(requestId: string, target: DirectoryUser, outcome: TargetOutcome): NewAuditEntry {
  return {
    actor: null,
    action: "target.outcome",
    requestId,
    details: {
      id: target.id,
      upn: target.userPrincipalName,
      status: outcome.status,
      detail: outcome.detail,
      sessionsValidFrom: outcome.sessionsValidFrom,
      disabled: outcome.disabled,
    },
  };
}

/** How a request ends once every target has an outcome: completed only when none failed. */
export function finalStateOf(counts: RequestSummary["counts"]): "completed" | "failed" {
  return counts.failed + counts.not_found === 0 ? "completed" : "failed";
}

/**
 * The request's completion entry (revocation.completed or .failed): the counts, and every outcome
 * of a small request or the first failures of a larger one (`summary.rows` put failures first).
 */
export function completionAudit(requestId: string, summary: RequestSummary): NewAuditEntry {
  const recorded = Object.values(summary.counts).reduce((a, b) => a + b, 0);
  const finalState = finalStateOf(summary.counts);
  const listed = (
    summary.targetCount <= LISTED_OUTCOMES
      ? summary.rows
      : summary.rows.filter((r) => r.outcome?.status === "failed" || r.outcome?.status === "not_found")
  ).slice(0, LISTED_OUTCOMES);
  return {
    actor: null,
    action: finalState === "completed" ? "revocation.completed" : "revocation.failed",
    requestId,
    details: {
      // A failed target whose sessions were revoked (a later step failed) is revoked: counted apart.
      counts: (summary.revokedButFailed ?? 0) > 0 ? { ...summary.counts, revoked_step_failed: summary.revokedButFailed } : summary.counts,
      outcomes: listed.map(({ target, outcome }) => ({
        id: target.id,
        upn: target.userPrincipalName,
        status: outcome?.status,
        detail: outcome?.detail,
        sessionsValidFrom: outcome?.sessionsValidFrom,
        disabled: outcome?.disabled,
      })),
      ...(listed.length < recorded ? { moreOutcomes: `${recorded - listed.length} more; each target has its own target.outcome entry` } : {}),
      ...titleDetails(summary.request, summary.targetCount, summary.rows.map((r) => r.target)),
    },
  };
}

/** Counts outcomes by status. */
export function countOutcomes(outcomes: readonly TargetOutcome[]): Record<TargetOutcome["status"], number> {
  const counts = { revoked_verified: 0, revoked_unverified: 0, enabled: 0, not_found: 0, skipped: 0, failed: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}

/** Batches' outcomes one transaction holds at most when they are recorded together. */
const MAX_GROUPED = 50;

/**
 * Records the outcomes of a job's batches. Batches that finish while an earlier record is being
 * committed are recorded together, in one transaction: with SQLite each commit waits for the disk
 * (synchronous=FULL), and a job's many small commits would otherwise hold up every chat turn.
 */
export class OutcomeRecorder {
  private readonly queue: Array<{ items: ReadonlyArray<{ outcome: TargetOutcome; audit: NewAuditEntry }>; done: (err?: Error) => void }> = [];
  private flushing = false;

  constructor(
    private readonly store: Pick<RequestStore, "recordOutcomes">,
    private readonly requestId: string,
  ) {}

  /** Resolves once the outcomes are committed (with those recorded together with them). */
  record(items: ReadonlyArray<{ outcome: TargetOutcome; audit: NewAuditEntry }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUPED);
      try {
        await this.store.recordOutcomes(this.requestId, group.flatMap((g) => g.items));
        for (const g of group) g.done();
      } catch (err) {
        const error = err instanceof Error ? err : new Error("recording the outcomes failed");
        for (const g of group) g.done(error);
      }
    }
    this.flushing = false;
  }
}
