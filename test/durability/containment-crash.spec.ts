import assert from "node:assert/strict";
import { assertResumedExactlyOnce, auditRows, pickTargets, snapshot, Stack, SLOW_QUOTA, waitUntil, type KillPoint } from "./scenario.js";

const TARGETS = 30;

describe("durability: the bot killed in the middle of a revocation with --reset-password --confirm-compromised (SQLite)", function () {
  this.timeout(240_000);
  let stack: Stack | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && stack !== undefined) process.stderr.write(`${stack.outputs()}\n`);
    await stack?.close();
    stack = undefined;
  });

  it("the resumed job resets again each password an interrupted attempt may have reset (one reset per attempt Graph applied) and records each containment step of each target once", async () => {
    stack = await Stack.start({ latencyMs: 100, env: { JOB_LEASE_SECONDS: "3", ...SLOW_QUOTA } });
    const targets = pickTargets(stack.sim, TARGETS);
    const first = await stack.startBot("first");
    await stack.setAuditChannel(first);
    const { requestId, cardId } = await stack.requestRevocation(first, "val", targets.map((t) => t.id), "durability: containment", "--reset-password --confirm-compromised");
    await stack.confirm(first, "riley", requestId, cardId);

    // Each $batch item waits up to 400 ms on its own, so a reset Graph has applied can wait for the
    // rest of its batch: the bot is killed in that window, with the reset in Graph and no outcome
    // recorded for it. The resumed job resets it again: a read-back could not tell the bot's
    // reset from a change made around the interruption (issue 22, low finding).
    stack.sim.setLatency(100, 400);
    const view = stack.view;
    const caught = await waitUntil(
      async () => {
        const open = await view.db
          .selectFrom("containment_steps")
          .select("user_id")
          .where("request_id", "=", requestId)
          .where("step", "=", "reset_password")
          .where("status", "is", null)
          .execute();
        const reset = new Set(stack?.sim.tenant.passwordResets.map((r) => r.userId.toLowerCase()));
        return open.find((r) => reset.has(r.user_id.toLowerCase()))?.user_id;
      },
      60_000,
      "a reset applied in Graph and not yet recorded",
    );
    await first.process.kill("SIGKILL");
    const atKill = await snapshot(view, requestId);
    assert.ok(atKill.outcomes.length < TARGETS, "unfinished at the kill");
    const done = new Set(atKill.outcomes.map((o) => o.user_id));
    const killed: KillPoint = {
      outcomes: atKill.outcomes.length,
      owner: atKill.job?.lease_owner ?? "",
      inFlight: atKill.targets.filter((t) => t.attempt_at !== null && !done.has(t.user_id)).map((t) => t.user_id),
    };
    const resetAtKill = (
      await view.db.selectFrom("containment_steps").select("user_id").where("request_id", "=", requestId).where("step", "=", "reset_password").where("status", "is not", null).execute()
    ).map((r) => r.user_id.toLowerCase());
    const stillOpen = await view.db.selectFrom("containment_steps").select("status").where("request_id", "=", requestId).where("user_id", "=", caught).where("step", "=", "reset_password").executeTakeFirst();
    assert.equal(stillOpen?.status ?? null, null, `the reset of ${caught} reached Graph and had no recorded outcome at the kill`);
    const second = await stack.startBot("second");
    await assertResumedExactlyOnce(stack, requestId, targets, killed, second);

    // Graph saw one password reset per attempt it applied: never more resets of a user than the
    // bot marked attempts; once for a user whose reset was recorded before the kill; twice for the
    // user whose reset Graph applied while the first runner died (its reset and the resume's).
    const resets = new Map<string, number>();
    for (const r of stack.sim.tenant.passwordResets) resets.set(r.userId.toLowerCase(), (resets.get(r.userId.toLowerCase()) ?? 0) + 1);
    assert.deepEqual([...resets.keys()].sort(), targets.map((t) => t.id.toLowerCase()).sort(), "every target's password was reset");
    const attempts = await view.db.selectFrom("containment_steps").select(["user_id", "attempts"]).where("request_id", "=", requestId).where("step", "=", "reset_password").execute();
    const attemptsOf = new Map(attempts.map((a) => [a.user_id.toLowerCase(), Number(a.attempts)]));
    assert.deepEqual([...resets].filter(([id, n]) => n > (attemptsOf.get(id) ?? 0)), [], "never more resets than attempts");
    for (const id of resetAtKill) assert.equal(resets.get(id), 1, `${id}'s reset was recorded before the kill: not reset again`);
    assert.equal(resets.get(caught.toLowerCase()), 2, "the reset applied at the kill was sent again on resume");
    assert.ok(stack.sim.tenant.passwordResets.every((r) => r.forceChangePasswordNextSignIn));
    for (const t of targets) assert.equal(stack.sim.tenant.riskStates.get(t.id.toLowerCase()), "confirmedCompromised");

    // One recorded outcome (and audit entry) per target and step.
    const steps = (await auditRows(stack.view)).filter((e) => e.request_id === requestId && e.action === "target.containment");
    const keys = steps.map((e) => {
      const d = JSON.parse(e.details) as Record<string, unknown>;
      return `${String(d.id).toLowerCase()} ${String(d.step)} ${String(d.outcome)}`;
    });
    assert.equal(new Set(keys).size, keys.length, "no step recorded twice");
    assert.equal(keys.length, TARGETS * 2, "every step of every target recorded");
    assert.ok(keys.every((k) => k.endsWith(" done")), keys.filter((k) => !k.endsWith(" done")).join("; "));
    const caughtStep = steps.map((e) => JSON.parse(e.details) as Record<string, unknown>).find((d) => String(d.id).toLowerCase() === caught.toLowerCase() && d.step === "reset password");
    assert.match(String(caughtStep?.detail), /Reset again after an interruption/);

    // No password is in the database file.
    const passwords = stack.sim.tenant.receivedPasswords;
    const rows = JSON.stringify(await auditRows(stack.view));
    assert.ok(passwords.every((p) => !rows.includes(p)));
    await second.process.kill("SIGTERM");
  });
});
