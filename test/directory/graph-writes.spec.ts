import assert from "node:assert/strict";
import pino from "pino";
import { AppError } from "../../src/errors.js";
import type { BatchAnswer } from "../../src/directory/graph-batch.js";
import { GraphBatchCalls } from "../../src/directory/graph-writes.js";
import { WritePacer } from "../../src/directory/pacer.js";

function manualPacer(): WritePacer {
  let now = 1_000_000;
  return new WritePacer({ capacity: 3000, windowMs: 150_000, now: () => now, sleep: (ms) => Promise.resolve(void (now += ms)), random: () => 0 });
}

/** 100 writes sent, the last 20 refused with Retry-After 1 s: the pacer's next grant is a probe of one. */
async function meet429(pacer: WritePacer): Promise<void> {
  for (let i = 0; i < 5; i++) await pacer.takeSome(20);
  pacer.observeAnswer(0);
  pacer.observeAnswer(20);
  pacer.observeThrottle(1000, 20);
}

const ids = Array.from({ length: 20 }, (_, i) => `user-${i}`);
const throttled = (userId: string) => ({ userId, ok: false, error: new AppError("GraphThrottled", "Microsoft Graph is throttling the bot; try again in a minute.", { retryAfterSeconds: 1 }), retryAfterMs: 1000 });

describe("GraphBatchCalls sends what the pacer grants", () => {
  it("a prepaid batch taken as the probe after a 429 goes one write first, then more as Graph accepts them, every user once", async () => {
    const pacer = manualPacer();
    await meet429(pacer);
    const calls = new GraphBatchCalls(pacer, [], pino({ level: "silent" }));
    // As the job runner: the take first, the send later through GraphBatchCalls.
    await pacer.take(20);
    const sent: string[][] = [];
    const result = await calls.write(
      ids,
      (batch) => {
        sent.push([...batch]);
        return Promise.resolve<BatchAnswer>({ items: batch.map((userId) => ({ userId, ok: true })), throttled: 0 });
      },
      true,
    );
    assert.deepEqual(
      sent.map((b) => b.length),
      [1, 4, 15],
    );
    assert.deepEqual(result.ok, ids, "every user written once, in order");
    assert.equal(result.failed.size, 0);
  });

  it("probes refused again and again (a full window) fail no user: each is retried in turn, every user gets written", async () => {
    const pacer = manualPacer();
    await meet429(pacer);
    const calls = new GraphBatchCalls(pacer, [], pino({ level: "silent" }));
    let sends = 0;
    const result = await calls.write(ids, (batch) => {
      sends++;
      // Graph refuses the first 30 sends (probes of one), then accepts.
      if (sends <= 30) return Promise.resolve<BatchAnswer>({ items: batch.map(throttled), throttled: batch.length });
      return Promise.resolve<BatchAnswer>({ items: batch.map((userId) => ({ userId, ok: true })), throttled: 0 });
    });
    assert.equal(result.failed.size, 0, "no user failed");
    assert.deepEqual([...result.ok].sort(), [...ids].sort(), "every user written once");
  });

  it("a user Graph keeps refusing fails after its own retries, and none is lost", async () => {
    const pacer = manualPacer();
    await meet429(pacer);
    const calls = new GraphBatchCalls(pacer, [], pino({ level: "silent" }));
    const result = await calls.write(ids, (batch) => Promise.resolve<BatchAnswer>({ items: batch.map(throttled), throttled: batch.length }));
    assert.equal(result.ok.length, 0);
    assert.deepEqual([...result.failed.keys()].sort(), [...ids].sort(), "every user has an outcome");
    for (const error of result.failed.values()) assert.equal(error.code, "GraphThrottled");
  });

  it("a backoff after a failed batch (5xx, network) is logged at debug with its length and why", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const calls = new GraphBatchCalls(manualPacer(), [1], logger);
    let sends = 0;
    const result = await calls.write(ids.slice(0, 2), (batch) => {
      sends++;
      if (sends === 1) return Promise.reject(new Error("socket hang up"));
      return Promise.resolve<BatchAnswer>({ items: batch.map((userId) => ({ userId, ok: true })), throttled: 0 });
    });
    assert.equal(result.ok.length, 2);
    const wait = lines.find((l) => String(l.msg).startsWith("pacing: waiting before retrying"));
    assert.ok(wait !== undefined && typeof wait.waitMs === "number" && String(wait.limit).includes("backoff"), JSON.stringify(lines));
  });
});
