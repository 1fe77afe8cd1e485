import type { Actor } from "../revocation/types.js";

/** Everything the audit trail records. */
export type AuditAction =
  | "request.created"
  | "request.refused"
  | "request.approved"
  | "request.cancelled"
  | "request.rejected"
  | "request.expired"
  | "decision.refused"
  | "revocation.completed"
  | "revocation.failed"
  | "audit.channel.set";

export interface AuditEntry {
  seq: number;
  at: string;
  /** null for the bot itself (expiry, job results). */
  actor: Actor | null;
  action: AuditAction;
  requestId: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, "seq" | "at">;

/**
 * The append-only audit trail. Behind an interface so that the durable, hash-chained store can
 * replace the storage without touching the callers.
 */
export interface AuditLog {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** The latest n entries, newest first. */
  recent(n: number): Promise<AuditEntry[]>;
  /** Throws when the log cannot be written (readiness). */
  checkWritable(): Promise<void>;
}
