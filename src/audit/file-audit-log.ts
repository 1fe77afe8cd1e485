import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { AuditEntry, AuditLog, NewAuditEntry } from "./audit-log.js";

/**
 * Audit log as JSON Lines in a local file, each append flushed to disk (fsync) before it returns.
 * Appends are serialised in-process so sequence numbers are gap-free.
 */
export class FileAuditLog implements AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private lastSeq = -1;

  private constructor(private readonly path: string) {}

  /** Opens (creating if needed) the log at path and reads its last sequence number. */
  static async open(path: string): Promise<FileAuditLog> {
    await mkdir(dirname(path), { recursive: true });
    const log = new FileAuditLog(path);
    const entries = await log.readAll();
    log.lastSeq = entries.length === 0 ? 0 : (entries[entries.length - 1]?.seq ?? 0);
    return log;
  }

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    const run = this.tail.then(async () => {
      const full: AuditEntry = { seq: this.lastSeq + 1, at: new Date().toISOString(), ...entry };
      const handle = await open(this.path, "a");
      try {
        await handle.write(`${JSON.stringify(full)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.lastSeq = full.seq;
      return full;
    });
    // A failed append must not wedge the ones after it; the caller still sees its own failure.
    this.tail = run.catch(() => undefined);
    return run;
  }

  async recent(n: number): Promise<AuditEntry[]> {
    await this.tail;
    const entries = await this.readAll();
    return entries.slice(-n).reverse();
  }

  async checkWritable(): Promise<void> {
    const handle = await open(this.path, "a");
    await handle.close();
  }

  private async readAll(): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as AuditEntry);
  }
}
