import assert from "node:assert/strict";
import pino from "pino";
import { Auditor } from "../../src/audit/auditor.js";
import { AppError } from "../../src/errors.js";
import { GraphRoleLookup } from "../../src/policy/roles.js";
import { JobRunner, type ProgressListener } from "../../src/revocation/job-runner.js";
import { REVOCATION_WORDS } from "../../src/cards/revocation-words.js";
import type { RequestSummary } from "../../src/revocation/request-store.js";
import { RevocationService } from "../../src/requests/lifecycle.js";
import type { Actor } from "../../src/domain/actor.js";
import { NO_CONTAINMENT, type Containment } from "../../src/domain/containment.js";
import type { RevocationRequest } from "../../src/revocation/types.js";
import { FakeDirectory, testUser } from "../fakes/fake-directory.js";
import { SqlRequestStore } from "../../src/store/request-store.js";
import { openTestStore, type TestStore } from "../support/store.js";
import { TITLE_NAMES } from "../../src/revocation/title-details.js";

const REVOKERS = "11111111-0000-4000-8000-000000000001";
const APPROVERS = "11111111-0000-4000-8000-000000000002";

const requester: Actor = { aadObjectId: "bbbbbbbb-0000-4000-8000-000000000001", name: "Val Requester" };
const approver: Actor = { aadObjectId: "bbbbbbbb-0000-4000-8000-000000000002", name: "Riley Reviewer" };
const outsider: Actor = { aadObjectId: "bbbbbbbb-0000-4000-8000-000000000003", name: "Nina Viewer" };

class RecordingListener implements ProgressListener {
  readonly progress: RequestSummary[] = [];
  readonly finished: RevocationRequest[] = [];
  async onProgress(_id: string, load: () => Promise<RequestSummary | undefined>): Promise<void> {
    const r = await load();
    if (r !== undefined) this.progress.push(r);
  }
  onFinished(r: RevocationRequest): Promise<void> {
    this.finished.push(r);
    return Promise.resolve();
  }
}

const opened: TestStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function setup(options: { fourEyes?: number; now?: () => Date; maxPending?: number; sweepPageSize?: number; disableNeedsSecondPerson?: boolean } = {}) {
  const users = [testUser(), testUser(), testUser()];
  const directory = new FakeDirectory(users);
  directory.groups.set(requester.aadObjectId, [REVOKERS]);
  directory.groups.set(approver.aadObjectId, [APPROVERS]);
  const db = await openTestStore();
  opened.push(db);
  const logger = pino({ level: "silent" });
  const auditor = new Auditor(db.audit, db.audit, { deliver: () => Promise.resolve(true) }, logger, { owner: "test" });
  const store = new SqlRequestStore(db.database.db, db.database.kind, undefined, auditor.observe);
  const listener = new RecordingListener();
  const roles = new GraphRoleLookup(directory, { revokerGroupIds: [REVOKERS], approverGroupIds: [APPROVERS] }, 0);
  const jobs = new JobRunner({
    words: REVOCATION_WORDS,
    store,
    jobs: db.jobs,
    owner: "test-runner",
    directory,
    auditor,
    auditLog: db.audit,
    roles,
    listener,
    logger,
    options: { verifyDelaysMs: [0, 5, 10], retryDelaysMs: [5, 10], clockSkewMs: 60_000 },
  });
  const service = new RevocationService({
    words: REVOCATION_WORDS,
    store,
    auditor,
    roles,
    jobs,
    listener,
    ttlMinutes: 30,
    fourEyesMinTargets: options.fourEyes ?? 2,
    disableNeedsSecondPerson: options.disableNeedsSecondPerson ?? true,
    maxPendingPerRequester: options.maxPending ?? 5,
    sweepPageSize: options.sweepPageSize,
    now: options.now,
  });
  const create = async (targets = users.slice(0, 1), disable = false, containment: Containment = NO_CONTAINMENT) => {
    const responders = await service.respondersIn(targets);
    return service.create({
      requester,
      reason: "phished",
      disable,
      containment,
      targets,
      excluded: [],
      origin: { conversation: { id: "c1" } },
      approvalChannel: "",
      secondPerson: service.secondPersonOf({ targetCount: targets.length, disable, containment, responders }),
      responders,
    });
  };
  /** A second runner on the same database, as a restarted process or another replica would be. */
  const runner = (owner: string, leaseMs = 60_000) =>
    new JobRunner({
      words: REVOCATION_WORDS,
      store,
      jobs: db.jobs,
      owner,
      directory,
      auditor,
      auditLog: db.audit,
      roles,
      listener,
      logger,
      options: { verifyDelaysMs: [0, 5, 10], retryDelaysMs: [5, 10], clockSkewMs: 60_000, leaseMs, pollMs: 10 },
    });
  /** Approves as an approver's click would (the request.approved entry in the same transaction), without starting a runner. */
  const approveQuietly = (request: RevocationRequest) =>
    store.transition(
      request.id,
      request.version,
      { state: "approved", decidedBy: approver, decidedAt: new Date().toISOString() },
      { job: "enqueue", audit: { actor: approver, action: "request.approved", requestId: request.id, details: {} } },
    );
  return { users, directory, db, entries: () => db.entries(), store, listener, jobs, runner, service, create, approveQuietly, roles, auditor };
}

