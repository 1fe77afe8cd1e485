/**
 * OutcomeRecorder (src/revocation/outcomes.ts): batches' outcomes that arrive while a record is
 * being committed go together into the next one; every caller learns when its own are committed,
 * or that they failed.
 */
import assert from "node:assert/strict";
import type { NewAuditEntry } from "../../src/audit/audit-log.js";
import { OutcomeRecorder } from "../../src/revocation/outcomes.js";
import type { TargetOutcome } from "../../src/domain/outcome.js";

type Item = { outcome: TargetOutcome; audit: NewAuditEntry };

function item(userId: string): Item {
  return {
    outcome: { userId, status: "revoked_verified", detail: "Sessions valid from now.", sessionsValidFrom: "2026-11-01T09:00:00Z", disabled: false, at: "2026-11-01T09:00:01Z" },
    audit: { actor: null, action: "target.outcome", requestId: "R-1", details: { id: userId } },
  };
}

/** A store whose commits finish only when the test lets them. */
function slowStore(fail = false) {
  const calls: string[][] = [];
  const pending: Array<() => void> = [];
  return {
    calls,
    commitOne: async () => {
      while (pending.length === 0) await new Promise((r) => setImmediate(r));
      pending.shift()?.();
    },
    recordOutcomes: (requestId: string, items: readonly Item[]): Promise<number> => {
      assert.equal(requestId, "R-1");
      calls.push(items.map((i) => i.outcome.userId));
      return new Promise((resolve, reject) => pending.push(() => (fail ? reject(new Error("disk full")) : resolve(items.length))));
    },
  };
}

describe("OutcomeRecorder", () => {
  it("commits the batches that arrive during a commit together, in order, and resolves each once its own are in", async () => {
    const store = slowStore();
    const recorder = new OutcomeRecorder(store, "R-1");
    const settled: string[] = [];
    const first = recorder.record([item("a"), item("b")]).then(() => settled.push("first"));
    await new Promise((r) => setImmediate(r));
    const second = recorder.record([item("c")]).then(() => settled.push("second"));
    const third = recorder.record([item("d"), item("e")]).then(() => settled.push("third"));
    assert.deepEqual(store.calls, [["a", "b"]], "the first commit is under way; the others wait");
    await store.commitOne();
    await first;
    assert.deepEqual(settled, ["first"]);
    await store.commitOne();
    await Promise.all([second, third]);
    assert.deepEqual(store.calls, [["a", "b"], ["c", "d", "e"]]);
    assert.deepEqual(settled, ["first", "second", "third"]);
  });

  it("rejects every batch of a commit that failed, and records later ones afresh", async () => {
    const store = slowStore(true);
    const recorder = new OutcomeRecorder(store, "R-1");
    const first = recorder.record([item("a")]);
    await store.commitOne();
    await assert.rejects(first, /disk full/);
    const again = recorder.record([item("b")]);
    await store.commitOne();
    await assert.rejects(again, /disk full/);
    assert.deepEqual(store.calls, [["a"], ["b"]]);
  });
});
