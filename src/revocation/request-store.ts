import type { RequestState, RevocationRequest, TargetOutcome } from "./types.js";

export type RequestPatch = Partial<
  Pick<RevocationRequest, "state" | "decidedBy" | "decidedAt" | "cardActivityId">
>;

/**
 * Where requests live. Every state change is compare-and-set on `version`, so two clicks (or two
 * replicas) can never both move a request out of the same state.
 */
export interface RequestStore {
  create(request: RevocationRequest): Promise<void>;
  get(id: string): Promise<RevocationRequest | undefined>;
  /** Applies the patch iff the stored version equals expectedVersion; returns the new request, or undefined. */
  update(id: string, expectedVersion: number, patch: RequestPatch): Promise<RevocationRequest | undefined>;
  /** Adds a target's outcome unless that target already has one; returns false when it had. */
  recordOutcome(id: string, outcome: TargetOutcome): Promise<boolean>;
  listByState(states: readonly RequestState[]): Promise<RevocationRequest[]>;
}

/** In-process RequestStore (the durable store replaces it; same contract). */
export class MemoryRequestStore implements RequestStore {
  private readonly requests = new Map<string, RevocationRequest>();

  create(request: RevocationRequest): Promise<void> {
    if (this.requests.has(request.id)) return Promise.reject(new Error(`request ${request.id} exists`));
    this.requests.set(request.id, structuredClone(request));
    return Promise.resolve();
  }

  get(id: string): Promise<RevocationRequest | undefined> {
    const found = this.requests.get(id);
    return Promise.resolve(found === undefined ? undefined : structuredClone(found));
  }

  update(id: string, expectedVersion: number, patch: RequestPatch): Promise<RevocationRequest | undefined> {
    const current = this.requests.get(id);
    if (current === undefined || current.version !== expectedVersion) return Promise.resolve(undefined);
    const next: RevocationRequest = { ...current, ...patch, version: current.version + 1 };
    this.requests.set(id, next);
    return Promise.resolve(structuredClone(next));
  }

  recordOutcome(id: string, outcome: TargetOutcome): Promise<boolean> {
    const current = this.requests.get(id);
    if (current === undefined) return Promise.reject(new Error(`no request ${id}`));
    if (current.outcomes.some((o) => o.userId === outcome.userId)) return Promise.resolve(false);
    current.outcomes.push(structuredClone(outcome));
    return Promise.resolve(true);
  }

  listByState(states: readonly RequestState[]): Promise<RevocationRequest[]> {
    const wanted = new Set(states);
    return Promise.resolve(
      [...this.requests.values()].filter((r) => wanted.has(r.state)).map((r) => structuredClone(r)),
    );
  }
}
