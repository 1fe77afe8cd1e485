import assert from "node:assert/strict";
import {
  assertAuditPostedOnce,
  assertChainIntact,
  assertResumedExactlyOnce,
  killMidJob,
  pickTargets,
  Stack,
  SLOW_QUOTA,
} from "./scenario.js";

const TARGETS = 50;

describe("durability: the bot killed in the middle of a revocation (SQLite)", function () {
  this.timeout(240_000);
  let stack: Stack | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && stack !== undefined) process.stderr.write(`${stack.outputs()}\n`);
    await stack?.close();
    stack = undefined;
  });

  it("a restarted process resumes the job after the lease: one outcome per target, no user revoked twice, every audit post once", async () => {
    // The bot paces its writes to a small quota (10 per 2 s), so 50 targets take several seconds:
    // time to kill the bot half-way, with batches written but not yet verified.
    stack = await Stack.start({ latencyMs: 100, env: { JOB_LEASE_SECONDS: "3", ...SLOW_QUOTA } });
    const targets = pickTargets(stack.sim, TARGETS);
    const targetIds = new Set(targets.map((t) => t.id.toLowerCase()));

    const first = await stack.startBot("first");
    await stack.setAuditChannel(first);
    // Val may request but not approve; Riley approves (four-eyes: a 50-user request needs a second person).
    const { requestId, cardId } = await stack.requestRevocation(first, "val", targets.map((t) => t.id), "durability: crash mid-job");
    assert.equal(stack.revocationsByUser().size, 0, "nothing revoked before Confirm");
    await stack.confirm(first, "riley", requestId, cardId);

    const killed = await killMidJob(stack, first, requestId, TARGETS, 10);
    // The kill landed while targets were in flight: some had reached Graph without an outcome, so
    // the resumed run must read them back rather than revoke them again.
    const atKill = stack.revocationsByUser();
    assert.ok(
      killed.inFlight.some((id) => atKill.get(id.toLowerCase()) === 1),
      `a target was revoked in Graph but had no outcome at the kill (in flight: ${killed.inFlight.length}, outcomes: ${killed.outcomes})`,
    );

    const second = await stack.startBot("second");
    await assertResumedExactlyOnce(stack, requestId, targets, killed, second);
    assert.deepEqual(
      [...stack.revocationsByUser().keys()].filter((id) => !targetIds.has(id)),
      [],
      "nobody outside the request was revoked",
    );

    await stack.waitForFinalCard(cardId, "Revocation complete", `${TARGETS} revoked and verified.`);
    await assertAuditPostedOnce(stack);

    // Stop the survivor cleanly, then check the chain as an operator would.
    await second.process.kill("SIGTERM");
    assert.equal(await second.process.exited, 0, "the second bot stops cleanly on SIGTERM");
    await assertChainIntact(stack);
  });
});
