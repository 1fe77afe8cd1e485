import assert from "node:assert/strict";
import { LearnedLimit } from "../../src/directory/learned-limit.js";

describe("LearnedLimit", () => {
  /** A limit learned at 171 per 5 s, then cut at a 429 inside it (the level of that 429: 170 accepted). */
  function cutAt170(start: number): LearnedLimit {
    const limit = new LearnedLimit("k", "writes", () => undefined);
    limit.count = 200;
    limit.throttled(start, 1000, 20, true, false, 4000);
    assert.deepEqual(limit.value, { capacity: 171, windowMs: 5000 });
    limit.count = 190;
    limit.throttled(start + 6000, 1000, 20, true, false, 10_000);
    assert.deepEqual(limit.value, { capacity: 153, windowMs: 5000 });
    return limit;
  }

  it("near the level of the last 429 grows by 1% a window while Graph says a limit is above 0.8 used", () => {
    const start = 1_000_000;
    const limit = cutAt170(start);
    const now = start + 12_000;
    limit.count = 153;
    assert.ok(limit.binds(now, 20));
    limit.grow(now, () => 1e9, now - 1000);
    assert.equal(limit.value?.capacity, 154);
  });

  it("grows by a quarter a window once Graph said nothing of limits above 0.8 for two windows (the 429's level was others')", () => {
    const start = 1_000_000;
    const limit = cutAt170(start);
    const now = start + 12_000;
    limit.count = 153;
    assert.ok(limit.binds(now, 20));
    limit.grow(now, () => 1e9, now - 10_001);
    assert.equal(limit.value?.capacity, 191);
  });
});
