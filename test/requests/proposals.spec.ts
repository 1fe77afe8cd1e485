/**
 * The proposal use case alone (src/requests/proposals.ts): no Teams, no HTTP. A door here is a
 * plain object that keeps what it is asked to record, so each refusal is seen as the facts the
 * doors word (chat: cards/proposal-replies.ts; the API: problem+json).
 */
import assert from "node:assert/strict";
import pino from "pino";
import { Auditor } from "../../src/audit/auditor.js";
import { REVOCATION_WORDS } from "../../src/cards/revocation-words.js";
import { appActor, type Actor } from "../../src/domain/actor.js";
import { NO_CONTAINMENT } from "../../src/domain/containment.js";
import type { Origin } from "../../src/domain/origin.js";
import { GraphRoleLookup } from "../../src/policy/roles.js";
import { RevocationService } from "../../src/requests/lifecycle.js";
import { Proposals, type ProposalDoor, type ProposalRefusal, type Proposer } from "../../src/requests/proposals.js";
import { disabledSelection } from "../../src/requests/selections.js";
import { SqlRequestStore } from "../../src/store/request-store.js";
import { FakeDirectory, testUser } from "../fakes/fake-directory.js";
import { openTestStore, type TestStore } from "../support/store.js";

const REVOKERS = "11111111-0000-4000-8000-000000000001";
const APPROVERS = "11111111-0000-4000-8000-000000000002";
const revoker: Actor = { aadObjectId: "bbbbbbbb-0000-4000-8000-000000000011", name: "Val Requester" };
const outsider: Actor = { aadObjectId: "bbbbbbbb-0000-4000-8000-000000000013", name: "Nina Viewer" };
const REVOKER_ROLES = { revoker: true, approver: false };

/** A door that records what it is told and places every card in one conversation (or nowhere). */
class RecordingDoor implements ProposalDoor<Origin> {
  readonly refusals: ProposalRefusal[] = [];
  /** `where` null: no conversation an approver could see. */
  constructor(private readonly where: Origin | null = { conversation: { id: "19:room" } }) {}
  recordRefusal(refusal: ProposalRefusal): Promise<void> {
    this.refusals.push(refusal);
    return Promise.resolve();
  }
  place(): Promise<Origin | undefined> {
    return Promise.resolve(this.where ?? undefined);
  }
  originOf(place: Origin): Origin {
    return place;
  }
  approvalChannelOf(): string {
    return "";
  }
}

const opened: TestStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function world(options: { maxPending?: number } = {}) {
  const alice = testUser();
  const bob = testUser();
  const vip = testUser();
  const guest = testUser({ userType: "Guest" });
  const gone = testUser({ accountEnabled: false });
  const directory = new FakeDirectory([alice, bob, vip, guest, gone]);
  directory.groups.set(revoker.aadObjectId, [REVOKERS]);
  const db = await openTestStore();
  opened.push(db);
  const logger = pino({ level: "silent" });
  const auditor = new Auditor(db.audit, db.audit, { deliver: () => Promise.resolve(true) }, logger, { owner: "test" });
  const store = new SqlRequestStore(db.database.db, db.database.kind, undefined, auditor.observe);
  const roles = new GraphRoleLookup(directory, { revokerGroupIds: [REVOKERS], approverGroupIds: [APPROVERS] }, 0);
  const revocations = new RevocationService({
    words: REVOCATION_WORDS,
    store,
    auditor,
    roles,
    jobs: { start: () => undefined },
    listener: { onProgress: () => Promise.resolve(), onFinished: () => Promise.resolve() },
    ttlMinutes: 30,
    fourEyesMinTargets: 5,
    disableNeedsSecondPerson: true,
    maxPendingPerRequester: options.maxPending ?? 5,
  });
  const proposals = new Proposals({ revocations, directory, protectedUsers: [vip.id.toLowerCase()], maxTargets: 2 });
  const options_ = { reason: "phished", disable: false, containment: NO_CONTAINMENT, command: "revoke user" };
  return { alice, bob, vip, guest, gone, directory, revocations, proposals, options: options_ };
}

