import type { Selectable } from "kysely";
import type { HashAlg } from "../audit/chain.js";
import type { AuditAction, AuditEntry } from "../audit/audit-log.js";
import type { AuditLogTable } from "./schema.js";

// Rows per multi-row insert: 9 columns, well under both dialects' bound-parameter limits.
export const AUDIT_INSERT_CHUNK = 500;

/** A stored audit row that cannot even be read as an entry (its details are not JSON): it was altered. */
export class CorruptAuditEntryError extends Error {
  constructor(
    readonly seq: number,
    readonly action: string,
    readonly at: string,
  ) {
    super(`audit entry #${seq} cannot be read: its details are not valid JSON (altered)`);
    this.name = "CorruptAuditEntryError";
  }
}

/**
 * A stored row as an AuditEntry.
 * @throws CorruptAuditEntryError when the stored details are not JSON
 */
export function auditEntryOf(row: Selectable<AuditLogTable>): AuditEntry {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    // Only ever written as canonical JSON, so text that does not parse was changed outside the bot.
    throw new CorruptAuditEntryError(Number(row.seq), row.action, row.at);
  }
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" },
    action: row.action as AuditAction,
    requestId: row.request_id,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
    hashAlg: row.hash_alg as HashAlg,
  };
}
