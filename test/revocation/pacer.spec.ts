import assert from "node:assert/strict";
import { WritePacer } from "../../src/revocation/pacer.js";

/** A clock that only moves when the pacer sleeps, so every wait is exact and instant. */
function manualTime() {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
    advance: (ms: number) => (now += ms),
    slept,
  };
}

describe("WritePacer (Graph's write quota as a token bucket)", () => {
  it("spends the whole bucket at once, then keeps to the refill rate, a little under the quota", async () => {
    const t = manualTime();
    // 1,000 writes per 10 s: the pacer keeps 2% in hand, so 980 at once, then 98 per second.
    const pacer = new WritePacer({ capacity: 1000, windowMs: 10_000, now: t.now, sleep: t.sleep });
    const start = t.now();
    for (let i = 0; i < 49; i++) await pacer.take(20);
    assert.equal(t.now(), start, "the first 980 writes need no wait");
    for (let i = 0; i < 49; i++) await pacer.take(20); // 980 more at 98 per second: 10 s
    const elapsed = t.now() - start;
    assert.ok(elapsed >= 9_900 && elapsed <= 10_100, `980 more writes took ${elapsed} ms`);
    assert.equal(pacer.stats.taken, 1960);
    // Never more than the quota in any window: 1,960 writes in ~10 s is below 1,000 + 1,000.
    assert.ok(pacer.stats.taken <= 1000 + (1000 * elapsed) / 10_000);
  });

  it("hands out writes in the order asked", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 50, windowMs: 1000, now: t.now, sleep: t.sleep });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => pacer.take(20).then(() => order.push(n))));
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  it("a 429 pauses every writer for its Retry-After and halves the pace, which then creeps back", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 100, windowMs: 1000, now: t.now, sleep: t.sleep });
    await pacer.take(20);
    pacer.observeThrottle(3000);
    pacer.observeThrottle(2000); // the other batches in flight meet the same episode
    pacer.observeThrottle(3000);
    assert.equal(pacer.stats.rateFactor, 0.5, "one episode of 429s halves the pace once");
    assert.equal(pacer.stats.slowdowns, 1);
    const before = t.now();
    await pacer.take(20);
    assert.ok(t.now() - before >= 3000, "nothing is sent before the Retry-After has passed");
    assert.ok(pacer.stats.rateFactor < 1);
    for (let i = 0; i < 20; i++) await pacer.take(20);
    assert.equal(pacer.stats.rateFactor, 1, "calm writes restore the full pace");
  });

  it("slows down on x-ms-throttle-limit-percentage only when Graph counts more than this pacer spent", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 1000, windowMs: 10_000, now: t.now, sleep: t.sleep });
    for (let i = 0; i < 45; i++) await pacer.take(20); // 900 of 980 spent: 92% of its own bucket
    pacer.observePercentage(0.9); // what its own writes explain: no slowdown
    assert.equal(pacer.stats.slowdowns, 0);
    pacer.observePercentage(undefined);
    pacer.observePercentage(0.5);
    assert.equal(pacer.stats.slowdowns, 0);
    pacer.observePercentage(1.4); // someone else spends this quota too
    assert.equal(pacer.stats.slowdowns, 1);
    assert.equal(pacer.stats.rateFactor, 0.5);
    pacer.observePercentage(1.4); // at most once per twentieth of the window
    assert.equal(pacer.stats.slowdowns, 1);
    t.advance(600);
    pacer.observePercentage(1.4);
    assert.equal(pacer.stats.slowdowns, 2);
  });

  it("refuses a quota that cannot pace anything", () => {
    assert.throws(() => new WritePacer({ capacity: 0, windowMs: 1000 }), RangeError);
    assert.throws(() => new WritePacer({ capacity: 10, windowMs: 0 }), RangeError);
  });
});
