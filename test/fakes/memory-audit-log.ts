import type { AuditEntry, AuditLog, NewAuditEntry } from "../../src/audit/audit-log.js";

/** AuditLog in memory, for unit tests. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    const full = { seq: this.entries.length + 1, at: new Date().toISOString(), ...entry };
    this.entries.push(full);
    return Promise.resolve(full);
  }

  recent(n: number): Promise<AuditEntry[]> {
    return Promise.resolve(this.entries.slice(-n).reverse());
  }

  checkWritable(): Promise<void> {
    return Promise.resolve();
  }
}
