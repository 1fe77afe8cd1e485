import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { cardText } from "../e2e/cards.js";
import { freshPostgres, type TestDatabase } from "../support/databases.js";
import {
  assertAuditPostedOnce,
  assertChainIntact,
  assertResumedExactlyOnce,
  botOwning,
  killMidJob,
  SLOW_QUOTA,
  pickTargets,
  snapshot,
  Stack,
  waitUntil,
} from "./scenario.js";

const TARGETS = 50;

describe("durability: two replicas on one PostgreSQL database", function () {
  this.timeout(300_000);
  let database: TestDatabase | undefined;
  let stack: Stack | undefined;

  before(function () {
    if ((process.env.TEST_DATABASE_URL ?? "") === "") {
      process.stdout.write("  (TEST_DATABASE_URL is not set: the replica tests need PostgreSQL and are skipped; .ci/run sets it)\n");
      this.skip();
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && stack !== undefined) process.stderr.write(`${stack.outputs()}\n`);
    await stack?.close();
    stack = undefined;
    await database?.drop();
    database = undefined;
  });

  it("share requests and clicks; when the replica running a job is killed, the other resumes it after the lease, exactly once per target", async () => {
    database = await freshPostgres(process.env.TEST_DATABASE_URL ?? "");
    stack = await Stack.start({ latencyMs: 100, databaseUrl: database.url, env: { JOB_LEASE_SECONDS: "3", ...SLOW_QUOTA } });
    const s = stack;
    const targets = pickTargets(s.sim, TARGETS);
    // Both replicas start at once on the empty database, as a deployment would roll them out.
    const [a, b] = await Promise.all([s.startBot("A"), s.startBot("B")]);
    await s.setAuditChannel(a);

    // A request made through A is confirmed through B: the click finds it in the shared database.
    const pair = [WELL_KNOWN.alice.id, WELL_KNOWN.bob.id];
    const shared = await s.requestRevocation(a, "val", pair, "durability: confirmed on the other replica");
    await s.confirm(b, "riley", shared.requestId, shared.cardId);
    const sharedDone = await waitUntil(
      async () => {
        const snap = await snapshot(s.view, shared.requestId);
        return snap.request?.state === "completed" || snap.request?.state === "failed" ? snap : undefined;
      },
      60_000,
      `request ${shared.requestId} to finish`,
    );
    assert.equal(sharedDone.request?.state, "completed");
    assert.deepEqual(sharedDone.outcomes.map((o) => o.status), ["revoked_verified", "revoked_verified"]);
    assert.equal(Number(sharedDone.job?.claims), 1, "one runner ran it: live leases are not taken over");
    for (const id of pair) assert.equal(s.revocationsByUser().get(id), 1, `one revocation of ${id}`);
    await s.waitForFinalCard(shared.cardId, "Revocation complete", "2 revoked and verified.");

    // A request made through A is withdrawn by its requester through B.
    const withdrawn = await s.requestRevocation(a, "val", [WELL_KNOWN.oneil.id], "durability: cancelled on the other replica");
    const cancel = await s.click(b, "val", Verbs.cancel, withdrawn.requestId, withdrawn.cardId, s.requestChannel);
    assert.equal(cancel.status, 200);
    assert.ok(cardText(cancel.body).includes("Request withdrawn"), cardText(cancel.body));
    assert.equal((await snapshot(s.view, withdrawn.requestId)).request?.state, "cancelled");
    await s.waitForFinalCard(withdrawn.cardId, "Request withdrawn");
    // A late Confirm on A sees the cancellation B recorded.
    const late = await s.click(a, "riley", Verbs.approve, withdrawn.requestId, withdrawn.cardId, s.requestChannel);
    assert.ok(cardText(late.body).includes("Request withdrawn"), cardText(late.body));

    // The big request, made and confirmed through A, so A claims its job at once (B could only
    // win it if its poll fell in the moment between the approval and A's claim: then roles swap).
    const big = await s.requestRevocation(a, "val", targets.map((t) => t.id), "durability: replica killed mid-job");
    await s.confirm(a, "riley", big.requestId, big.cardId);
    const owner = await waitUntil(async () => (await snapshot(s.view, big.requestId)).job?.lease_owner ?? undefined, 30_000, "the job to be claimed");
    const runner = botOwning(s, owner);
    assert.ok(runner !== undefined, `the lease owner ${owner} is one of the replicas`);
    const survivor = runner === a ? b : a;

    const killed = await killMidJob(s, runner, big.requestId, TARGETS, 10);
    // The other replica, still running, takes the job over once the lease has run out.
    await assertResumedExactlyOnce(s, big.requestId, targets, killed, survivor);
    assert.equal(s.revocationsByUser().has(WELL_KNOWN.oneil.id), false, "the withdrawn request revoked nobody");

    await s.waitForFinalCard(big.cardId, "Revocation complete", `${TARGETS} revoked and verified.`);
    await assertAuditPostedOnce(s);

    await survivor.process.kill("SIGTERM");
    assert.equal(await survivor.process.exited, 0, `${survivor.name} stops cleanly on SIGTERM`);
    await assertChainIntact(s);
  });
});
