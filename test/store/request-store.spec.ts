import assert from "node:assert/strict";
import { sql } from "kysely";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { SqlJobQueue } from "../../src/store/job-queue.js";
import { SqlRequestStore } from "../../src/store/request-store.js";
import type { StepOutcome } from "../../src/domain/containment.js";
import type { TargetOutcome } from "../../src/domain/outcome.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { auditEntry, directoryUser, ManualClock, pendingRequest } from "../support/store-fixtures.js";

const APPROVER = { aadObjectId: "bbbbbbbb-0000-4000-8000-000000000002", name: "Ann Approver" };
const LEASE_MS = 30_000;

for (const dialect of testDialects()) {
  describe(`SqlRequestStore (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let opened: OpenDatabase;
    let clock: ManualClock;
    let requests: SqlRequestStore;
    let jobs: SqlJobQueue;
    let audit: SqlAuditStore;

    beforeEach(async () => {
      database = await dialect.create();
      opened = await openDatabase(database.url);
      clock = new ManualClock();
      requests = new SqlRequestStore(opened.db, opened.kind, clock.now);
      jobs = new SqlJobQueue(opened.db, clock.now);
      audit = new SqlAuditStore(opened.db, opened.kind, clock.now);
    });
    afterEach(async () => {
      await opened.close();
      await database.drop();
    });

    const auditCount = async (): Promise<number> => (await audit.head()).seq;

    /** A request moved to approved, with its job queued: what the job runner starts from. */
    async function approvedRequest(id: string, targets = 2) {
      await requests.create(pendingRequest(id, targets), auditEntry("request.created", id));
      const approved = await requests.transition(
        id,
        1,
        { state: "approved", decidedBy: APPROVER, decidedAt: clock.now().toISOString() },
        { job: "enqueue", audit: auditEntry("request.approved", id) },
      );
      assert.ok(approved !== undefined);
      return approved;
    }

    const outcomeFor = (userId: string, status: TargetOutcome["status"] = "revoked_verified"): TargetOutcome => ({
      userId,
      status,
      detail: status === "failed" ? "Graph answered 403: grant User.RevokeSessions.All" : "sessions revoked",
      sessionsValidFrom: status === "failed" ? null : "2026-11-01T09:00:01Z",
      disabled: false,
      at: clock.now().toISOString(),
    });

    describe("requests", () => {
      it("gives back exactly what was created: targets in order, exclusions, origin", async () => {
        const request = pendingRequest("R-ROUNDTRIP", 3);
        // Not in object-ID order, so the stored position (not the ID) must give the order back.
        request.targets = [directoryUser(3), directoryUser(1), directoryUser(2)];
        const entry = await requests.create(request, auditEntry("request.created", request.id, { targets: 3 }));
        assert.deepEqual(await requests.get(request.id), request);
        assert.equal(entry.seq, 1);
        assert.equal(entry.requestId, request.id);
        assert.equal(await requests.get("R-NOSUCH"), undefined);
      });

      it("keeps the order of a request with more targets than one insert holds", async () => {
        const request = pendingRequest("R-BULK", 1234);
        await requests.create(request, auditEntry("request.created", request.id));
        const stored = await requests.get(request.id);
        assert.deepEqual(
          stored?.targets.map((t) => t.id),
          request.targets.map((t) => t.id),
        );
      });

      it("stores no request when its audit entry cannot be written, and no entry when the request cannot", async () => {
        // JSON cannot hold a BigInt: the entry fails after the request and its targets were inserted.
        await assert.rejects(requests.create(pendingRequest("R-NOAUDIT", 2), auditEntry("request.created", "R-NOAUDIT", { big: 1n })));
        assert.equal(await requests.get("R-NOAUDIT"), undefined);
        assert.equal(await auditCount(), 0);
        const request = pendingRequest("R-DUP", 1);
        await requests.create(request, auditEntry("request.created", request.id));
        await assert.rejects(requests.create(request, auditEntry("request.created", request.id)));
        assert.equal(await auditCount(), 1, "the failed create wrote no audit entry");
      });

      it("applies a transition only from the expected version, and exactly one of two racing ones", async () => {
        await requests.create(pendingRequest("R-RACE", 2), auditEntry("request.created", "R-RACE"));
        const [approve, reject] = await Promise.all([
          requests.transition("R-RACE", 1, { state: "approved", decidedBy: APPROVER, decidedAt: clock.now().toISOString() }, { job: "enqueue", audit: auditEntry("request.approved", "R-RACE") }),
          requests.transition("R-RACE", 1, { state: "rejected", decidedBy: APPROVER, decidedAt: clock.now().toISOString() }, { audit: auditEntry("request.rejected", "R-RACE") }),
        ]);
        const winners = [approve, reject].filter((r) => r !== undefined);
        assert.equal(winners.length, 1);
        const stored = await requests.get("R-RACE");
        assert.equal(stored?.version, 2);
        assert.equal(stored?.state, winners[0]?.state);
        // The loser's audit entry was never written: one entry for the create, one for the winner.
        const actions = (await audit.recent(10)).map((e) => e.action);
        assert.deepEqual(actions, [winners[0]?.state === "approved" ? "request.approved" : "request.rejected", "request.created"]);
        assert.equal(await requests.transition("R-RACE", 1, { state: "cancelled" }, { audit: auditEntry("request.cancelled", "R-RACE") }), undefined);
        assert.equal(await auditCount(), 2);
      });

      it("writes the transition's audit entry in the same transaction, and neither when one fails", async () => {
        const approved = await approvedRequest("R-ATOMIC");
        assert.equal(approved.version, 2);
        assert.equal(approved.state, "approved");
        assert.deepEqual(approved.decidedBy, APPROVER);
        const [latest] = await audit.recent(1);
        assert.equal(latest?.action, "request.approved");
        assert.equal(latest?.requestId, "R-ATOMIC");
        // A second enqueue collides with the job that exists: the state change and its entry roll back together.
        await assert.rejects(requests.transition("R-ATOMIC", 2, { state: "running" }, { job: "enqueue", audit: auditEntry("revocation.started", "R-ATOMIC") }));
        assert.equal((await requests.get("R-ATOMIC"))?.state, "approved");
        assert.equal((await requests.get("R-ATOMIC"))?.version, 2);
        assert.equal(await auditCount(), 2);
      });

      it("keeps responders and failed sign-ins with the request; an approval without responders removes them from the frozen set in its transaction", async () => {
        const request = pendingRequest("R-RESPOND", 4);
        const [first, second] = request.targets;
        assert.ok(first !== undefined && second !== undefined);
        request.responders = [first, second].map((t) => ({ id: t.id, userPrincipalName: t.userPrincipalName, displayName: t.displayName }));
        request.failedSignIns = { attempts: 3, more: false, users: [{ id: first.id, userPrincipalName: first.userPrincipalName, displayName: first.displayName, attempts: 3 }] };
        await requests.create(request, auditEntry("request.created", request.id));
        assert.deepEqual(await requests.get(request.id), request);
        const approved = await requests.transition(
          request.id,
          1,
          { state: "approved", decidedBy: APPROVER, decidedAt: clock.now().toISOString(), respondersChoice: "left_out" },
          { job: "enqueue", audit: auditEntry("request.approved", request.id), removeTargets: [first.id, second.id] },
        );
        assert.equal(approved?.respondersChoice, "left_out");
        assert.deepEqual(approved?.targets.map((t) => t.id), request.targets.slice(2).map((t) => t.id));
        assert.equal((await requests.summary(request.id, 10))?.targetCount, 2);
        assert.deepEqual(approved?.responders, request.responders, "who the responders were stays on the request");
      });

      it("keeps --reset-password's admin role check with the request, as found (migration 017): the card's refreshes read what was frozen", async () => {
        const request = pendingRequest("R-ADMINS", 2);
        const [first] = request.targets;
        assert.ok(first !== undefined);
        request.containment = { resetPassword: true, confirmCompromised: false };
        request.adminReset = { checked: true, botCan: "non_admins", adminCount: 1, admins: [{ id: first.id, userPrincipalName: first.userPrincipalName, displayName: first.displayName, roles: ["Exchange Administrator"] }] };
        await requests.create(request, auditEntry("request.created", request.id));
        assert.deepEqual(await requests.get(request.id), request);
        assert.deepEqual((await requests.summary(request.id, 10))?.request.adminReset, request.adminReset);
        const unchecked = pendingRequest("R-NOCHECK", 1);
        unchecked.adminReset = { checked: false, permissionMissing: true, cause: "no permission" };
        await requests.create(unchecked, auditEntry("request.created", unchecked.id));
        assert.deepEqual((await requests.get(unchecked.id))?.adminReset, unchecked.adminReset);
        const without = pendingRequest("R-NORESET", 1);
        await requests.create(without, auditEntry("request.created", without.id));
        assert.equal((await requests.get(without.id))?.adminReset, undefined);
      });

      it("keeps each kind of selection with the request (018); a request without one, or with an unreadable one, reads back without", async () => {
        const selections = [
          { kind: "users" },
          { kind: "department", name: "O'Brien Logistics" },
          { kind: "ip", address: "2001:db8::1", since: "2026-12-06T16:47:00.000Z", sinceHours: 24 },
          { kind: "ip", address: "203.0.113.50", since: "2026-12-06T16:47:00.000Z" },
          { kind: "disabled" },
        ] as const;
        for (const [i, selection] of selections.entries()) {
          const request = { ...pendingRequest(`R-SELECT${i}`, 2), selection };
          await requests.create(request, auditEntry("request.created", request.id));
          assert.deepEqual((await requests.get(request.id))?.selection, selection);
          assert.deepEqual((await requests.summary(request.id, 0))?.request.selection, selection, "the summary a card is drawn from holds it too");
        }
        const older = pendingRequest("R-NOSELECT", 2);
        await requests.create(older, auditEntry("request.created", older.id));
        assert.equal((await requests.get(older.id))?.selection, undefined);
        await sql`update requests set selection = ${'{"kind":"ip","address":"203.0.113.50"}'} where id = ${older.id}`.execute(opened.db);
        assert.equal((await requests.get(older.id))?.selection, undefined, "an ip selection without its start is not one");
      });

      it("queues the job on enqueue and closes it on finish", async () => {
        await approvedRequest("R-JOB");
        const job = await opened.db.selectFrom("jobs").selectAll().where("request_id", "=", "R-JOB").executeTakeFirstOrThrow();
        assert.equal(job.finished_at, null);
        assert.equal(Number(job.claims), 0);
        assert.ok((await jobs.claim("R-JOB", "runner-a", LEASE_MS)) !== undefined);
        clock.advance(5_000);
        const done = await requests.transition("R-JOB", 2, { state: "completed" }, { job: "finish", audit: auditEntry("revocation.completed", "R-JOB") });
        assert.equal(done?.state, "completed");
        const finished = await opened.db.selectFrom("jobs").selectAll().where("request_id", "=", "R-JOB").executeTakeFirstOrThrow();
        assert.equal(finished.finished_at, clock.now().toISOString());
        assert.equal(finished.lease_owner, null);
      });

      it("attaches the card without a version bump", async () => {
        await requests.create(pendingRequest("R-CARD", 1), auditEntry("request.created", "R-CARD"));
        await requests.attachCard("R-CARD", "activity-123");
        const stored = await requests.get("R-CARD");
        assert.equal(stored?.cardActivityId, "activity-123");
        assert.equal(stored?.version, 1);
        assert.ok((await requests.transition("R-CARD", 1, { state: "cancelled" })) !== undefined, "the version a clicker holds still works");
      });

      it("keeps the approval copy of the card, and the decision's comment and reason", async () => {
        await requests.create(pendingRequest("R-COPY", 2), auditEntry("request.created", "R-COPY"));
        const channel = { conversation: { id: "19:approvals@thread.tacv2", conversationType: "channel" }, serviceUrl: "https://smba.example/" };
        await requests.attachApprovalCard("R-COPY", { reference: channel, activityId: null });
        assert.deepEqual((await requests.get("R-COPY"))?.approvalCard, { reference: channel, activityId: null });
        await requests.attachApprovalCard("R-COPY", { reference: channel, activityId: "copy-1" });
        assert.equal((await requests.get("R-COPY"))?.approvalCard?.activityId, "copy-1");
        assert.equal((await requests.get("R-COPY"))?.version, 1, "no version bump");
        const rejected = await requests.transition("R-COPY", 1, {
          state: "rejected",
          decidedBy: APPROVER,
          decidedAt: clock.now().toISOString(),
          decisionComment: "not this team's incident; ask Alex",
          decisionReason: "rejected by an approver",
        });
        assert.equal(rejected?.decisionComment, "not this team's incident; ask Alex");
        assert.equal(rejected?.decisionReason, "rejected by an approver");
        const fresh = await requests.get("R-COPY");
        assert.equal(fresh?.decisionComment, "not this team's incident; ask Alex");
        assert.deepEqual(fresh?.approvalCard, { reference: channel, activityId: "copy-1" });
      });

      it("lists at most `limit` requests, the oldest", async () => {
        for (const [id, at] of [["R-L2", "09:05"], ["R-L1", "09:00"], ["R-L3", "09:10"]] as const) {
          await requests.create(pendingRequest(id, 1, `2026-11-01T${at}:00.000Z`), auditEntry("request.created", id));
        }
        assert.deepEqual((await requests.listByState(["pending"], { limit: 2 })).map((r) => r.id), ["R-L1", "R-L2"]);
      });

      it("lists requests in the given states, oldest first", async () => {
        await requests.create(pendingRequest("R-B", 1, "2026-11-01T09:05:00.000Z"), auditEntry("request.created", "R-B"));
        await requests.create(pendingRequest("R-A", 1, "2026-11-01T09:00:00.000Z"), auditEntry("request.created", "R-A"));
        await requests.create(pendingRequest("R-C", 1, "2026-11-01T09:10:00.000Z"), auditEntry("request.created", "R-C"));
        await requests.transition("R-C", 1, { state: "expired" });
        assert.deepEqual(
          (await requests.listByState(["pending"])).map((r) => r.id),
          ["R-A", "R-B"],
        );
        assert.deepEqual(
          (await requests.listByState(["pending", "expired"])).map((r) => r.id),
          ["R-A", "R-B", "R-C"],
        );
        assert.deepEqual(await requests.listByState([]), []);
      });

      it("narrows the list in the database by expiry and by requester (any case)", async () => {
        // pendingRequest expires 30 minutes after it is made.
        await requests.create(pendingRequest("R-A", 1, "2026-11-01T09:00:00.000Z"), auditEntry("request.created", "R-A"));
        await requests.create(pendingRequest("R-B", 1, "2026-11-01T09:20:00.000Z"), auditEntry("request.created", "R-B"));
        const other = { ...pendingRequest("R-C", 1, "2026-11-01T09:00:00.000Z"), requester: APPROVER };
        await requests.create(other, auditEntry("request.created", "R-C"));
        assert.deepEqual(
          (await requests.listByState(["pending"], { expiresBy: "2026-11-01T09:30:00.000Z" })).map((r) => r.id),
          ["R-A", "R-C"],
        );
        const requester = pendingRequest("R-X", 0).requester.aadObjectId.toUpperCase();
        assert.deepEqual(
          (await requests.listByState(["pending"], { requesterId: requester })).map((r) => r.id),
          ["R-A", "R-B"],
        );
        assert.deepEqual(
          (await requests.listByState(["pending"], { requesterId: requester, expiresBy: "2026-11-01T09:30:00.000Z" })).map((r) => r.id),
          ["R-A"],
        );
      });
    });

    describe("outcomes and attempts", () => {
      it("records each target's outcome exactly once, with its audit entry", async () => {
        const request = await approvedRequest("R-OUT", 2);
        const user = request.targets[0]?.id ?? "";
        assert.equal(await requests.recordOutcome("R-OUT", outcomeFor(user), auditEntry("target.outcome", "R-OUT", { user })), true);
        const before = await auditCount();
        assert.equal(await requests.recordOutcome("R-OUT", outcomeFor(user, "failed"), auditEntry("target.outcome", "R-OUT", { user })), false);
        assert.equal(await auditCount(), before, "no audit entry for the refused second outcome");
        const stored = await requests.get("R-OUT");
        assert.deepEqual(stored?.outcomes, [outcomeFor(user)]);
        await assert.rejects(requests.recordOutcome("R-OUT", outcomeFor("no-such-user"), auditEntry("target.outcome", "R-OUT")), /has no target no-such-user/);
      });

      it("accepts exactly one of two outcomes recorded at once for the same target", async () => {
        const request = await approvedRequest("R-OUT2", 1);
        const user = request.targets[0]?.id ?? "";
        const results = await Promise.all([
          requests.recordOutcome("R-OUT2", outcomeFor(user), auditEntry("target.outcome", "R-OUT2")),
          requests.recordOutcome("R-OUT2", outcomeFor(user, "failed"), auditEntry("target.outcome", "R-OUT2")),
        ]);
        assert.deepEqual([...results].sort(), [false, true]);
        assert.equal((await requests.get("R-OUT2"))?.outcomes.length, 1);
        assert.equal(await auditCount(), 3);
      });

      it("gives back outcomes in target order", async () => {
        const request = await approvedRequest("R-ORDER", 3);
        for (const target of [...request.targets].reverse()) {
          await requests.recordOutcome("R-ORDER", outcomeFor(target.id), auditEntry("target.outcome", "R-ORDER"));
        }
        assert.deepEqual(
          (await requests.get("R-ORDER"))?.outcomes.map((o) => o.userId),
          request.targets.map((t) => t.id),
        );
      });

      it("pages through the targets without an outcome, in order, after a position (a job never loads them all)", async () => {
        const request = await approvedRequest("R-PAGE", 7);
        for (const i of [1, 4]) {
          const target = request.targets[i];
          assert.ok(target !== undefined);
          await requests.recordOutcome("R-PAGE", outcomeFor(target.id), auditEntry("target.outcome", "R-PAGE"));
        }
        const first = await requests.pendingTargets("R-PAGE", -1, 3);
        assert.deepEqual(
          first.map((p) => [p.position, p.target.id]),
          [0, 2, 3].map((i) => [i, request.targets[i]?.id]),
        );
        assert.deepEqual(first[0]?.target, request.targets[0], "the frozen snapshot comes back whole");
        const rest = await requests.pendingTargets("R-PAGE", 3, 3);
        assert.deepEqual(
          rest.map((p) => p.position),
          [5, 6],
        );
        assert.deepEqual(await requests.pendingTargets("R-PAGE", 6, 3), []);
      });

      it("marks an attempt only under a live lease, and tells the second mark about the first", async () => {
        const request = await approvedRequest("R-MARK", 2);
        const user = request.targets[0]?.id ?? "";
        assert.deepEqual(await requests.markAttempt("R-MARK", user, "runner-a"), { kind: "leaseLost" }, "nobody holds the job yet");
        await jobs.claim("R-MARK", "runner-a", LEASE_MS);
        const firstAt = clock.now().toISOString();
        assert.deepEqual(await requests.markAttempt("R-MARK", user, "runner-a"), { kind: "marked", previous: null });
        assert.deepEqual(await requests.markAttempt("R-MARK", user, "runner-b"), { kind: "leaseLost" }, "not the lease holder");
        clock.advance(1_000);
        assert.deepEqual(await requests.markAttempt("R-MARK", user, "runner-a"), { kind: "marked", previous: firstAt });
        clock.advance(LEASE_MS);
        assert.deepEqual(await requests.markAttempt("R-MARK", user, "runner-a"), { kind: "leaseLost" }, "the lease ran out");
        await assert.rejects(requests.markAttempt("R-MARK", "no-such-user", "runner-a"), /has no target no-such-user/);
      });
      it("records each containment step's outcome once, with its audit entry; a later mark reports the step done", async () => {
        const request = await approvedRequest("R-STEP", 2);
        const [u0, u1] = request.targets.map((t) => t.id);
        assert.ok(u0 !== undefined && u1 !== undefined);
        const step = (userId: string, ok = true): StepOutcome => ({
          userId,
          step: "reset_password",
          ok,
          detail: ok ? "password reset" : "Graph answered 403",
          at: clock.now().toISOString(),
        });
        const entry = (user: string) => auditEntry("target.containment", "R-STEP", { user });
        assert.deepEqual(await requests.markSteps("R-STEP", "reset_password", [u0], "runner-a"), { kind: "leaseLost" }, "nobody holds the job yet");
        await jobs.claim("R-STEP", "runner-a", LEASE_MS);
        assert.equal((await requests.markSteps("R-STEP", "reset_password", [u0, u1], "runner-a")).kind, "marked");
        const before = await auditCount();
        assert.equal(await requests.recordSteps("R-STEP", [{ outcome: step(u0), audit: entry(u0) }]), 1);
        assert.equal(
          await requests.recordSteps("R-STEP", [
            { outcome: step(u0, false), audit: entry(u0) },
            { outcome: step(u1, false), audit: entry(u1) },
          ]),
          1,
          "only the second target's outcome is new",
        );
        assert.equal(await auditCount(), before + 2, "no audit entry for the refused second outcome");
        const marks = await requests.markSteps("R-STEP", "reset_password", [u0, u1], "runner-a");
        assert.ok(marks.kind === "marked");
        assert.deepEqual(marks.done.get(u0), step(u0), "the first outcome stands");
        assert.deepEqual(marks.done.get(u1), step(u1, false));
      });
    });

    describe("stale enables (issue 22 #5)", () => {
      /** Records a --disable outcome of the user in the request (as a job with --disable would). */
      async function disabledBy(requestId: string, userId: string): Promise<void> {
        await approvedRequest(requestId, 1);
        await requests.recordOutcome(requestId, { ...outcomeFor(userId), disabled: true }, auditEntry("target.outcome", requestId));
      }

      it("disableHistory names the request of the latest --disable of the user", async () => {
        const user = directoryUser(1).id;
        assert.equal((await requests.disableHistory(user)).disabledBy, null);
        await disabledBy("R-DISABLE001", user);
        clock.advance(1000);
        await disabledBy("R-DISABLE002", user);
        assert.equal((await requests.disableHistory(user)).disabledBy, "R-DISABLE002");
      });

      it("pendingEnablesOf finds the pending enables of the request's users, and only those", async () => {
        const mine = { ...pendingRequest("R-ENABLE0001", 1), action: "enable" as const, enableAgainst: "R-DISABLE001" };
        await requests.create(mine, auditEntry("request.created", mine.id));
        const other = { ...pendingRequest("R-ENABLE0002", 0), targets: [directoryUser(7)], action: "enable" as const };
        await requests.create(other, auditEntry("request.created", other.id));
        await requests.create(pendingRequest("R-REVOKE0001", 1), auditEntry("request.created", "R-REVOKE0001"));
        await requests.create(pendingRequest("R-DISABLE003", 3), auditEntry("request.created", "R-DISABLE003"));
        const found = await requests.pendingEnablesOf("R-DISABLE003");
        assert.deepEqual(found.map((f) => [f.request.id, f.request.enableAgainst, f.targetCount]), [["R-ENABLE0001", "R-DISABLE001", 1]]);
        assert.equal((await requests.get("R-ENABLE0001"))?.enableAgainst, "R-DISABLE001");
      });
    });

    describe("SqlJobQueue", () => {
      it("lets exactly one of two owners claim a job", async () => {
        await approvedRequest("R-Q1");
        const [a, b] = await Promise.all([jobs.claim("R-Q1", "runner-a", LEASE_MS), jobs.claim("R-Q1", "runner-b", LEASE_MS)]);
        assert.equal([a, b].filter((c) => c !== undefined).length, 1);
        const winner = a ?? b;
        assert.deepEqual(winner, { requestId: "R-Q1", claims: 1, previousOwner: null });
        const loser = a === undefined ? "runner-a" : "runner-b";
        assert.equal(await jobs.claim("R-Q1", loser, LEASE_MS), undefined, "not while the lease is live");
      });

      it("gives the next job to exactly one of two owners asking at once", async () => {
        await approvedRequest("R-ONLY");
        const [a, b] = await Promise.all([jobs.claimNext("runner-a", LEASE_MS), jobs.claimNext("runner-b", LEASE_MS)]);
        assert.equal([a, b].filter((c) => c?.requestId === "R-ONLY").length, 1);
        assert.equal([a, b].filter((c) => c === undefined).length, 1);
      });

      it("gives two owners asking at once two different jobs", async () => {
        await approvedRequest("R-OLD");
        clock.advance(1_000);
        await approvedRequest("R-NEW");
        const [a, b] = await Promise.all([jobs.claimNext("runner-a", LEASE_MS), jobs.claimNext("runner-b", LEASE_MS)]);
        assert.deepEqual([a?.requestId, b?.requestId].sort(), ["R-NEW", "R-OLD"]);
        assert.equal(await jobs.claimNext("runner-c", LEASE_MS), undefined);
      });

      it("claims the oldest claimable job first", async () => {
        await approvedRequest("R-1ST");
        clock.advance(1_000);
        await approvedRequest("R-2ND");
        assert.equal((await jobs.claimNext("runner-a", LEASE_MS))?.requestId, "R-1ST");
        assert.equal((await jobs.claimNext("runner-a", LEASE_MS))?.requestId, "R-2ND");
      });

      it("hands an expired lease to another owner, who learns who had it; the old owner cannot renew", async () => {
        await approvedRequest("R-Q2");
        assert.deepEqual(await jobs.claim("R-Q2", "runner-a", LEASE_MS), { requestId: "R-Q2", claims: 1, previousOwner: null });
        clock.advance(LEASE_MS - 1);
        assert.equal(await jobs.claim("R-Q2", "runner-b", LEASE_MS), undefined);
        assert.equal(await jobs.claimNext("runner-b", LEASE_MS), undefined);
        clock.advance(1);
        assert.deepEqual(await jobs.claimNext("runner-b", LEASE_MS), { requestId: "R-Q2", claims: 2, previousOwner: "runner-a" });
        assert.equal(await jobs.renew("R-Q2", "runner-a", LEASE_MS), false);
        assert.equal(await jobs.renew("R-Q2", "runner-b", LEASE_MS), true);
      });

      it("keeps a renewed lease from expiring", async () => {
        await approvedRequest("R-Q3");
        await jobs.claim("R-Q3", "runner-a", LEASE_MS);
        clock.advance(LEASE_MS - 1_000);
        assert.equal(await jobs.renew("R-Q3", "runner-a", LEASE_MS), true);
        clock.advance(LEASE_MS - 1_000);
        assert.equal(await jobs.claim("R-Q3", "runner-b", LEASE_MS), undefined);
      });

      it("makes a released job claimable at once", async () => {
        await approvedRequest("R-Q4");
        await jobs.claim("R-Q4", "runner-a", LEASE_MS);
        await jobs.release("R-Q4", "runner-b");
        assert.equal(await jobs.claim("R-Q4", "runner-b", LEASE_MS), undefined, "only the owner can release");
        await jobs.release("R-Q4", "runner-a");
        assert.deepEqual(await jobs.claim("R-Q4", "runner-b", LEASE_MS), { requestId: "R-Q4", claims: 2, previousOwner: null });
      });

      it("never claims a finished job", async () => {
        await approvedRequest("R-Q5");
        await requests.transition("R-Q5", 2, { state: "completed" }, { job: "finish" });
        clock.advance(3_600_000);
        assert.equal(await jobs.claim("R-Q5", "runner-a", LEASE_MS), undefined);
        assert.equal(await jobs.claimNext("runner-a", LEASE_MS), undefined);
        assert.equal(await jobs.renew("R-Q5", "runner-a", LEASE_MS), false);
        assert.equal(await jobs.claim("R-NOSUCH", "runner-a", LEASE_MS), undefined);
      });
    });
  });
}
