import { createHash, type Hash } from "node:crypto";

/**
 * The fingerprint of a request's target set: sha256 of the object IDs in order, one per line. The
 * `request.created` entry records it; a job recomputes it from the stored set before it runs.
 */
export class TargetSetHasher {
  private readonly hash: Hash = createHash("sha256");

  add(id: string): void {
    this.hash.update(`${id}\n`);
  }

  /** Hex digest (once). */
  digest(): string {
    return this.hash.digest("hex");
  }
}

/** sha256 of the target object IDs in order, one per line: what exactly was asked for. */
export function targetSetHash(targets: ReadonlyArray<{ id: string }>): string {
  const hasher = new TargetSetHasher();
  for (const t of targets) hasher.add(t.id);
  return hasher.digest();
}