/** Waits (briefly) for a condition the service brings about in the background (card edits). */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("RevocationService and JobRunner", () => {
  it("a single-target request is confirmed by its requester, revoked once, verified, audited", async () => {
    const t = await setup();
    const request = await t.create();
    const result = await t.service.decide(request.id, requester, "approve");
    assert.equal(result.kind, "done");
    await t.jobs.idle();
    const done = await t.store.get(request.id);
    assert.equal(done?.state, "completed");
    assert.deepEqual(done.outcomes.map((o) => o.status), ["revoked_verified"]);
    assert.deepEqual(t.directory.revoked, [t.users[0]?.id]);
    assert.deepEqual((await t.entries()).map((e) => e.action), [
      "request.created",
      "request.approved",
      "revocation.started",
      "target.outcome",
      "revocation.completed",
    ]);
    assert.equal(t.listener.finished.length, 1);
    assert.equal(t.listener.progress[0]?.request.state, "running");
  });

  it("four-eyes: the requester of a 2-target request cannot approve it; an approver can", async () => {
    const t = await setup();
    const request = await t.create(t.users.slice(0, 2));
    const own = await t.service.decide(request.id, requester, "approve");
    assert.equal(own.kind, "refused");
    assert.ok(own.kind === "refused" && own.reason.includes("second person"));
    assert.equal((await t.store.get(request.id))?.state, "pending");
    assert.equal((await t.entries()).at(-1)?.action, "decision.refused");
    const other = await t.service.decide(request.id, approver, "approve");
    assert.equal(other.kind, "done");
    await t.jobs.idle();
    assert.equal(t.directory.revoked.length, 2);
  });

  it("FOUR_EYES_MIN_TARGETS=1 makes even one target need a second person", async () => {
    const t = await setup({ fourEyes: 1 });
    const request = await t.create();
    assert.equal((await t.service.decide(request.id, requester, "approve")).kind, "refused");
  });

  it("someone with no role can neither confirm nor cancel", async () => {
    const t = await setup();
    const request = await t.create();
    assert.equal((await t.service.decide(request.id, outsider, "approve")).kind, "refused");
    assert.equal((await t.service.decide(request.id, outsider, "cancel")).kind, "refused");
    assert.equal(t.directory.revoked.length, 0);
  });

  it("withdrawn by the requester, rejected by an approver (with comment); then nothing else counts", async () => {
    const t = await setup();
    const a = await t.create();
    assert.equal((await t.service.decide(a.id, approver, "cancel")).kind, "refused", "only the requester withdraws");
    assert.equal((await t.service.decide(a.id, requester, "reject")).kind, "refused", "a requester withdraws, not rejects");
    assert.equal((await t.service.decide(a.id, requester, "cancel")).kind, "done");
    assert.equal((await t.store.get(a.id))?.state, "cancelled");
    const b = await t.create();
    await t.service.decide(b.id, approver, "reject", "not our incident");
    const rejected = await t.store.get(b.id);
    assert.equal(rejected?.state, "rejected");
    assert.equal(rejected?.decisionComment, "not our incident");
    assert.equal(rejected?.decisionReason, "rejected by an approver");
    const entry = (await t.entries()).find((e) => e.action === "request.rejected");
    assert.equal(entry?.details.comment, "not our incident");
    await until(() => t.listener.finished.length === 2);
    assert.deepEqual(t.listener.finished.map((r) => r.state).sort(), ["cancelled", "rejected"], "both cards are edited");
    assert.equal((await t.service.decide(b.id, approver, "approve")).kind, "notPending");
    await t.jobs.idle();
    assert.equal(t.directory.revoked.length, 0);
  });

  it("two simultaneous confirmations: exactly one counts", async () => {
    const t = await setup();
    const request = await t.create();
    const results = await Promise.all([
      t.service.decide(request.id, requester, "approve"),
      t.service.decide(request.id, requester, "approve"),
      t.service.decide(request.id, requester, "approve"),
    ]);
    assert.equal(results.filter((r) => r.kind === "done").length, 1);
    await t.jobs.idle();
    assert.equal(t.directory.revoked.length, 1);
    assert.equal((await t.entries()).filter((e) => e.action === "request.approved").length, 1);
  });

  it("an expired request cannot be confirmed and is audited as expired", async () => {
    let now = new Date("2026-11-24T10:00:00Z");
    const t = await setup({ now: () => now });
    const request = await t.create();
    now = new Date("2026-11-24T10:31:00Z");
    const result = await t.service.decide(request.id, requester, "approve");
    assert.equal(result.kind, "notPending");
    assert.equal((await t.store.get(request.id))?.state, "expired");
    assert.ok((await t.entries()).some((e) => e.action === "request.expired"));
    assert.equal(t.directory.revoked.length, 0);
  });

  it("expireDue expires only requests past their TTL", async () => {
    let now = new Date("2026-11-24T10:00:00Z");
    const t = await setup({ now: () => now });
    const old = await t.create();
    now = new Date("2026-11-24T10:20:00Z");
    const fresh = await t.create();
    now = new Date("2026-11-24T10:35:00Z");
    const expired = await t.service.expireDue();
    assert.equal(expired, 1);
    await until(() => t.listener.finished.length === 1);
    assert.deepEqual(t.listener.finished.map((r) => [r.id, r.state]), [[old.id, "expired"]], "its card is edited");
    assert.equal((await t.store.get(fresh.id))?.state, "pending");
  });

  it("a revocation whose read-back never shows it is 'revoked, not yet verified'", async () => {
    const t = await setup();
    const request = await t.create();
    t.directory.stale.add(t.users[0]?.id ?? "");
    await t.service.decide(request.id, requester, "approve");
    await t.jobs.idle();
    const done = await t.store.get(request.id);
    assert.equal(done?.outcomes[0]?.status, "revoked_unverified");
    assert.match(done.outcomes[0]?.detail ?? "", /status user/);
    assert.equal(done.state, "completed");
  });

  it("retries a throttled revocation and records one outcome", async () => {
    const t = await setup();
    const id = t.users[0]?.id ?? "";
    t.directory.revokeFailures.set(id, [new AppError("GraphThrottled", "slow down", { status: 429, retryAfterSeconds: 0 })]);
    const request = await t.create();
    await t.service.decide(request.id, requester, "approve");
    await t.jobs.idle();
    assert.deepEqual(t.directory.revoked, [id, id]);
    const done = await t.store.get(request.id);
    assert.equal(done?.outcomes.length, 1);
    assert.equal(done.outcomes[0]?.status, "revoked_verified");
  });

  it("records a 403 per target without retrying, and the others still run", async () => {
    const t = await setup();
    const [a, b] = [t.users[0]?.id ?? "", t.users[1]?.id ?? ""];
    t.directory.revokeFailures.set(a, [new AppError("GraphForbidden", "lacks User.RevokeSessions.All", { status: 403 })]);
    const request = await t.create(t.users.slice(0, 2));
    await t.service.decide(request.id, approver, "approve");
    await t.jobs.idle();
    const done = await t.store.get(request.id);
    assert.equal(done?.state, "failed");
    assert.deepEqual(
      done.outcomes.map((o) => [o.userId, o.status]),
      [
        [a, "failed"],
        [b, "revoked_verified"],
      ],
    );
    assert.match(done.outcomes[0]?.detail ?? "", /User\.RevokeSessions\.All/);
    assert.deepEqual(t.directory.revoked, [a, b]);
    assert.equal((await t.entries()).at(-1)?.action, "revocation.failed");
  });

  it("a target deleted since the request is 'not found'", async () => {
    const t = await setup();
    const request = await t.create();
    t.directory.users.delete(t.users[0]?.id ?? "");
    await t.service.decide(request.id, requester, "approve");
    await t.jobs.idle();
    assert.equal((await t.store.get(request.id))?.outcomes[0]?.status, "not_found");
  });

  it("--disable disables the account after revoking; even for one user its requester cannot confirm it, an approver can", async () => {
    const t = await setup();
    const request = await t.create(t.users.slice(0, 1), true);
    const own = await t.service.decide(request.id, requester, "approve");
    assert.equal(own.kind, "refused");
    assert.match(own.kind === "refused" ? own.reason : "", /--disable.*DISABLE_NEEDS_SECOND_PERSON/);
    assert.equal((await t.service.decide(request.id, approver, "approve")).kind, "done");
    await t.jobs.idle();
    assert.deepEqual(t.directory.disabled, [t.users[0]?.id]);
    const outcome = (await t.store.get(request.id))?.outcomes[0];
    assert.equal(outcome?.disabled, true);
    assert.equal(t.directory.users.get(t.users[0]?.id ?? "")?.accountEnabled, false);
  });

  describe("checks at job start", () => {
    it("refuses a request whose approval entry is missing from the audit log: revocation.refused, failed with the reason, nobody revoked", async () => {
      const t = await setup();
      const request = await t.create(t.users.slice(0, 2));
      const approved = await t.approveQuietly(request);
      assert.ok(approved);
      // Someone with database access removes the approval from the chain (the request row still says approved).
      const approval = await t.db.database.db.selectFrom("audit_log").select("seq").where("action", "=", "request.approved").executeTakeFirstOrThrow();
      await t.db.database.db.deleteFrom("outbox").where("audit_seq", "=", approval.seq).execute();
      await t.db.database.db.deleteFrom("audit_log").where("seq", "=", approval.seq).execute();
      t.jobs.start(request.id);
      await t.jobs.idle();
      const after = await t.store.get(request.id);
      assert.equal(after?.state, "failed");
      assert.equal(after.decisionReason, "Not run: its approval is not in the audit log, so nobody can be shown to have approved it.");
      assert.deepEqual(t.directory.revoked, []);
      const refused = (await t.entries()).filter((e) => e.action === "revocation.refused");
      assert.equal(refused.length, 1);
      assert.equal(refused[0]?.details.reason, after.decisionReason);
      assert.ok(!(await t.entries()).some((e) => e.action === "revocation.started"));
      assert.deepEqual(t.listener.finished.map((r) => r.state), ["failed"]);
      // The job is finished: no runner picks it up again.
      assert.equal(await t.db.jobs.claimNext("replica-z", 60_000), undefined);
    });

    it("at resume too: a running request whose remaining targets were swapped in the database is refused, and nobody else is revoked (issue 22 #9)", async () => {
      const t = await setup();
      const extra = testUser();
      t.directory.users.set(extra.id, { ...extra });
      const request = await t.create(t.users);
      const approved = await t.approveQuietly(request);
      assert.ok(approved);
      // Runner A starts the job (its lease runs out at once: it died) without revoking anyone.
      assert.ok(await t.db.jobs.claim(request.id, "replica-a", 20));
      assert.ok(await t.store.transition(request.id, approved.version, { state: "running" }));
      // Someone with database access points the last target at another user.
      await t.db.database.db.updateTable("request_targets").set({ user_id: extra.id, snapshot: JSON.stringify(extra) }).where("request_id", "=", request.id).where("position", "=", 2).execute();
      await new Promise((r) => setTimeout(r, 40));
      const b = t.runner("replica-b");
      b.start(request.id);
      await b.idle();
      const after = await t.store.get(request.id);
      assert.equal(after?.state, "failed");
      assert.match(after.decisionReason ?? "", /^Not run: what the database holds differs from what was asked for and approved \(which users it names\)/);
      assert.deepEqual(t.directory.revoked, [], "nobody revoked on resume");
      assert.equal((await t.entries()).filter((e) => e.action === "revocation.refused").length, 1);
      assert.ok(!(await t.entries()).some((e) => e.action === "revocation.resumed"));
    });

    it("refuses at start an enable whose account was disabled again by a newer request since it was asked (issue 22 #5)", async () => {
      const t = await setup();
      const [user] = t.users;
      assert.ok(user);
      t.directory.users.set(user.id, { ...user, accountEnabled: false });
      // The first disable, which the enable is asked against.
      const first = await t.approveQuietly(await t.create([user], true));
      assert.ok(first);
      const disabledOutcome = { userId: user.id, status: "revoked_verified" as const, detail: "ok", sessionsValidFrom: null, disabled: true, at: new Date().toISOString() };
      await t.store.recordOutcome(first.id, disabledOutcome, { actor: null, action: "target.outcome", requestId: first.id, details: {} });
      const enable = await t.service.create({
        requester,
        reason: "device wiped",
        disable: false,
        containment: NO_CONTAINMENT,
        targets: [user],
        excluded: [],
        origin: { conversation: { id: "c1" } },
        approvalChannel: "",
        secondPerson: "re-enabling an account always needs a second person",
        action: "enable",
        enableAgainst: first.id,
      });
      // A newer incident disables the account again; the enable is then approved (bypassing the click's check).
      const second = await t.approveQuietly(await t.create([user], true));
      assert.ok(second);
      await new Promise((r) => setTimeout(r, 5));
      await t.store.recordOutcome(second.id, { ...disabledOutcome, at: new Date().toISOString() }, { actor: null, action: "target.outcome", requestId: second.id, details: {} });
      assert.ok(await t.approveQuietly(enable));
      t.jobs.start(enable.id);
      await t.jobs.idle();
      const after = await t.store.get(enable.id);
      assert.equal(after?.state, "failed");
      assert.match(after.decisionReason ?? "", new RegExp(`^Not run: request ${second.id} disabled .* again after this enable was asked`));
      assert.equal(t.directory.users.get(user.id)?.accountEnabled, false, "not enabled");
    });

    it("refuses a request whose approval entry names someone other than the recorded approver", async () => {
      const t = await setup();
      const request = await t.create(t.users.slice(0, 1));
      const approved = await t.store.transition(
        request.id,
        request.version,
        { state: "approved", decidedBy: approver },
        { job: "enqueue", audit: { actor: outsider, action: "request.approved", requestId: request.id, details: {} } },
      );
      assert.ok(approved);
      t.jobs.start(request.id);
      await t.jobs.idle();
      assert.equal((await t.store.get(request.id))?.state, "failed");
      assert.deepEqual(t.directory.revoked, []);
    });

    it("refuses a request whose requester left the revoker group between the approval and the job start", async () => {
      const t = await setup();
      const request = await t.create(t.users.slice(0, 2));
      assert.ok(await t.approveQuietly(request));
      t.directory.groups.set(requester.aadObjectId, []);
      t.jobs.start(request.id);
      await t.jobs.idle();
      const after = await t.store.get(request.id);
      assert.equal(after?.state, "failed");
      assert.equal(after.decisionReason, "Not run: the requester, Val Requester, is no longer allowed to request revocations.");
      assert.deepEqual(t.directory.revoked, []);
      const refused = (await t.entries()).filter((e) => e.action === "revocation.refused");
      assert.deepEqual(refused.map((e) => [e.actor, e.requestId]), [[null, request.id]]);
    });

    it("runs the same request when the requester is still a revoker", async () => {
      const t = await setup();
      const request = await t.create(t.users.slice(0, 2));
      assert.ok(await t.approveQuietly(request));
      t.jobs.start(request.id);
      await t.jobs.idle();
      assert.equal((await t.store.get(request.id))?.state, "completed");
      assert.equal(t.directory.revoked.length, 2);
    });
  });

  it("with DISABLE_NEEDS_SECOND_PERSON=false a one-user --disable may be confirmed by its requester", async () => {
    const t = await setup({ disableNeedsSecondPerson: false });
    const request = await t.create(t.users.slice(0, 1), true);
    assert.equal((await t.service.decide(request.id, requester, "approve")).kind, "done");
    await t.jobs.idle();
    assert.deepEqual(t.directory.disabled, [t.users[0]?.id]);
  });

  it("a one-user request naming a revoker or an approver needs a second person", async () => {
    for (const group of [REVOKERS, APPROVERS]) {
      const t = await setup();
      const target = t.users[1];
      assert.ok(target !== undefined);
      t.directory.groups.set(target.id.toLowerCase(), [group]);
      const request = await t.create([target]);
      const own = await t.service.decide(request.id, requester, "approve");
      assert.equal(own.kind, "refused", group);
      assert.match(own.kind === "refused" ? own.reason : "", new RegExp(`${target.userPrincipalName.replace(/\./g, "\\.")} is a member of a revoker or approver group`));
      const created = (await t.entries()).find((e) => e.action === "request.created");
      assert.equal(created?.details.fourEyes, true, "the request is recorded as needing a second person");
      assert.equal((await t.service.decide(request.id, approver, "approve")).kind, "done");
      await t.jobs.idle();
      assert.deepEqual(t.directory.revoked, [target.id]);
    }
  });

  it("an approver cannot approve the request of someone who has left the revoker groups; the refusal is audited", async () => {
    const t = await setup();
    const request = await t.create(t.users.slice(0, 2));
    t.directory.groups.set(requester.aadObjectId, []);
    const result = await t.service.decide(request.id, approver, "approve");
    assert.equal(result.kind, "refused");
    assert.match(result.kind === "refused" ? result.reason : "", /no longer in a revoker group/);
    assert.equal((await t.entries()).at(-1)?.action, "decision.refused");
    assert.equal((await t.service.decide(request.id, approver, "reject")).kind, "done", "it can still be rejected");
    await t.jobs.idle();
    assert.deepEqual(t.directory.revoked, []);
  });

  describe("what a decision reads (a spy on the store)", () => {
    /** Counts the store's whole-request loads and the target rows it reads, by method. */
    function spied(t: Awaited<ReturnType<typeof setup>>) {
      const reads = { whole: 0, targetRows: 0 };
      const store = new Proxy(t.store, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            if (prop === "get" || prop === "listByState") reads.whole++;
            if (prop === "summary") reads.targetRows += Number(args[1]);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const service = new RevocationService({
        words: REVOCATION_WORDS,
        store,
        auditor: t.auditor,
        roles: t.roles,
        jobs: t.jobs,
        listener: t.listener,
        ttlMinutes: 30,
        fourEyesMinTargets: 2,
        disableNeedsSecondPerson: true,
        maxPendingPerRequester: 5,
      });
      return { reads, service };
    }

    it("cancel by someone other than the requester, and clicks by someone without a role, read no target", async () => {
      const t = await setup();
      const request = await t.create(t.users.slice(0, 3));
      const { reads, service } = spied(t);
      assert.equal((await service.decide(request.id, approver, "cancel")).kind, "refused");
      for (const verb of ["approve", "reject", "cancel"] as const) {
        assert.equal((await service.decide(request.id, outsider, verb)).kind, "refused", verb);
      }
      assert.deepEqual(reads, { whole: 0, targetRows: 0 }, "no whole request and no target row was read");
      assert.equal((await t.store.get(request.id))?.state, "pending");
    });

    it("an allowed click reads at most a card's worth of targets and never the whole request", async () => {
      const t = await setup();
      const request = await t.create(t.users.slice(0, 3));
      const { reads, service } = spied(t);
      assert.equal((await service.decide(request.id, approver, "reject")).kind, "done");
      assert.equal(reads.whole, 0);
      // A card's worth for the answer, and the few (at most 3) a small set's audit headline names.
      assert.ok(reads.targetRows <= 20 + TITLE_NAMES, `${reads.targetRows} target rows`);
      const listed = await service.actionableBy(requester);
      assert.equal(reads.whole, 0, "pending lists from the requests' rows");
      assert.deepEqual(listed, []);
    });
  });

  it("the expiry sweep expires more requests than one page, page by page, reading no targets", async () => {
    let now = new Date("2026-11-24T10:00:00Z");
    const t = await setup({ now: () => now, sweepPageSize: 2, maxPending: 10 });
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await t.create());
    now = new Date("2026-11-24T10:31:00Z");
    const pages: number[] = [];
    const listHeads = t.store.listHeads.bind(t.store);
    t.store.listHeads = async (states, filter) => {
      assert.equal(filter?.limit, 2, "each page asks for at most the page size");
      const page = await listHeads(states, filter);
      pages.push(page.length);
      return page;
    };
    const get = t.store.get.bind(t.store);
    let wholeLoads = 0;
    t.store.get = (id) => {
      wholeLoads++;
      return get(id);
    };
    assert.equal(await t.service.expireDue(), 5);
    assert.deepEqual(pages, [2, 2, 1], "three pages: 2, 2 and the last, short one");
    assert.equal(wholeLoads, 0);
    t.store.get = get;
    for (const r of made) assert.equal((await t.store.get(r.id))?.state, "expired");
    assert.equal((await t.entries()).filter((e) => e.action === "request.expired").length, 5);
  });

  it("counts a requester's open requests without loading them (the pending cap's input)", async () => {
    let now = new Date("2026-11-24T10:00:00Z");
    const t = await setup({ now: () => now });
    await t.create();
    await t.create(t.users.slice(0, 2));
    assert.equal(await t.service.pendingCountOf(requester.aadObjectId), 2);
    assert.equal(await t.service.pendingCountOf(requester.aadObjectId.toUpperCase()), 2, "object IDs in any case");
    assert.equal(await t.service.pendingCountOf(approver.aadObjectId), 0);
    now = new Date("2026-11-24T10:31:00Z");
    assert.equal(await t.service.pendingCountOf(requester.aadObjectId), 0, "expired requests do not count, swept or not");
  });

  describe("jobs that outlive their runner", () => {
    /** Approves without starting a runner, as a process that dies right after the approval would. */
    async function approvedRequest(t: Awaited<ReturnType<typeof setup>>, count: number) {
      const request = await t.create(t.users.slice(0, count));
      const approved = await t.approveQuietly(request);
      assert.ok(approved);
      return approved;
    }

    it("an approved job nobody started is found by polling and run once", async () => {
      const t = await setup();
      const request = await approvedRequest(t, 3);
      const b = t.runner("replica-b");
      b.startPolling();
      const until = Date.now() + 5000;
      while ((await t.store.get(request.id))?.state !== "completed" && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      await b.stop();
      const done = await t.store.get(request.id);
      assert.equal(done?.state, "completed");
      assert.deepEqual([...t.directory.revoked].sort(), t.users.map((u) => u.id).sort());
      assert.ok((await t.entries()).some((e) => e.action === "revocation.started" && e.details.runner === "replica-b"));
    });

    it("resumes a dead runner's job after its lease: outcomes kept, an attempted target verified instead of revoked again", async () => {
      const t = await setup();
      const request = await approvedRequest(t, 3);
      const [u0, u1, u2] = t.users;
      assert.ok(u0 && u1 && u2);
      // Runner A claims the job with a short lease, finishes u0, reaches Graph for u1, then dies.
      assert.ok(await t.db.jobs.claim(request.id, "replica-a", 50));
      const running = await t.store.transition(request.id, request.version, { state: "running" });
      assert.ok(running);
      assert.deepEqual(await t.store.markAttempt(request.id, u0.id, "replica-a"), { kind: "marked", previous: null });
      await t.directory.revokeSignInSessions(u0.id);
      const outcome = { userId: u0.id, status: "revoked_verified" as const, detail: "ok", sessionsValidFrom: null, disabled: false, at: new Date().toISOString() };
      assert.equal(await t.store.recordOutcome(request.id, outcome, { actor: null, action: "target.outcome", requestId: request.id, details: {} }), true);
      assert.equal((await t.store.markAttempt(request.id, u1.id, "replica-a")).kind, "marked");
      await new Promise((r) => setTimeout(r, 5)); // the directory's time must move past the attempt
      await t.directory.revokeSignInSessions(u1.id);

      // Runner B cannot take the job while A's lease lives, and takes it once it has run out.
      assert.equal(await t.db.jobs.claim(request.id, "replica-b", 60_000), undefined);
      await new Promise((r) => setTimeout(r, 60));
      const b = t.runner("replica-b");
      b.start(request.id);
      await b.idle();

      const done = await t.store.get(request.id);
      assert.equal(done?.state, "completed");
      assert.deepEqual(
        done.outcomes.map((o) => [o.userId, o.status]),
        [
          [u0.id, "revoked_verified"],
          [u1.id, "revoked_verified"],
          [u2.id, "revoked_verified"],
        ],
      );
      assert.match(done.outcomes[1]?.detail ?? "", /verified on resume/);
      // One revocation per user: u0 and u1 by A, only u2 by B.
      assert.deepEqual(t.directory.revoked, [u0.id, u1.id, u2.id]);
      const resumed = (await t.entries()).find((e) => e.action === "revocation.resumed");
      assert.equal(resumed?.details.previousRunner, "replica-a");
      assert.equal(resumed?.details.remaining, 2);
      assert.equal((await t.entries()).filter((e) => e.action === "target.outcome").length, 3);
    });

    it("containment after a dead runner: a reset an earlier attempt may have sent is sent again (a change around the interruption is never taken for the bot's); every step of every target recorded once", async () => {
      const t = await setup();
      const both: Containment = { resetPassword: true, confirmCompromised: true };
      const request = await t.create(t.users, false, both);
      const approved = await t.approveQuietly(request);
      assert.ok(approved);
      const [u0, u1, u2] = t.users;
      assert.ok(u0 && u1 && u2);
      // Runner A revokes u0 and u1, marks their resets, reaches Graph for u0's only, then dies.
      assert.ok(await t.db.jobs.claim(request.id, "replica-a", 50));
      assert.ok(await t.store.transition(request.id, approved.version, { state: "running" }));
      assert.equal((await t.store.markAttempts(request.id, [u0.id, u1.id], "replica-a")).kind, "marked");
      await t.directory.revokeSignInSessions(u0.id);
      await t.directory.revokeSignInSessions(u1.id);
      assert.equal((await t.store.markSteps(request.id, "reset_password", [u0.id, u1.id], "replica-a")).kind, "marked");
      await t.directory.resetPasswordMany([u0.id]);

      await new Promise((r) => setTimeout(r, 60));
      const b = t.runner("replica-b");
      b.start(request.id);
      await b.idle();

      const done = await t.store.get(request.id);
      assert.equal(done?.state, "completed");
      // One reset per attempt that reached Graph: u0's by A and again by B, u1's (A died before
      // sending it) and u2's by B only.
      assert.deepEqual([...t.directory.passwordResets].sort(), [u0.id, u0.id, u1.id, u2.id].sort(), "u0 reset by A and again on resume; the others once");
      assert.deepEqual([...t.directory.confirmedCompromised].sort(), [u0.id, u1.id, u2.id].sort());
      const steps = (await t.entries()).filter((e) => e.action === "target.containment");
      assert.equal(steps.length, 6, "one entry per target and step");
      const u0Reset = steps.find((e) => e.details.id === u0.id && e.details.step === "reset password");
      assert.match(String(u0Reset?.details.detail), /Reset again after an interruption/);
      const u2Reset = steps.find((e) => e.details.id === u2.id && e.details.step === "reset password");
      assert.doesNotMatch(String(u2Reset?.details.detail), /again/, "a first attempt says nothing of an interruption");
      for (const o of done.outcomes) assert.match(o.detail, /Password reset.*Confirmed as compromised/);
    });

    it("stop() pauses a job after the targets in flight and hands the lease back; another runner finishes it", async () => {
      const t = await setup();
      const users = Array.from({ length: 60 }, () => testUser());
      for (const u of users) t.directory.users.set(u.id, { ...u });
      t.directory.writeDelayMs = 30; // each batch of 20 takes a while: the job can be stopped half-way
      const request = await t.create(users);
      const approved = await t.approveQuietly(request);
      assert.ok(approved);
      const a = new JobRunner({
        words: REVOCATION_WORDS,
        store: t.store,
        jobs: t.db.jobs,
        owner: "replica-a",
        directory: t.directory,
        auditor: new Auditor(t.db.audit, t.db.audit, { deliver: () => Promise.resolve(true) }, pino({ level: "silent" }), { owner: "a" }),
        auditLog: t.db.audit,
        roles: t.roles,
        listener: t.listener,
        logger: pino({ level: "silent" }),
        options: { verifyDelaysMs: [20], retryDelaysMs: [5], clockSkewMs: 60_000, concurrency: 1, leaseMs: 60_000 },
      });
      a.start(request.id);
      while (((await t.store.get(request.id))?.outcomes.length ?? 0) < 20) await new Promise((r) => setTimeout(r, 5));
      await a.stop();
      const paused = await t.store.get(request.id);
      assert.equal(paused?.state, "running");
      assert.ok(paused.outcomes.length < 60, "stopped before the end (batches of 20, one in flight)");
      // The lease was handed back: B may claim at once, without waiting for it to run out.
      const b = t.runner("replica-b");
      b.start(request.id);
      await b.idle();
      const done = await t.store.get(request.id);
      assert.equal(done?.state, "completed");
      assert.equal(done.outcomes.length, 60);
      assert.equal(new Set(t.directory.revoked).size, t.directory.revoked.length, "nobody revoked twice");
    });
  });
});
