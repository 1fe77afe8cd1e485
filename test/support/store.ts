import type { AuditEntry } from "../../src/audit/audit-log.js";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { SqlJobQueue } from "../../src/store/job-queue.js";
import { SqlRequestStore } from "../../src/store/request-store.js";

/** The real stores over one database (by default a private in-memory SQLite). */
export interface TestStore {
  database: OpenDatabase;
  audit: SqlAuditStore;
  requests: SqlRequestStore;
  jobs: SqlJobQueue;
  /** Every audit entry, oldest first. */
  entries(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/** Opens (and migrates) a database for a test. */
export async function openTestStore(url = "sqlite::memory:", clock?: () => Date): Promise<TestStore> {
  const database = await openDatabase(url);
  const audit = new SqlAuditStore(database.db, database.kind, clock);
  return {
    database,
    audit,
    requests: new SqlRequestStore(database.db, database.kind, clock),
    jobs: new SqlJobQueue(database.db, clock),
    entries: async () => {
      const all: AuditEntry[] = [];
      for await (const e of audit.entries()) all.push(e);
      return all;
    },
    close: () => database.close(),
  };
}
