import assert from "node:assert/strict";
import { WritePacer, type PacingLogger } from "../../src/directory/pacer.js";

/**
 * Graph with several limits at once, none of them told to the pacer, each a sliding window that
 * others may spend a share of evenly; answers a batch like Graph: each item accepted only when
 * every limit has room, a refused item a 429 whose Retry-After is the whole seconds (at least 1)
 * until the refusing limit has room again. Written from Microsoft's description, not from the pacer.
 */
function graphWithLimits(limits: ReadonlyArray<{ capacity: number; windowMs: number; othersShare?: number; reads?: boolean }>) {
  const state = limits.map((l) => ({ ...l, log: [] as number[], head: 0, othersAt: Number.NaN }));
  let accepted = 0;
  let throttled = 0;
  const inWindow = (s: (typeof state)[number], now: number) => {
    while (s.head < s.log.length && s.log[s.head] <= now - s.windowMs) s.head++;
    return s.log.length - s.head;
  };
  const others = (now: number) => {
    for (const s of state) {
      const share = s.othersShare ?? 0;
      if (share === 0) continue;
      const every = s.windowMs / (s.capacity * share);
      if (Number.isNaN(s.othersAt)) s.othersAt = now - s.windowMs;
      while (s.othersAt + every <= now) {
        s.othersAt += every;
        if (inWindow(s, s.othersAt) < s.capacity) s.log.push(s.othersAt);
      }
    }
  };
  /** `n` requests; a read counts only in the limits on reads and writes together (`reads`: resource units, one each). */
  const send = (now: number, n: number, read: boolean): { ok: number; retryAfterMs?: number; information?: string } => {
    others(now);
    let ok = 0;
    let retryAfterMs: number | undefined;
    let information: string | undefined;
    const counting = state.filter((s) => !read || s.reads === true);
    for (let i = 0; i < n; i++) {
      const full = counting.filter((s) => inWindow(s, now) >= s.capacity);
      if (full.length === 0) {
        for (const s of counting) s.log.push(now);
        ok++;
        continue;
      }
      const wait = Math.max(...full.map((s) => s.log[s.head] + s.windowMs - now));
      retryAfterMs = Math.max(1, Math.ceil(wait / 1000)) * 1000;
      information = full.some((s) => s.reads === true) ? "ResourceUnitLimitExceeded" : "WriteLimitExceeded";
    }
    accepted += ok;
    throttled += n - ok;
    return { ok, retryAfterMs, information };
  };
  return {
    write: (now: number, n: number) => send(now, n, false),
    read: (now: number, n: number) => send(now, n, true),
    get accepted() {
      return accepted;
    },
    get throttled() {
      return throttled;
    },
  };
}

/**
 * Virtual time with real concurrency: sleepers wake in time order, and the clock jumps to the
 * next wake-up once every runnable promise has settled.
 */
function virtualTime() {
  let now = 1_000_000;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: now + Math.max(0, ms), resolve })),
    async runUntil(done: Promise<unknown>): Promise<void> {
      let finished = false;
      void done.then(() => (finished = true));
      for (;;) {
        await settle();
        if (finished) return;
        timers.sort((x, y) => x.at - y.at);
        const next = timers.shift();
        if (next === undefined) continue;
        now = Math.max(now, next.at);
        next.resolve();
      }
    },
  };
}

/**
 * Sends `total` writes as the job runner does: four workers, batches of 20, a 5-ms round trip,
 * refused items retried by the same worker (GraphBatchCalls); returns the figures.
 */
