/**
 * The authorization matrix, through the real HTTP endpoint: who may approve, reject or withdraw
 * which request, in which state. Rows are generated from the dimensions below (requester role ×
 * clicker × target count × state × verb); the expected result of each row comes from the product
 * rules written out in `expectedOutcome`, never from the code under test.
 *
 * Where the cards are: every request is made in one Teams channel ("incident"), and every click
 * comes from that channel. A channel request needs no approval channel even for four-eyes sizes,
 * and everybody in the channel sees (and can click) the same card.
 *
 * One bot serves the whole matrix. Every row has its own request, all made up front, then brought
 * into the row's state (approved by an approver and run to completion, rejected by an approver,
 * withdrawn by its requester, or left pending); the expired rows come last, after one restart that
 * moves the bot's clock past the TTL. Clicks run one at a time, so each row's Graph traffic is
 * exactly what arrived between its click and the end of the work it started.
 */
import assert from "node:assert/strict";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { Verbs } from "../../src/cards/verbs.js";
import type { RevocationRequest } from "../../src/revocation/types.js";
import { APPROVER_GROUP_ID, REVOKER_GROUP_ID, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { auditEntryOf } from "../../src/store/audit-store.js";
import { openTestStore, type TestStore } from "../support/store.js";
import { withoutConfigNames } from "../../src/cards/format.js";
import { answerMessage, cardIn, cardText } from "./cards.js";
import { useWorld, type UserKey } from "./harness.js";

// ---------------------------------------------------------------------------------------------
// The product's rules, as configured for this spec.

/** FOUR_EYES_MIN_TARGETS: a request for this many users or more needs a second person. */
const FOUR_EYES_MIN_TARGETS = 2;
/** REQUEST_TTL_MINUTES. */
const TTL_MINUTES = 30;

// ---------------------------------------------------------------------------------------------
// Dimensions.

interface Roles {
  revoker: boolean;
  approver: boolean;
}

type RoleName = "none" | "revoker" | "approver" | "revoker+approver";

const ROLE_OF: Record<RoleName, Roles> = {
  none: { revoker: false, approver: false },
  revoker: { revoker: true, approver: false },
  approver: { revoker: false, approver: true },
  "revoker+approver": { revoker: true, approver: true },
};

/**
 * The people of the matrix and the role each has in Entra. sam, val, riley and nina have theirs
 * from the simulator's well-known groups; alice (a second revoker only) and bob (a second
 * revoker+approver) are added to the groups in `before`, so each requester has a different
 * person of every role, including their own.
 */
const PEOPLE: ReadonlyArray<{ key: UserKey; role: RoleName }> = [
  { key: "val", role: "revoker" },
  { key: "sam", role: "revoker+approver" },
  { key: "riley", role: "approver" },
  { key: "nina", role: "none" },
  { key: "alice", role: "revoker" },
  { key: "bob", role: "revoker+approver" },
];

/** Who asks: a revoker only, and a revoker who is also an approver. */
const REQUESTERS: ReadonlyArray<UserKey> = ["val", "sam"];

/** Who clicks: the requester themself, or someone else with each role. */
type ClickerKind = { same: true } | { same: false; role: RoleName };
const CLICKERS: readonly ClickerKind[] = [
  { same: true },
  { same: false, role: "none" },
  { same: false, role: "revoker" },
  { same: false, role: "approver" },
  { same: false, role: "revoker+approver" },
];

/**
 * What a request asks for: how many users, whether `--disable`, and whether its one target is in
 * a revoker or approver group (a "privileged" target). 25 is more than the 20 targets a card lists.
 */
interface Shape {
  name: string;
  targets: number;
  disable: boolean;
  privileged: boolean;
}
const SHAPES: readonly Shape[] = [
  { name: "1 user", targets: 1, disable: false, privileged: false },
  { name: "1 user --disable", targets: 1, disable: true, privileged: false },
  { name: "1 user in the approver group", targets: 1, disable: false, privileged: true },
  { name: "2 users", targets: 2, disable: false, privileged: false },
  { name: "25 users", targets: 25, disable: false, privileged: false },
];
/** A shape that differs from "1 user" only in whether a second person is needed. */
function extraShape(shape: Shape): boolean {
  return shape.disable || shape.privileged;
}
/** DISABLE_NEEDS_SECOND_PERSON (the default). */
const DISABLE_NEEDS_SECOND_PERSON = true;
/** The privileged target: not one of the matrix's people, put into the approver group in `before`. */
const PRIVILEGED_TARGET: UserKey = "oneil";

type State = "pending" | "approved" | "rejected" | "cancelled" | "expired";
const STATES: readonly State[] = ["pending", "approved", "rejected", "cancelled", "expired"];

type VerbName = "approve" | "reject" | "cancel";
const VERBS: readonly VerbName[] = ["approve", "reject", "cancel"];
const CARD_VERB: Record<VerbName, string> = { approve: Verbs.approve, reject: Verbs.reject, cancel: Verbs.cancel };

/** Who brings a request into a non-pending state, and how. riley is an approver and never a requester. */
const PREPARER_APPROVER: UserKey = "riley";

function roleOf(key: UserKey): RoleName {
  const person = PEOPLE.find((p) => p.key === key);
  assert.ok(person !== undefined, `${key} is not one of the matrix's people`);
  return person.role;
}

function clickerFor(requester: UserKey, kind: ClickerKind): UserKey {
  if (kind.same) return requester;
  const other = PEOPLE.find((p) => p.key !== requester && p.role === kind.role);
  assert.ok(other !== undefined, `nobody but ${requester} has the role ${kind.role}`);
  return other.key;
}

// ---------------------------------------------------------------------------------------------
// The oracle: the rules of the product, written out.

type Outcome = "allowed" | "refused" | "notPending";

interface Row {
  index: number;
  requester: UserKey;
  clicker: UserKey;
  same: boolean;
  shape: Shape;
  state: State;
  verb: VerbName;
  expected: Outcome;
  name: string;
}

/**
 * - a request needs a second person when it has FOUR_EYES_MIN_TARGETS targets or more, or is a
 *   `--disable` (DISABLE_NEEDS_SECOND_PERSON), or names a member of a revoker or approver group;
 * - approve: pending and unexpired, and either (clicker ≠ requester and clicker is an approver, the
 *   requester still a revoker) or (clicker = requester, no second person needed, clicker is a revoker);
 * - reject: pending and unexpired, clicker ≠ requester, clicker is an approver;
 * - cancel (Withdraw): pending and unexpired, clicker = requester.
 * Anything not pending (approved, rejected, withdrawn, expired) changes nothing.
 */
function expectedOutcome(row: { state: State; verb: VerbName; same: boolean; shape: Shape; clickerRoles: Roles }): Outcome {
  if (row.state !== "pending") return "notPending";
  const { same, shape, clickerRoles } = row;
  const secondPerson = shape.targets >= FOUR_EYES_MIN_TARGETS || (shape.disable && DISABLE_NEEDS_SECOND_PERSON) || shape.privileged;
  let allowed: boolean;
  switch (row.verb) {
    case "approve":
      allowed = (!same && clickerRoles.approver) || (same && !secondPerson && clickerRoles.revoker);
      break;
    case "reject":
      allowed = !same && clickerRoles.approver;
      break;
    case "cancel":
      allowed = same;
      break;
  }
  return allowed ? "allowed" : "refused";
}

const OUTCOME_LABEL: Record<Outcome, string> = { allowed: "allowed", refused: "refused", notPending: "changes nothing (not pending)" };

function buildRows(): Row[] {
  const rows: Row[] = [];
  for (const requester of REQUESTERS) {
    for (const kind of CLICKERS) {
      const clicker = clickerFor(requester, kind);
      const clickerRole = roleOf(clicker);
      for (const shape of SHAPES) {
        for (const state of STATES) {
          // A request that is no longer pending changes nothing whatever its shape: the shapes that
          // differ only in who may approve (--disable, a privileged target) are tried while pending.
          if (extraShape(shape) && state !== "pending") continue;
          for (const verb of VERBS) {
            const same = kind.same;
            const expected = expectedOutcome({ state, verb, same, shape, clickerRoles: ROLE_OF[clickerRole] });
            const name =
              `requester=${requester}(${roleOf(requester)}) clicker=${clicker}(${clickerRole},${same ? "same" : "different"}) ` +
              `targets=${shape.name} state=${state} verb=${verb} → ${OUTCOME_LABEL[expected]}`;
            rows.push({ index: rows.length, requester, clicker, same, shape, state, verb, expected, name });
          }
        }
      }
    }
  }
  return rows;
}

const ROWS = buildRows();

// ---------------------------------------------------------------------------------------------
// What each state looks like on a result card, and what each allowed decision writes.

/** The title of the result card of a request in this state (after an approval: once it has run). */
const STATE_TITLE: Record<Exclude<State, "pending">, string> = {
  approved: "Revocation complete",
  rejected: "Request rejected",
  cancelled: "Request withdrawn",
  expired: "Request expired",
};
/** The word the "already …" notice uses for a state. */
const STATE_WORD: Record<Exclude<State, "pending">, string> = {
  approved: "approved",
  rejected: "rejected",
  cancelled: "withdrawn",
  expired: "expired",
};
/** The stored state a prepared request must be in when its row clicks. */
const STORED_STATE: Record<State, RevocationRequest["state"]> = {
  pending: "pending",
  approved: "completed",
  rejected: "rejected",
  cancelled: "cancelled",
  expired: "expired",
};
const DECIDED_ACTION: Record<VerbName, AuditEntry["action"]> = {
  approve: "request.approved",
  reject: "request.rejected",
  cancel: "request.cancelled",
};
/** What an allowed decision's answer shows: the new state's title and who decided. */
const ALLOWED_ANSWER: Record<VerbName, { title: string; by: string }> = {
  approve: { title: "Approved: revoking", by: "Approved by" },
  reject: { title: "Request rejected", by: "Rejected by" },
  cancel: { title: "Request withdrawn", by: "Withdrawn by" },
};
const STATE_CHANGING_ACTIONS: ReadonlySet<string> = new Set(["request.approved", "request.rejected", "request.cancelled", "request.expired"]);

// ---------------------------------------------------------------------------------------------
// Helpers.

const REVOKE_PATH = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/;
const DISABLE_PATH = /^\/v1\.0\/users\/([^/?]+)$/;
const INCIDENT = "incident";

interface Prepared {
  requestId: string;
  cardId: string;
  targetIds: string[];
}

/** The text of a card action's answer, with JSON escapes (for comparing against plain strings). */
function answerText(body: unknown): string {
  return cardText(body);
}

/** Runs fn over items with at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item);
      }
    }),
  );
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------

describe("e2e: authorization matrix (approve / reject / withdraw × who × size × state)", function () {
  this.timeout(120_000);
  let store: TestStore;
  // Declared before the world: the test's own connection closes before the bot does.
  after(async () => {
    await store?.close();
  });
  const h = useWorld({
    env: {
      FOUR_EYES_MIN_TARGETS: String(FOUR_EYES_MIN_TARGETS),
      REQUEST_TTL_MINUTES: String(TTL_MINUTES),
      DISABLE_NEEDS_SECOND_PERSON: String(DISABLE_NEEDS_SECOND_PERSON),
      // Every row's request is made up front: far more than the default five pending per person.
      MAX_PENDING_PER_REQUESTER: "1000",
    },
  });
  let targetPool: Array<{ id: string; upn: string }> = [];
  const prepared = new Map<number, Prepared>();

  const channel = () => h.channel(INCIDENT);

  async function auditOf(requestId: string): Promise<AuditEntry[]> {
    const rows = await store.database.db.selectFrom("audit_log").selectAll().where("request_id", "=", requestId).orderBy("seq", "asc").execute();
    return rows.map(auditEntryOf);
  }

  async function requestOf(requestId: string): Promise<RevocationRequest> {
    const request = await store.requests.get(requestId);
    assert.ok(request !== undefined, `request ${requestId} is in the database`);
    return request;
  }

  async function click(who: UserKey, verb: VerbName, p: Prepared) {
    return h.click(who, CARD_VERB[verb], { requestId: p.requestId }, p.cardId, channel());
  }

  /** Makes every row's request, each with its own reason, and finds its card in the channel. */
  async function createRequests(rows: readonly Row[]): Promise<void> {
    await inParallel(rows, 6, async (row) => {
      const upns = row.shape.privileged ? [WELL_KNOWN[PRIVILEGED_TARGET].userPrincipalName] : targetPool.slice(0, row.shape.targets).map((t) => t.upn);
      const disable = row.shape.disable ? " --disable" : "";
      const res = await h.say(row.requester, `revoke user ${upns.join(" ")} --reason "authorization matrix row ${row.index}"${disable}`, channel());
      assert.equal(res.status, 200, `row ${row.index}: the revoke message was accepted`);
    });
    const byReason = new Map<string, RevocationRequest>();
    for (const request of await store.requests.listByState(["pending"])) byReason.set(request.reason, request);
    const cardOf = new Map<string, string>();
    for (const call of h.connector.in(channel().id)) {
      if (call.kind === "update") continue;
      const approve = cardIn(call)?.actions?.find((a) => a.verb === Verbs.approve);
      const id = approve?.data?.requestId;
      if (typeof id === "string") cardOf.set(id, call.id);
    }
    for (const row of rows) {
      const request = byReason.get(`authorization matrix row ${row.index}`);
      assert.ok(request !== undefined, `row ${row.index}: its request was made (${row.name})`);
      assert.equal(request.requester.aadObjectId, WELL_KNOWN[row.requester].id);
      assert.equal(request.targets.length, row.shape.targets, `row ${row.index}: the request names ${row.shape.targets} targets`);
      assert.equal(request.disable, row.shape.disable, `row ${row.index}: --disable as asked`);
      const cardId = cardOf.get(request.id);
      assert.ok(cardId !== undefined, `row ${row.index}: the card of ${request.id} was posted in the channel`);
      prepared.set(row.index, { requestId: request.id, cardId, targetIds: request.targets.map((t) => t.id) });
    }
  }

  /** Brings a row's request into its state by the clicks of the people entitled to them. */
  async function prepareState(row: Row): Promise<void> {
    const p = prepared.get(row.index);
    assert.ok(p !== undefined);
    let res;
    switch (row.state) {
      case "pending":
      case "expired":
        return;
      case "approved":
        res = await click(PREPARER_APPROVER, "approve", p);
        break;
      case "rejected":
        res = await click(PREPARER_APPROVER, "reject", p);
        break;
      case "cancelled":
        res = await click(row.requester, "cancel", p);
        break;
    }
    assert.equal(res.status, 200);
    const verb: VerbName = row.state === "approved" ? "approve" : row.state === "rejected" ? "reject" : "cancel";
    assert.ok(answerText(res.body).includes(ALLOWED_ANSWER[verb].by), `preparing row ${row.index} (${row.state}): ${answerText(res.body)}`);
  }

  before(async function () {
    this.timeout(240_000);
    store = await openTestStore(h.databaseUrl);

    // Memberships first: the bot caches each person's roles for a minute from their first lookup.
    const tenant = h.sim.tenant;
    const revokers = tenant.groups.get(REVOKER_GROUP_ID.toLowerCase());
    const approvers = tenant.groups.get(APPROVER_GROUP_ID.toLowerCase());
    assert.ok(revokers !== undefined && approvers !== undefined, "the simulator has the revoker and approver groups");
    for (const person of PEOPLE) {
      const id = WELL_KNOWN[person.key].id;
      if (ROLE_OF[person.role].revoker) revokers.memberIds.add(id);
      if (ROLE_OF[person.role].approver) approvers.memberIds.add(id);
    }
    for (const person of PEOPLE) {
      const id = WELL_KNOWN[person.key].id;
      assert.deepEqual(
        { revoker: tenant.isMember(REVOKER_GROUP_ID, id), approver: tenant.isMember(APPROVER_GROUP_ID, id) },
        ROLE_OF[person.role],
        `${person.key} is exactly a ${person.role} in Entra`,
      );
    }

    // Targets: generated members with enabled accounts (none of the matrix's people).
    const wellKnownIds = new Set(Object.values(WELL_KNOWN).map((u) => u.id.toLowerCase()));
    targetPool = tenant
      .listUsers()
      .filter((u) => !wellKnownIds.has(u.id) && u.userType === "Member" && u.accountEnabled && /^[a-z0-9.]+@/.test(u.userPrincipalName))
      .slice(0, Math.max(...SHAPES.map((shape) => shape.targets)))
      .map((u) => ({ id: u.id, upn: u.userPrincipalName }));
    assert.equal(targetPool.length, Math.max(...SHAPES.map((shape) => shape.targets)), "the simulator has enough generated users");
    approvers.memberIds.add(WELL_KNOWN[PRIVILEGED_TARGET].id);
    assert.ok(tenant.isMember(APPROVER_GROUP_ID, WELL_KNOWN[PRIVILEGED_TARGET].id), "the privileged target is an approver");

    await createRequests(ROWS);

    await inParallel(ROWS, 6, prepareState);
    // Approvals run in the background: every approved request must have finished revoking.
    await until("the prepared approvals to finish", async () => {
      const running = await store.requests.listByState(["approved", "running"]);
      return running.length === 0;
    });
    await h.bot.idle();
    for (const row of ROWS) {
      if (row.state === "expired") continue;
      const p = prepared.get(row.index);
      assert.ok(p !== undefined);
      assert.equal((await requestOf(p.requestId)).state, STORED_STATE[row.state], `row ${row.index} was prepared as ${row.state}`);
    }
  });


  /** One row: the click, then the answer, the audit and what Graph received. */
  async function runRow(row: Row): Promise<void> {
    const p = prepared.get(row.index);
    assert.ok(p !== undefined, "the row's request was prepared");
    const clicker = WELL_KNOWN[row.clicker];
    const before = await requestOf(p.requestId);
    assert.equal(before.state, STORED_STATE[row.state], "the request is in the row's state before the click");
    const auditBefore = await auditOf(p.requestId);
    const lastSeq = auditBefore.at(-1)?.seq ?? 0;
    const graphFrom = h.sim.requests.length;
    const cardEditsBefore = h.connector.calls.filter((c) => c.kind === "update" && c.activityId === p.cardId).length;

    const res = await click(row.clicker, row.verb, p);
    assert.equal(res.status, 200);
    const answer = answerText(res.body);

    // Let whatever the click started (a revocation job, if any) finish before looking at Graph.
    if (row.expected === "allowed" && row.verb === "approve") {
      await until(`request ${p.requestId} to finish revoking`, async () => {
        const state = (await requestOf(p.requestId)).state;
        return state === "completed" || state === "failed";
      });
    }
    await h.bot.idle();

    const after = await requestOf(p.requestId);
    const added = (await auditOf(p.requestId)).filter((e) => e.seq > lastSeq);
    const revoked = h.sim.requests
      .slice(graphFrom)
      .filter((r) => r.method === "POST")
      .map((r) => REVOKE_PATH.exec(r.path)?.[1])
      .filter((id): id is string => id !== undefined);
    const disabled = h.sim.requests
      .slice(graphFrom)
      .filter((r) => r.method === "PATCH")
      .map((r) => DISABLE_PATH.exec(r.path)?.[1])
      .filter((id): id is string => id !== undefined);
    const decisions = added.filter((e) => STATE_CHANGING_ACTIONS.has(e.action));
    const refusals = added.filter((e) => e.action === "decision.refused");

    switch (row.expected) {
      case "allowed": {
        // The answer shows the new state and who decided.
        const shown = ALLOWED_ANSWER[row.verb];
        assert.ok(answer.includes(shown.title), `the answer shows "${shown.title}": ${answer}`);
        assert.ok(answer.includes(`${shown.by} ${clicker.displayName}`), `the answer says "${shown.by} ${clicker.displayName}": ${answer}`);
        assert.equal((res.body as { type?: string }).type, "application/vnd.microsoft.card.adaptive", "an allowed click is answered with the card");
        // Exactly one decision entry, by the clicker, with a reason; no refusal.
        assert.deepEqual(decisions.map((e) => e.action), [DECIDED_ACTION[row.verb]], "one decision entry, of the verb's kind");
        const entry = decisions[0];
        assert.equal(entry?.actor?.aadObjectId, clicker.id, "the decision's actor is the clicker");
        assert.ok(typeof entry.details.reason === "string" && entry.details.reason.trim() !== "", "the decision has a reason");
        assert.deepEqual(refusals, [], "no refusal is audited");
        // Graph: one revocation per target for an approval, none otherwise.
        if (row.verb === "approve") {
          assert.deepEqual([...revoked].sort(), [...p.targetIds].sort(), "exactly one revocation per target");
          assert.deepEqual([...disabled].sort(), row.shape.disable ? [...p.targetIds].sort() : [], "accounts disabled exactly when --disable was asked");
          assert.equal(after.state, "completed");
        } else {
          assert.deepEqual(revoked, [], "nothing revoked");
        assert.deepEqual(disabled, [], "nothing disabled");
          assert.equal(after.state, row.verb === "reject" ? "rejected" : "cancelled");
        }
        assert.equal(after.decidedBy?.aadObjectId, clicker.id);
        return;
      }
      case "refused": {
        // The answer is a message for the clicker alone with the reason (the card stays as it is);
        // one refusal audited, with that reason; nothing revoked.
        const said = answerMessage(res.body);
        assert.ok(said.endsWith("Nothing was changed."), `the answer says nothing was changed: ${said}`);
        assert.ok(!/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/.test(said), `the answer names no configuration variable: ${said}`);
        assert.equal(h.connector.calls.filter((c) => c.kind === "update" && c.activityId === p.cardId).length, cardEditsBefore, "the card is not edited");
        assert.deepEqual(added.map((e) => e.action), ["decision.refused"], "exactly one refusal is audited, nothing else");
        const refusal = refusals[0];
        const reason = refusal.details.reason;
        assert.equal(refusal.actor?.aadObjectId, clicker.id, "the refusal's actor is the clicker");
        assert.equal(refusal.details.verb, row.verb, "the refusal names the verb");
        assert.ok(typeof reason === "string" && reason.trim() !== "", "the refusal has a reason");
        assert.equal(said, `${withoutConfigNames(reason)} Nothing was changed.`, "the answer gives the audited reason, in words");
        assert.deepEqual(revoked, [], "nothing revoked");
        assert.deepEqual(disabled, [], "nothing disabled");
        assert.equal(after.state, "pending", "the request is still pending");
        assert.equal(after.version, before.version, "the request did not change");
        return;
      }
      case "notPending": {
        const shownState = row.state as Exclude<State, "pending">;
        assert.ok(answer.includes("changed nothing"), `the answer says the click changed nothing: ${answer}`);
        assert.ok(answer.includes(STATE_TITLE[shownState]), `the answer shows "${STATE_TITLE[shownState]}": ${answer}`);
        assert.ok(answer.includes(`${p.requestId} was already ${STATE_WORD[shownState]}`), `the answer says it was already ${STATE_WORD[shownState]}: ${answer}`);
        assert.deepEqual(added.map((e) => e.action), ["decision.refused"], "exactly one refusal is audited, nothing else");
        const refusal = refusals[0];
        assert.equal(refusal.actor?.aadObjectId, clicker.id, "the refusal's actor is the clicker");
        assert.equal(refusal.details.verb, row.verb, "the refusal names the verb");
        assert.ok(typeof refusal.details.reason === "string" && refusal.details.reason.trim() !== "", "the refusal has a reason");
        assert.deepEqual(revoked, [], "nothing revoked");
        assert.deepEqual(disabled, [], "nothing disabled");
        assert.equal(after.state, before.state, "the state is unchanged");
        assert.equal(after.version, before.version, "the request did not change");
        return;
      }
    }
  }

  describe("pending, approved, rejected and withdrawn requests", () => {
    for (const row of ROWS.filter((r) => r.state !== "expired")) {
      it(row.name, () => runRow(row));
    }
  });

  describe("expired requests (the bot restarted past the TTL)", () => {
    before(async function () {
      this.timeout(60_000);
      const expiring = ROWS.filter((r) => r.state === "expired").map((r) => prepared.get(r.index)?.requestId);
      await h.restart({ now: () => new Date(Date.now() + (TTL_MINUTES + 1) * 60_000) });
      await until("the TTL sweep to expire the requests left pending", async () => {
        for (const id of expiring) {
          assert.ok(id !== undefined);
          if ((await requestOf(id)).state !== "expired") return false;
        }
        return true;
      });
      await h.bot.idle();
    });

    for (const row of ROWS.filter((r) => r.state === "expired")) {
      it(row.name, () => runRow(row));
    }
  });

  it("covers every combination once: 2 requesters × 5 clickers × 3 verbs × (3 sizes × 5 states + 2 second-person shapes, pending)", () => {
    const sizes = SHAPES.filter((shape) => !extraShape(shape)).length;
    const extras = SHAPES.filter(extraShape).length;
    assert.equal(ROWS.length, REQUESTERS.length * CLICKERS.length * VERBS.length * (sizes * STATES.length + extras));
    assert.equal(new Set(ROWS.map((r) => r.name)).size, ROWS.length, "every row has its own name");
    assert.equal(new Set([...prepared.values()].map((p) => p.requestId)).size, ROWS.length, "every row has its own request");
  });
});
