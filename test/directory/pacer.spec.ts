import assert from "node:assert/strict";
import { WritePacer } from "../../src/directory/pacer.js";
import { maxInAnyWindow } from "../support/windows.js";

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


/**
 * Graph's write quota as a sliding window shared with a neighbour who spends `neighbourShare` of
 * it evenly; answers each batch of writes like Graph (429 with Retry-After past the quota, the
 * limit percentage above 0.8). Written here from the documented behaviour, not from the pacer.
 */
function slidingGraph(capacity: number, windowMs: number, neighbourShare: number) {
  // One timestamp per accepted write, anyone's, in time order (the neighbour's are added up to
  // `now` before the app's): the window is log[head…].
  const log: number[] = [];
  let head = 0;
  let neighbourAt = 0;
  let accepted = 0;
  let throttled = 0;
  let neighbourTried = 0;
  let neighbourRefused = 0;
  const inWindow = (now: number) => {
    while (head < log.length && log[head] <= now - windowMs) head++;
    return log.length - head;
  };
  const neighbour = (now: number) => {
    if (neighbourShare === 0) return;
    const every = windowMs / (capacity * neighbourShare);
    neighbourAt ||= now - windowMs;
    while (neighbourAt + every <= now) {
      neighbourAt += every;
      neighbourTried++;
      if (inWindow(neighbourAt) < capacity) log.push(neighbourAt);
      else neighbourRefused++;
    }
  };
  return {
    write(now: number, n: number): { ok: number; retryAfterMs?: number; percentage?: number } {
      neighbour(now);
      let ok = 0;
      for (let i = 0; i < n; i++) {
        if (inWindow(now) < capacity) {
          log.push(now);
          ok++;
        }
      }
      accepted += ok;
      throttled += n - ok;
      const usage = inWindow(now) / capacity + (n - ok) / capacity;
      if (ok < n) return { ok, retryAfterMs: Math.max(1000, log[head] + windowMs - now), percentage: usage };
      return { ok, percentage: usage > 0.8 ? usage : undefined };
    },
    get accepted() {
      return accepted;
    },
    get throttled() {
      return throttled;
    },
    /** The neighbour's writes refused because the pacer took its share. */
    get neighbourRefusedShare() {
      return neighbourTried === 0 ? 0 : neighbourRefused / neighbourTried;
    },
  };
}