async function run(pacer: WritePacer, graph: ReturnType<typeof graphWithLimits>, t: ReturnType<typeof virtualTime>, total: number, options: { verify?: boolean } = {}) {
  let handed = 0;
  let longestGap = 0;
  let last: number | undefined;
  const start = t.now();
  const worker = async (): Promise<void> => {
    while (handed < total) {
      let pending = Math.min(20, total - handed);
      handed += pending;
      while (pending > 0) {
        const sending = await pacer.takeSome(pending);
        if (last !== undefined) longestGap = Math.max(longestGap, t.now() - last);
        last = t.now();
        const answer = graph.write(t.now(), sending);
        await t.sleep(5); // the round trip
        const refused = sending - answer.ok;
        pacer.observeAnswer(refused);
        if (answer.retryAfterMs !== undefined) pacer.observeThrottle(answer.retryAfterMs, refused, undefined, "write", answer.information);
        pending -= answer.ok;
        if (options.verify === true) await readBack(answer.ok);
      }
    }
  };
  // The job runner's verification: the revoked users read back, paced as reads (GraphBatchCalls.read).
  const readBack = async (n: number): Promise<void> => {
    let pending = n;
    while (pending > 0) {
      await pacer.takeReads(pending);
      const answer = graph.read(t.now(), pending);
      await t.sleep(5);
      const refused = pending - answer.ok;
      pacer.observeAnswer(refused, "read");
      if (answer.retryAfterMs !== undefined) pacer.observeThrottle(answer.retryAfterMs, refused, undefined, "read", answer.information);
      pending -= answer.ok;
    }
  };
  const all = Promise.all([worker(), worker(), worker(), worker()]);
  await t.runUntil(all);
  return { elapsed: t.now() - start, longestGap, share429: graph.throttled / (graph.accepted + graph.throttled) };
}

/** The least time "never more than `left` in any window" allows: `left` at once, then `left` per window. */
const minimumMs = (total: number, left: number, windowMs: number) => Math.max(0, Math.ceil(total / left) - 1) * windowMs;