describe("requests: proposing without Teams or HTTP (proposals.ts)", () => {
  it("refuses a person who is no revoker before any target is read, records the refusal, and stores nothing", async () => {
    const w = await world();
    const door = new RecordingDoor();
    const admission = await w.proposals.admit({ actor: outsider, roles: { revoker: false, approver: false } }, door);
    assert.equal(admission.kind, "refused");
    assert.ok(admission.kind === "refused" && admission.refusal.kind === "notRevoker");
    assert.match(admission.refusal.kind === "notRevoker" ? admission.refusal.reason : "", /revoker/);
    assert.deepEqual(door.refusals, [admission.refusal]);
    assert.equal(await w.revocations.pendingCountOf(outsider.aadObjectId), 0);
  });

  it("an app needs no group: its app role was checked by its door; its request always needs a second person", async () => {
    const w = await world();
    const app: Proposer = { actor: appActor("00000000-0000-4000-8000-00000000a991", "Sentinel"), app: true };
    const door = new RecordingDoor();
    assert.deepEqual(await w.proposals.admit(app, door), { kind: "admitted" });
    const frozen = await w.proposals.freeze({ kind: "users", keys: [w.alice.userPrincipalName] }, door);
    assert.ok(frozen.kind === "frozen");
    const proposed = await w.proposals.propose(app, frozen.set, w.options, door);
    assert.ok(proposed.kind === "created");
    assert.notEqual(proposed.secondPerson, null, "automation never confirms its own request");
    assert.deepEqual(door.refusals, []);
  });

  it("the pending cap: the early count refuses at the cap, and the binding count at insert refuses proposals that all passed the early one", async () => {
    const w = await world({ maxPending: 1 });
    const me: Proposer = { actor: revoker, roles: REVOKER_ROLES };
    const door = new RecordingDoor();
    // Two messages at once: both pass the early count, the second is refused where it is stored.
    assert.deepEqual(await w.proposals.admit(me, door), { kind: "admitted" });
    assert.deepEqual(await w.proposals.admit(me, door), { kind: "admitted" });
    const one = await w.proposals.freeze({ kind: "users", keys: [w.alice.id] }, door);
    const two = await w.proposals.freeze({ kind: "users", keys: [w.bob.id] }, door);
    assert.ok(one.kind === "frozen" && two.kind === "frozen");
    const first = await w.proposals.propose(me, one.set, w.options, door);
    const second = await w.proposals.propose(me, two.set, w.options, door);
    assert.equal(first.kind, "created");
    assert.deepEqual(second, { kind: "refused", refusal: { kind: "pendingCap", open: 1, max: 1 } });
    // The next message is refused early, before any target is read.
    assert.deepEqual(await w.proposals.admit(me, door), { kind: "refused", refusal: { kind: "pendingCap", open: 1, max: 1 } });
    assert.deepEqual(door.refusals.map((r) => r.kind), ["pendingCap", "pendingCap"]);
    assert.equal(await w.revocations.pendingCountOf(revoker.aadObjectId), 1);
  });

  it("protected accounts and guests are left out of the frozen set; a set of only those is refused with them named", async () => {
    const w = await world();
    const door = new RecordingDoor();
    const frozen = await w.proposals.freeze({ kind: "users", keys: [w.vip.userPrincipalName, w.alice.id, w.guest.id] }, door);
    assert.ok(frozen.kind === "frozen");
    assert.deepEqual(frozen.set.targets.map((t) => t.id), [w.alice.id]);
    assert.deepEqual(frozen.set.excluded.map((e) => [e.user.id, e.why]).sort(), [[w.guest.id, "guest"], [w.vip.id, "protected"]].sort());

    const none = await w.proposals.freeze({ kind: "users", keys: [w.vip.id] }, door);
    assert.ok(none.kind === "refused" && none.refusal.kind === "nothingToRevoke");
    assert.deepEqual(none.refusal.excluded.map((e) => e.why), ["protected"]);
    assert.equal(none.refusal.selection, undefined, "named users, not a selection");
  });

  it("a name that is no user, and a selection larger than MAX_TARGETS, are refused as facts", async () => {
    const w = await world();
    const door = new RecordingDoor();
    const unknown = await w.proposals.freeze({ kind: "users", keys: ["nobody@contoso.com", w.alice.id] }, door);
    assert.deepEqual(unknown, { kind: "refused", refusal: { kind: "unresolved", problems: [{ key: "nobody@contoso.com", index: 0 }] } });
    w.directory.users.set(w.bob.id, { ...w.bob, accountEnabled: false });
    w.directory.users.set(w.alice.id, { ...w.alice, accountEnabled: false });
    const tooMany = await w.proposals.freeze({ kind: "selection", source: disabledSelection(w.directory) }, door);
    assert.ok(tooMany.kind === "refused" && tooMany.refusal.kind === "tooManyTargets");
    assert.equal(tooMany.refusal.max, 2);
  });

  it("a request that needs a second person is refused when its door has nowhere an approver could see it", async () => {
    const w = await world();
    const me: Proposer = { actor: revoker, roles: REVOKER_ROLES };
    const nowhere = new RecordingDoor(null);
    const frozen = await w.proposals.freeze({ kind: "users", keys: [w.alice.id] }, nowhere);
    assert.ok(frozen.kind === "frozen");
    const proposed = await w.proposals.propose(me, frozen.set, { ...w.options, disable: true }, nowhere);
    assert.ok(proposed.kind === "refused" && proposed.refusal.kind === "noApprovalChannel");
    assert.deepEqual(nowhere.refusals, [proposed.refusal]);
    assert.equal(await w.revocations.pendingCountOf(revoker.aadObjectId), 0);
  });

  it("enable: only a disabled account, and what this bot did to it is frozen with the request", async () => {
    const w = await world();
    const door = new RecordingDoor();
    const enabled = await w.proposals.freezeEnable(w.alice.userPrincipalName, door);
    assert.ok(enabled.kind === "refused" && enabled.refusal.kind === "notDisabled" && enabled.refusal.known);
    const frozen = await w.proposals.freezeEnable(w.gone.id, door);
    assert.ok(frozen.kind === "frozen");
    assert.deepEqual(frozen.set.enable, { foreignDisable: true, enableAgainst: null });
    const created = await w.proposals.propose({ actor: revoker, roles: REVOKER_ROLES }, frozen.set, w.options, door);
    assert.ok(created.kind === "created");
    assert.equal(created.request.action, "enable");
    assert.notEqual(created.secondPerson, null, "an enable always needs a second person");
  });
});
