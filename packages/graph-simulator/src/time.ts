/**
 * Formats epoch milliseconds the way Entra stores `signInSessionsValidFromDateTime` and other
 * directory timestamps: ISO 8601 in UTC with whole seconds (`2026-11-24T10:02:03Z`).
 */
export function toIsoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Formats epoch milliseconds the way Graph's `innerError.date` does: UTC without a zone suffix
 * (`2026-11-24T10:02:03`).
 */
export function toGraphErrorDate(epochMs: number): string {
  return toIsoSeconds(epochMs).slice(0, -1);
}

/** Formats epoch milliseconds the way Entra's token endpoint errors do (`2026-11-24 10:02:03Z`). */
export function toEntraErrorTimestamp(epochMs: number): string {
  return toIsoSeconds(epochMs).replace("T", " ");
}