describe("WritePacer learns the limit that binds from Graph's answers", () => {
  // Told 30,000 per 150 s (a ceiling); Graph's binding limit is tighter and is never told.
  const cases = [
    { capacity: 600, windowMs: 5000 },
    { capacity: 700, windowMs: 10_000 },
    { capacity: 2000, windowMs: 60_000 },
    { capacity: 3000, windowMs: 150_000 },
    { capacity: 4000, windowMs: 300_000 },
  ];
  for (const binding of cases) {
    it(`${binding.capacity} per ${binding.windowMs / 1000} s binds: ≥ 0.8 of it, ≤ 5% of writes answered 429`, async () => {
      const t = virtualTime();
      const graph = graphWithLimits([binding]);
      const pacer = new WritePacer({ capacity: 30_000, windowMs: 150_000, now: t.now, sleep: t.sleep, random: () => 0.5 });
      const total = binding.capacity * 8;
      const { elapsed, share429 } = await run(pacer, graph, t, total);
      const fraction = minimumMs(total, binding.capacity, binding.windowMs) / elapsed;
      process.stdout.write(`      ${(fraction * 100).toFixed(1)}% of the limit, ${(share429 * 100).toFixed(1)}% 429s, learned ${JSON.stringify(pacer.stats.learned)}\n`);
      assert.ok(fraction >= 0.8, `throughput ${fraction.toFixed(3)} of the binding limit`);
      assert.ok(share429 <= 0.05, `429s ${(share429 * 100).toFixed(1)}% of writes`);
    });
  }

  it("a limit others fill (the tenant's, over all apps) with a window longer than told: ≥ 0.8 of the share left, ≤ 5% 429s", async () => {
    const t = virtualTime();
    const binding = { capacity: 18_000, windowMs: 60_000, othersShare: 0.7 };
    const graph = graphWithLimits([binding]);
    const pacer = new WritePacer({ capacity: 3000, windowMs: 15_000, now: t.now, sleep: t.sleep, random: () => 0.5 });
    const total = 20_000;
    const { elapsed, share429 } = await run(pacer, graph, t, total);
    const fraction = minimumMs(total, 5400, binding.windowMs) / elapsed;
    process.stdout.write(`      ${(fraction * 100).toFixed(1)}% of the share left, ${(share429 * 100).toFixed(1)}% 429s, learned ${JSON.stringify(pacer.stats.learned)}\n`);
    assert.ok(fraction >= 0.8, `throughput ${fraction.toFixed(3)} of the share left`);
    assert.ok(share429 <= 0.05, `429s ${(share429 * 100).toFixed(1)}% of writes`);
  });

  it("a resource-unit limit counting reads and writes, filled by the job's unpaced reads just before: ≥ 0.8 of it, ≤ 5% 429s", async () => {
    const t = virtualTime();
    // bench:bulk (c): 2,000 units per 10 s; told 3,000 writes per 5 s; each user a write and a read back.
    const binding = { capacity: 2000, windowMs: 10_000, reads: true };
    const graph = graphWithLimits([binding]);
    // The department's resolution reads (outside the pacer), a second before the job's first write:
    // the first 429's window (the run so far plus the Retry-After) is shorter than Graph's.
    for (let i = 0; i < 8; i++) graph.read(t.now() - 1100 + i * 50, 50);
    const pacer = new WritePacer({ capacity: 3000, windowMs: 5000, now: t.now, sleep: t.sleep, random: () => 0.5 });
    const users = 6000;
    const { elapsed, share429 } = await run(pacer, graph, t, users, { verify: true });
    const fraction = minimumMs(2 * users, binding.capacity, binding.windowMs) / elapsed;
    process.stdout.write(`      ${(fraction * 100).toFixed(1)}% of the limit, ${(share429 * 100).toFixed(1)}% 429s, learned ${JSON.stringify(pacer.stats.learnedRequests)}\n`);
    assert.ok(fraction >= 0.8, `throughput ${fraction.toFixed(3)} of the binding limit`);
    assert.ok(share429 <= 0.05, `429s ${(share429 * 100).toFixed(1)}% of requests`);
  });

  it("never pauses longer than the Retry-After after a 429, whatever the configured window", async () => {
    let now = 1_000_000;
    const t = { now: () => now, sleep: (ms: number) => Promise.resolve(void (now += ms)) };
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep, random: () => 0.99 });
    await pacer.take(20);
    pacer.observeAnswer(20);
    pacer.observeThrottle(3000, 20);
    const before = t.now();
    await pacer.take(20);
    const paused = t.now() - before;
    assert.ok(paused >= 3000 && paused <= 3300 + 1, `paused ${paused} ms for a Retry-After of 3 s`);
  });

  it("after a 429 one write goes first, and more follow only as Graph accepts them (1, 4, 16, then whole batches)", async () => {
    let now = 1_000_000;
    const t = { now: () => now, sleep: (ms: number) => Promise.resolve(void (now += ms)) };
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep, random: () => 0 });
    for (let i = 0; i < 5; i++) assert.equal(await pacer.takeSome(20), 20);
    pacer.observeAnswer(0);
    pacer.observeAnswer(20);
    pacer.observeThrottle(1000, 20);
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      sizes.push(await pacer.takeSome(20));
      pacer.observeAnswer(0);
    }
    assert.deepEqual(sizes, [1, 4, 16, 20, 20]);
    // A refused probe starts again from one write.
    pacer.observeAnswer(20);
    pacer.observeThrottle(1000, 20);
    assert.equal(await pacer.takeSome(20), 1);
    pacer.observeAnswer(1);
    pacer.observeThrottle(1000, 1);
    assert.equal(await pacer.takeSome(20), 1);
    // A caller that takes for someone else to send (the job runner) leaves the grant to be claimed.
    pacer.observeAnswer(0);
    await pacer.take(20);
    assert.equal(pacer.claimGrant(20), 4);
    assert.equal(pacer.claimGrant(20), 20, "claimed once");
  });

  it("a read's clean answer does not end a write probe: the other writers wait for the probe's own answer", async () => {
    let now = 1_000_000;
    const sleeps: Array<() => void> = [];
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: () => now, sleep: () => new Promise<void>((resolve) => sleeps.push(resolve)), random: () => 0 });
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) await pacer.takeSome(20);
    pacer.observeAnswer(20);
    pacer.observeThrottle(1000, 20);
    now += 2000;
    assert.equal(await pacer.takeSome(20), 1, "the probe");
    let next: number | undefined;
    void pacer.takeSome(20).then((n) => (next = n));
    await settle();
    assert.equal(next, undefined, "waits for the probe's answer");
    pacer.observeAnswer(0, "read");
    await settle();
    assert.equal(next, undefined, "a verification read's answer says nothing about the write limit");
    pacer.observeAnswer(0, "write");
    await settle();
    assert.equal(next, 4, "the probe's own answer lets the next, larger probe go");
  });

  it("a learned limit holds writes back no longer than the longest Retry-After; then one write goes past it, raising it when Graph accepts it", async () => {
    let now = 1_000_000;
    const t = { now: () => now, sleep: (ms: number) => Promise.resolve(void (now += ms)) };
    const lines: string[] = [];
    const logger: PacingLogger = { debug: (_obj, msg) => lines.push(msg), error: (_obj, msg) => lines.push(msg) };
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep, random: () => 0, logger });
    for (let i = 0; i < 5; i++) await pacer.takeSome(20);
    now += 30_000;
    for (let i = 0; i < 5; i++) await pacer.takeSome(20);
    pacer.observeAnswer(20);
    pacer.observeThrottle(1000, 20);
    const learned = pacer.stats.learned;
    assert.deepEqual(learned, { capacity: 171, windowMs: 31_000 }, "the 180 accepted, less 5%, per the run plus the Retry-After");
    // After the Retry-After, probes and batches until the learned 171 per 31 s is full.
    let sent = await pacer.takeSome(20);
    assert.equal(sent, 1, "the probe after the Retry-After");
    pacer.observeAnswer(0);
    for (;;) {
      const before = now;
      const n = await pacer.takeSome(20);
      if (now - before >= 1000) {
        assert.ok(now - before <= 2000 + 1, `held back ${now - before} ms: the Retry-After (1 s) and then no longer than it`);
        assert.equal(n, 1, "one write past the learned limit");
        break;
      }
      sent += n;
      pacer.observeAnswer(0);
      assert.ok(sent <= 1000, `${sent} sent: the learned limit never held them back`);
    }
    assert.ok(lines.some((l) => l.includes("no longer than the longest Retry-After")), "the capped wait is logged");
    // Graph accepts it, and the next ones, twice as many each time and at once, until the window holds more than learned.
    const before = now;
    const sizes: number[] = [];
    for (let i = 0; i < 20 && (pacer.stats.learned?.capacity ?? 0) <= 171; i++) {
      pacer.observeAnswer(0);
      if ((pacer.stats.learned?.capacity ?? 0) > 171) break;
      sizes.push(await pacer.takeSome(20));
    }
    assert.equal(now, before, "no waiting while Graph accepts them");
    assert.deepEqual(sizes.slice(0, 3), [2, 4, 8], "past the learned limit, twice as many each time Graph accepts them");
    const raised = pacer.stats.learned?.capacity ?? 0;
    assert.ok(raised > 171, "Graph accepted more than the learned limit holds: it is raised");
    assert.ok((await pacer.takeSome(20)) > 1);
    pacer.observeAnswer(1);
    pacer.observeThrottle(1000, 1);
    assert.equal(pacer.stats.learned?.capacity, raised, "a refused write past the limit confirms it, and does not cut it");
  });

  it("reads wait out Graph's Retry-After, and a read's 429 teaches a limit on reads and writes together (resource units)", async () => {
    let now = 1_000_000;
    const t = { now: () => now, sleep: (ms: number) => Promise.resolve(void (now += ms)) };
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep, random: () => 0 });
    for (let i = 0; i < 5; i++) await pacer.take(20);
    for (let i = 0; i < 5; i++) await pacer.takeReads(20);
    pacer.observeAnswer(20);
    pacer.observeThrottle(4000, 20, "Tenant_Application/ReadWrite/app/tenant", "read", "ResourceUnitLimitExceeded");
    assert.equal(pacer.stats.learned, null, "the write limit learned nothing");
    assert.deepEqual(pacer.stats.learnedRequests, { capacity: 171, windowMs: 4000 }, "the 200 reads and writes, less the 20 refused, less 5%, per the run plus the Retry-After");
    const before = now;
    await pacer.takeReads(20);
    assert.ok(now - before >= 4000 && now - before < 4500, `a read waited ${now - before} ms for a Retry-After of 4 s`);
    pacer.observeAnswer(0);
    // A window without a 429 inside it has passed: the estimate grew by half (256). The read and 12
    // batches of writes are 260: the 13th waits for the next window.
    for (let i = 0; i < 13; i++) await pacer.take(20);
    assert.ok((pacer.stats.learnedRequests?.capacity ?? 0) > 171, "windows without a 429 grow it");
    assert.ok(now - before >= 8000, `writes count against the learned limit on reads and writes (${now - before} ms)`);
  });

  it("logs why it waits, how long and which limit at debug level", async () => {
    const t = virtualTime();
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const logger: PacingLogger = { debug: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }), error: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) };
    const graph = graphWithLimits([{ capacity: 100, windowMs: 5000 }]);
    const pacer = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep, logger });
    await run(pacer, graph, t, 400);
    assert.ok(lines.some((l) => l.msg.includes("Retry-After") && typeof l.obj.waitMs === "number" && String(l.obj.limit).startsWith("Retry-After")));
    assert.ok(lines.some((l) => l.msg.includes("room in a window") && String(l.obj.limit).startsWith("learned from Graph")));
    assert.ok(lines.some((l) => l.msg.includes("probe") && l.msg.startsWith("pacing: waiting")), "the wait for a probe's answer");
    // Every kind of wait says how long and what for.
    const waits = lines.filter((l) => l.msg.startsWith("pacing: waiting"));
    for (const l of waits) assert.ok(typeof l.obj.waitMs === "number" && typeof l.obj.limit === "string" && l.obj.limit !== "", `"${l.msg}" gives its length and its limit: ${JSON.stringify(l.obj)}`);
    assert.ok(!lines.some((l) => l.msg.startsWith("pacing bug")), "no pause beyond what was asked");
  });

  it("a resumed job's new pacer, meeting a window its predecessor filled, reaches ≥ 0.8 of the limit within a few windows", async () => {
    const t = virtualTime();
    const binding = { capacity: 600, windowMs: 5000 };
    const graph = graphWithLimits([binding]);
    await run(new WritePacer({ capacity: 3000, windowMs: 15_000, now: t.now, sleep: t.sleep }), graph, t, 3000);
    // Killed: a new process resumes at once, with the window still full of the old one's writes.
    const second = new WritePacer({ capacity: 3000, windowMs: 15_000, now: t.now, sleep: t.sleep, random: () => 0.5 });
    const before = { accepted: graph.accepted, throttled: graph.throttled };
    const { elapsed } = await run(second, graph, t, 6000);
    const fraction = minimumMs(6000, binding.capacity, binding.windowMs) / elapsed;
    const share429 = (graph.throttled - before.throttled) / (graph.accepted - before.accepted + graph.throttled - before.throttled);
    process.stdout.write(`      ${(fraction * 100).toFixed(1)}% of the limit, ${(share429 * 100).toFixed(1)}% 429s after the restart\n`);
    assert.ok(fraction >= 0.8, `throughput ${fraction.toFixed(3)} of the binding limit`);
    assert.ok(share429 <= 0.05, `429s ${(share429 * 100).toFixed(1)}% of writes`);
  });

  it("a new pacer (a resumed job in a new process) starts at the ceilings, not at what an earlier one learned", async () => {
    const t = virtualTime();
    const graph = graphWithLimits([{ capacity: 300, windowMs: 5000 }]);
    const first = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep });
    await run(first, graph, t, 1000);
    assert.ok(first.stats.learned !== null);
    const second = new WritePacer({ capacity: 3000, windowMs: 150_000, now: t.now, sleep: t.sleep });
    assert.equal(second.stats.learned, null);
  });
});
