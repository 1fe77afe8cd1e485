import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { Auditor, type AuditSink } from "../../src/audit/auditor.js";
import { FileAuditLog } from "../../src/audit/file-audit-log.js";
import { MemoryAuditLog } from "../fakes/memory-audit-log.js";

describe("FileAuditLog", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "audit-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("appends gap-free sequence numbers, even concurrently, and continues after reopening", async () => {
    const path = join(dir, "audit.jsonl");
    const log = await FileAuditLog.open(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append({ actor: null, action: "request.created", requestId: `R-${i}`, details: {} })));
    const reopened = await FileAuditLog.open(path);
    const next = await reopened.append({ actor: null, action: "request.expired", requestId: null, details: {} });
    assert.equal(next.seq, 21);
    const seqs = readFileSync(path, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as AuditEntry).seq);
    assert.deepEqual(seqs, Array.from({ length: 21 }, (_, i) => i + 1));
    assert.deepEqual((await reopened.recent(2)).map((e) => e.seq), [21, 20]);
  });
});

describe("Auditor", () => {
  const logger = pino({ level: "silent" });

  it("keeps entries in order while no audit channel is known, then delivers them all", async () => {
    const delivered: number[] = [];
    let known = false;
    const sink: AuditSink = {
      deliver: (e) => {
        if (!known) return Promise.resolve(false);
        delivered.push(e.seq);
        return Promise.resolve(true);
      },
    };
    const auditor = new Auditor(new MemoryAuditLog(), sink, logger, 5);
    for (let i = 0; i < 3; i++) await auditor.record({ actor: null, action: "request.created", requestId: null, details: {} });
    await auditor.idle();
    assert.deepEqual(delivered, []);
    assert.equal(auditor.undelivered, 3);
    known = true;
    auditor.kick();
    await auditor.idle();
    assert.deepEqual(delivered, [1, 2, 3]);
  });

  it("retries a failed delivery with backoff, one post per entry", async () => {
    const delivered: number[] = [];
    let failures = 2;
    const sink: AuditSink = {
      deliver: (e) => {
        if (failures > 0) {
          failures--;
          return Promise.reject(new Error("503"));
        }
        delivered.push(e.seq);
        return Promise.resolve(true);
      },
    };
    const auditor = new Auditor(new MemoryAuditLog(), sink, logger, 5);
    await auditor.record({ actor: null, action: "request.created", requestId: null, details: {} });
    await auditor.record({ actor: null, action: "request.approved", requestId: null, details: {} });
    const until = Date.now() + 5000;
    while (delivered.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(delivered, [1, 2]);
    auditor.stop();
  });
});
