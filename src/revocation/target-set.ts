import { createHash, type Hash } from "node:crypto";
import type { RequestStore } from "./request-store.js";

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

/** Targets read at a time to recompute a set's fingerprint. */
const HASH_PAGE = 1000;

/** targetSetHash of the stored targets but `except`, read a page at a time (a job of 100,000 never holds them all). */
export async function storedSetHash(store: Pick<RequestStore, "targetsPage">, requestId: string, except: ReadonlySet<string> = new Set()): Promise<string> {
  const hasher = new TargetSetHasher();
  let after = -1;
  for (;;) {
    const page = await store.targetsPage(requestId, after, HASH_PAGE);
    for (const row of page) if (!except.has(row.target.id)) hasher.add(row.target.id);
    const last = page.at(-1);
    if (last === undefined || page.length < HASH_PAGE) return hasher.digest();
    after = last.position;
  }
}
