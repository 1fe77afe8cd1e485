import assert from "node:assert/strict";
import { LearnedLimit } from "../../src/directory/learned-limit.js";

describe("LearnedLimit: a 429 with far fewer in the learned window than Graph took in one", () => {
  const start = 1_000_000;
  /** A window in which the learned limit held requests back and Graph answered no 429: it grows. */
  const paced = (limit: LearnedLimit, at: number): void => {
    limit.count = limit.value?.capacity ?? 0;
    assert.ok(limit.binds(at, 1), "the learned limit holds the next request back");
    limit.grow(at, () => Number.MAX_SAFE_INTEGER);
  };

  it("grows the window by the Retry-After and keeps the capacity (Graph's window is longer: it holds requests sent before the first 429's estimate)", () => {
    const limit = new LearnedLimit("k", "requests", () => undefined);
    limit.count = 200;
    limit.throttled(start, 1000, 0, true, false, 1000);
    assert.deepEqual(limit.value, { capacity: 190, windowMs: 2000 }, "first 429: the 200 accepted less 5%, per the run plus the Retry-After");
    limit.count = 100;
    limit.throttled(start + 5000, 1000, 0, true, false, 6000);
    assert.deepEqual(limit.value, { capacity: 190, windowMs: 3000 }, "refused with 100 where Graph took 190: the window grows by the Retry-After");
    limit.count = 20;
    limit.throttled(start + 9000, 5000, 0, true, false, 10_000);
    assert.deepEqual(limit.value, { capacity: 190, windowMs: 6000 }, "at most doubling");
  });

  it("cuts the capacity instead when it grew untried past what Graph took", () => {
    const limit = new LearnedLimit("k", "requests", () => undefined);
    limit.count = 200;
    limit.throttled(start, 1000, 0, true, false, 1000);
    paced(limit, start + 2000);
    assert.deepEqual(limit.value, { capacity: 285, windowMs: 2000 }, "half again while no 429 came inside a learned window");
    limit.count = 150;
    limit.throttled(start + 3000, 1000, 0, true, false, 3000);
    assert.deepEqual(limit.value, { capacity: 135, windowMs: 2000 }, "285 was never accepted: less per window (0.9 of the 150 accepted)");
  });
});
