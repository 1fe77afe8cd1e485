import type { NewAuditEntry } from "../audit/audit-log.js";
import type { Directory } from "../directory/directory.js";
import type { GraphBatchCalls, WriteResult } from "../directory/graph-writes.js";
import type { IdentityProtectionPacer } from "../directory/identity-protection-pacer.js";
import type { DirectoryUser } from "../directory/types.js";
import type { AppError } from "../errors.js";
import type { RequestStore } from "./request-store.js";
import type { Containment, ContainmentStep, StepOutcome } from "../domain/containment.js";
import type { RevocationWords } from "./words.js";

/** What the containment steps of a batch left for its targets' outcomes. */
export interface StepNotes {
  /** Sentences appended to each target's outcome detail. */
  notes: Map<string, string>;
  /** Targets with a step that was asked for and not done: their outcome is failed. */
  failed: Set<string>;
}

/**
 * The containment steps of a job batch (`--reset-password`, `--confirm-compromised`), after the
 * sessions are revoked. Each step of each target is marked under the job's lease before it is
 * sent and gets exactly one recorded outcome with its own audit entry (target.containment); a
 * resumed job skips the steps that have one. A reset whose mark shows an earlier attempt without
 * an outcome is sent again: a read-back cannot tell the bot's reset from a change the user (or
 * an attacker holding the password) made around the same time, and another random password
 * nobody knows is harmless. A confirmation is sent again too (confirming twice changes nothing).
 * Either way the step is recorded once.
 */
export class ContainmentSteps {
  /**
   * A reset succeeded in this process: the app holds the permission and at least User
   * Administrator, so a 403 means an admin target and no Privileged Authentication Administrator.
   */
  private resetAllowed = false;

  constructor(
    private readonly deps: {
      store: Pick<RequestStore, "markSteps" | "recordSteps">;
      directory: Pick<Directory, "resetPasswordMany" | "confirmCompromisedMany">;
      calls: GraphBatchCalls;
      /** Identity Protection's 1 request per second per tenant, and its backoff after a 429. */
      identityProtection: IdentityProtectionPacer;
      owner: string;
      words: Pick<RevocationWords, "stepDone" | "stepNotDone" | "stepNotAttempted" | "adminResetRefused">;
    },
  ) {}

  /**
   * Runs the steps asked for. `revoked` had their sessions revoked (the steps are sent for them);
   * `notRevoked` did not, and each step of theirs is recorded as not done, with the reason.
   * Throws when the job's lease is lost (the job resumes elsewhere).
   */
  async run(requestId: string, containment: Containment, revoked: readonly DirectoryUser[], notRevoked: readonly DirectoryUser[]): Promise<StepNotes> {
    const result: StepNotes = { notes: new Map(), failed: new Set() };
    const steps: ContainmentStep[] = [
      ...(containment.resetPassword ? (["reset_password"] as const) : []),
      ...(containment.confirmCompromised ? (["confirm_compromised"] as const) : []),
    ];
    for (const step of steps) {
      const all = [...revoked, ...notRevoked];
      if (all.length === 0) continue;
      const marks = await this.deps.store.markSteps(requestId, step, all.map((t) => t.id), this.deps.owner);
      if (marks.kind === "leaseLost") throw new Error(`the lease of request ${requestId} was lost during its containment steps`);
      const outcomes: StepOutcome[] = [...marks.done.values()];
      const at = new Date().toISOString();
      // A step an interrupted runner may have sent is sent again (see the class comment).
      const toSend = revoked.filter((t) => !marks.done.has(t.id)).map((t) => t.id);
      const sent = toSend.length === 0 ? { ok: [], failed: new Map<string, AppError>() } : await this.send(step, toSend);
      for (const id of sent.ok) {
        const again = step === "reset_password" && (marks.previous.get(id) ?? null) !== null;
        outcomes.push({ userId: id, step, ok: true, detail: this.deps.words.stepDone(step, again), at });
      }
      for (const [id, error] of sent.failed) outcomes.push({ userId: id, step, ok: false, detail: this.refusal(step, error, sent), at });
      for (const t of notRevoked) {
        if (marks.done.has(t.id)) continue;
        outcomes.push({ userId: t.id, step, ok: false, detail: this.deps.words.stepNotAttempted, at });
      }
      const byId = new Map(all.map((t) => [t.id, t]));
      await this.deps.store.recordSteps(
        requestId,
        outcomes.filter((o) => !marks.done.has(o.userId)).map((outcome) => ({ outcome, audit: stepAudit(requestId, byId.get(outcome.userId), outcome) })),
      );
      for (const o of outcomes) {
        const text = o.ok ? o.detail : this.deps.words.stepNotDone(step, o.detail);
        result.notes.set(o.userId, `${result.notes.get(o.userId) ?? ""} ${text}`);
        if (!o.ok) result.failed.add(o.userId);
      }
    }
    return result;
  }

  private async send(step: ContainmentStep, userIds: string[]): Promise<WriteResult> {
    if (step === "reset_password") {
      const written = await this.deps.calls.write(userIds, (ids) => this.deps.directory.resetPasswordMany(ids));
      if (written.ok.length > 0) this.resetAllowed = true;
      return written;
    }
    return this.deps.calls.write(userIds, (ids) => this.deps.identityProtection.call(() => this.deps.directory.confirmCompromisedMany(ids)));
  }

  /**
   * Why a step was refused, for a person. Graph answers a reset of an admin, a reset without the
   * permission and one without the Entra role with the same 403: once a reset has succeeded (in
   * this batch or earlier in this process) the permission and User Administrator are shown to be
   * there, so the 403 is an admin target without Privileged Authentication Administrator;
   * otherwise every requirement is named.
   */
  private refusal(step: ContainmentStep, error: AppError, sent: WriteResult): string {
    if (step === "reset_password" && error.code === "GraphForbidden" && (sent.ok.length > 0 || this.resetAllowed)) {
      return this.deps.words.adminResetRefused;
    }
    return error.userMessage;
  }
}

/** A containment step's own audit entry (target.containment); never a password. */
function stepAudit(requestId: string, target: DirectoryUser | undefined, outcome: StepOutcome): NewAuditEntry {
  return {
    actor: null,
    action: "target.containment",
    requestId,
    details: {
      id: outcome.userId,
      upn: target?.userPrincipalName ?? "",
      step: outcome.step === "reset_password" ? "reset password" : "confirm compromised",
      outcome: outcome.ok ? "done" : "not done",
      detail: outcome.detail,
    },
  };
}