describe("WritePacer (never more than the quota in any window)", () => {
  it("sends the first quota at once, then each write when the one a quota earlier leaves the window", async () => {
    const t = manualTime();
    // 1,000 writes per 10 s: 1,000 at once, then 1,000 per window (and a jitter margin of 100 ms).
    const pacer = new WritePacer({ capacity: 1000, windowMs: 10_000, now: t.now, sleep: t.sleep });
    const start = t.now();
    const sends: Array<[number, number]> = [];
    for (let i = 0; i < 50; i++) {
      await pacer.take(20);
      sends.push([t.now(), 20]);
    }
    assert.equal(t.now(), start, "the first 1,000 writes need no wait");
    for (let i = 0; i < 100; i++) {
      await pacer.take(20);
      sends.push([t.now(), 20]);
    }
    assert.equal(pacer.stats.taken, 3000);
    const elapsed = t.now() - start;
    // Three windows' worth needs two full windows (plus the jitter margins), no less.
    assert.ok(elapsed >= 20_000 && elapsed <= 20_300, `3,000 writes took ${elapsed} ms`);
    assert.ok(maxInAnyWindow(sends, 10_000) <= 1000, `at most the quota in any window (saw ${maxInAnyWindow(sends, 10_000)})`);
  });

  it("a token bucket's second bucketful in the first window is exactly what it does not send", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 100, windowMs: 1000, now: t.now, sleep: t.sleep });
    const sends: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) {
      await pacer.take(10);
      sends.push([t.now(), 10]);
    }
    assert.ok(maxInAnyWindow(sends, 1000) <= 100);
    // A bucket refilling at 100/s would have sent 190 by 1 s; the window allows 100.
    assert.ok(sends.filter(([at]) => at < sends[0][0] + 1000).reduce((a, [, n]) => a + n, 0) <= 100);
  });

  it("honours tighter limits too (e.g. per tenant over all apps)", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 1000, windowMs: 1000, extraLimits: [{ capacity: 200, windowMs: 5000 }], now: t.now, sleep: t.sleep });
    const sends: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) {
      await pacer.take(20);
      sends.push([t.now(), 20]);
    }
    assert.ok(maxInAnyWindow(sends, 5000) <= 200, `at most 200 in any 5 s (saw ${maxInAnyWindow(sends, 5000)})`);
  });

  it("hands out writes in the order asked", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 50, windowMs: 1000, now: t.now, sleep: t.sleep });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => pacer.take(20).then(() => order.push(n))));
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  it("a 429 pauses every writer for its Retry-After, once per episode, and learns what was accepted as the limit", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 100, windowMs: 1000, now: t.now, sleep: t.sleep, random: () => 0 });
    await pacer.take(20);
    await pacer.take(20);
    pacer.observeThrottle(3000);
    pacer.observeThrottle(2000); // the other batches in flight meet the same episode
    pacer.observeThrottle(3000);
    assert.equal(pacer.stats.slowdowns, 1, "one episode of 429s counts once");
    assert.deepEqual(pacer.stats.learned, { capacity: 38, windowMs: 3000 }, "its own 40 writes (less 5%) per the run so far plus the Retry-After");
    const before = t.now();
    await pacer.take(20);
    assert.ok(t.now() - before >= 3000 && t.now() - before <= 3200, "nothing is sent before the Retry-After has passed, and nothing waits much longer");
    for (let i = 0; i < 400; i++) await pacer.take(20);
    assert.equal(pacer.stats.learned, null, "with no further 429 the learned limit grows until the configured quota binds first");
  });

  it("a Retry-After far shorter than the configured window: the next write goes right after it, not a window later", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep, random: () => 0 });
    for (let i = 0; i < 10; i++) await pacer.take(20);
    pacer.observeThrottle(1000, 20);
    assert.deepEqual(pacer.stats.learned, { capacity: 171, windowMs: 1000 });
    const before = t.now();
    for (let i = 0; i < 5; i++) await pacer.take(20);
    assert.ok(t.now() - before >= 1000 && t.now() - before < 2000, "waits out the Retry-After, then goes on at once");
  });

  it("reads x-ms-throttle-limit-percentage against its own count once a 429 showed the configured window binds", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 1000, windowMs: 10_000, now: t.now, sleep: t.sleep, random: () => 0 });
    for (let i = 0; i < 45; i++) await pacer.take(20); // 900 of its own in the window
    pacer.observePercentage(0.95); // before any 429 the percentage may be any limit's: ignored
    assert.equal(pacer.stats.rateFactor, 1);
    pacer.observeThrottle(10_000); // the configured window: 900 writes, then refill in 10 s
    assert.equal(pacer.stats.slowdowns, 1);
    pacer.observePercentage(0.9); // what its own writes explain
    pacer.observePercentage(undefined);
    pacer.observePercentage(0.5);
    pacer.observePercentage(1.4); // above 1.0 Graph refuses writes: its 429s speak, not this
    assert.equal(pacer.stats.slowdowns, 1);
    assert.equal(pacer.stats.rateFactor, 1);
    t.advance(10_200); // its 900 have left the window
    for (let i = 0; i < 10; i++) await pacer.take(20); // 200 of its own
    pacer.observePercentage(0.9); // 900 counted, 200 its own: others spend 700
    assert.equal(pacer.stats.slowdowns, 2);
    // What they leave, less 2.5% of the quota: their pace varies.
    assert.ok(Math.abs(pacer.stats.rateFactor - 0.275) < 0.01, `budget is what the others leave (factor ${pacer.stats.rateFactor})`);
    pacer.observePercentage(0.85); // others now spend 650
    assert.ok(Math.abs(pacer.stats.rateFactor - 0.325) < 0.01, `budget follows the others down and up (factor ${pacer.stats.rateFactor})`);
  });

  it("ignores the percentage when the limit that binds is not the configured one (a short Retry-After)", async () => {
    const t = manualTime();
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep });
    for (let i = 0; i < 5; i++) await pacer.take(20);
    pacer.observeThrottle(1000); // Graph refills in a second: its limit is not 3,000 per 150 s
    pacer.observePercentage(1.0); // against 3,000 this would read as 2,900 of others' writes
    assert.equal(pacer.stats.rateFactor, 1);
  });

  for (const share of [0, 0.5]) {
    it(`converges to the quota ${share === 0 ? "it has to itself" : "a neighbour leaves"} with few 429s (sliding-window Graph)`, async () => {
      const t = manualTime();
      // Batches of 20 against a quota of 1,000: a batch is 2% (4% of a half share), as with Graph's 3,000.
      const capacity = 1000;
      const windowMs = 10_000;
      const graph = slidingGraph(capacity, windowMs, share);
      const pacer = new WritePacer({ capacity, windowMs, now: t.now, sleep: t.sleep });
      const total = 10_000;
      let done = 0;
      const start = t.now();
      while (done < total) {
        const n = await pacer.takeSome(Math.min(20, total - done));
        const answer = graph.write(t.now(), n);
        done += answer.ok;
        pacer.observeAnswer(n - answer.ok);
        pacer.observePercentage(answer.percentage);
        if (answer.retryAfterMs !== undefined) pacer.observeThrottle(Math.ceil(answer.retryAfterMs / 1000) * 1000, n - answer.ok);
      }
      const elapsed = t.now() - start;
      const left = capacity * (1 - share);
      // The fastest the quota (or what is left of it) allows: `left` at once, then `left` per window.
      const minimum = Math.max(0, Math.ceil(total / left) - 1) * windowMs;
      const fraction = minimum / elapsed;
      const writes = graph.accepted + graph.throttled;
      process.stdout.write(`      ${total} writes, neighbour ${share}: ${(fraction * 100).toFixed(1)}% of the maximum, ${graph.throttled} 429s of ${writes} writes\n`);
      assert.ok(graph.throttled <= writes * 0.05, `429s ${graph.throttled} of ${writes}`);
      assert.ok(graph.neighbourRefusedShare <= 0.05, `the neighbour kept its share (${(graph.neighbourRefusedShare * 100).toFixed(1)}% of its writes refused)`);
      // Goals: 0.95 of its own quota; 0.85 of what a neighbour leaves (here in whole windows).
      assert.ok(fraction >= (share === 0 ? 0.95 : 0.85), `throughput ${fraction.toFixed(2)} of the maximum`);
    });
  }

  it("refuses a quota that cannot pace anything", () => {
    assert.throws(() => new WritePacer({ capacity: 0, windowMs: 1000 }), RangeError);
    assert.throws(() => new WritePacer({ capacity: 10, windowMs: 0 }), RangeError);
    assert.throws(() => new WritePacer({ capacity: 10, windowMs: 1000, extraLimits: [{ capacity: 0, windowMs: 5 }] }), RangeError);
  });
});
