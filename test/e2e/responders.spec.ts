/**
 * Security review findings 1 and 2, through the real endpoints (inbound auth on, the simulator
 * behind Graph): `revoke ip` chooses its targets from successful sign-ins only, and shows the failed
 * attempts from the address as information; a set of any size that holds responders (members of a
 * revoker or approver group) names them and needs a second person, and with --disable a plain
 * Approve is refused: the approver includes them or leaves them out.
 */
import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { HOSTILE_IPV4, recordSignIn, WELL_KNOWN, type SimUser } from "@teams-revoke-bot/graph-simulator";
import { inThread } from "../fakes/activities.js";
import { actionTitles, answerMessage, cardText, lastCardWithVerb, lastConfirmCard, storedRequest, waitForState, type CardJson } from "./cards.js";
import { useWorld, type Harness } from "./harness.js";

const { sam, val, riley, alice, bob } = WELL_KNOWN;
const RESPONDERS = [sam, val, riley];

/** A password spray from the incident's address against the responders' own accounts: 4 failed attempts. */
function sprayResponders(h: Harness): void {
  const now = Date.now();
  for (const [i, user] of [sam, sam, val, riley].entries()) recordSignIn(h.sim.tenant, user.id, now - i * 1000, { ip: HOSTILE_IPV4, errorCode: 50126 });
}

/** Failed attempts from the address in the last 24 hours, and the accounts they name, as the simulator holds them. */
function failedFromHostile(h: Harness): { attempts: number; userIds: Set<string> } {
  const since = Date.now() - 24 * 3_600_000;
  const failed = h.sim.tenant.signIns.filter((s) => s.ipAddress === HOSTILE_IPV4 && Date.parse(s.createdDateTime) >= since && s.status.errorCode !== 0);
  return { attempts: failed.length, userIds: new Set(failed.map((s) => s.userId.toLowerCase())) };
}

function assertFailedAttemptsShown(text: string, attempts: number): void {
  assert.ok(text.includes(`${attempts} failed attempts from this address, not included`), text);
  for (const user of RESPONDERS) assert.ok(text.includes(user.displayName), `${user.displayName} is named under Details: ${text}`);
}

describe("e2e: revoke ip selects successful sign-ins only (a password spray does not choose targets)", function () {
  this.timeout(60_000);
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: "19:soc-approvals@thread.tacv2", API_REQUESTS_PER_MINUTE: "100" }, installedIn: ["soc-approvals"] });
  before(() => sprayResponders(h));

  it("chat: the responders sprayed from the address are not targets; the card shows the failed attempts in words, the request and its audit entry hold them", async () => {
    const channel = h.channel("incident");
    assert.equal((await h.say("val", `revoke ip ${HOSTILE_IPV4} --disable`, channel)).status, 200);
    const { card, requestId } = lastConfirmCard(h, channel.id);
    const stored = await storedRequest(h, requestId);
    const targetIds = new Set((stored?.targets ?? []).map((t) => t.id.toLowerCase()));
    for (const user of [alice, bob]) assert.ok(targetIds.has(user.id.toLowerCase()), `${user.userPrincipalName} signed in successfully: a target`);
    for (const user of RESPONDERS) assert.ok(!targetIds.has(user.id.toLowerCase()), `${user.userPrincipalName} only failed to sign in: not a target`);
    assert.deepEqual(stored?.responders ?? [], [], "no responder in the set");

    const expected = failedFromHostile(h);
    assert.equal(stored?.failedSignIns?.attempts, expected.attempts);
    assert.deepEqual(new Set((stored?.failedSignIns?.users ?? []).map((u) => u.id)), expected.userIds);
    assertFailedAttemptsShown(cardText(card), expected.attempts);

    const created = await h.created(requestId);
    const audited = created?.details.failedSignIns as { attempts: number; users: Array<{ id: string; attempts: number }> } | undefined;
    assert.equal(audited?.attempts, expected.attempts, JSON.stringify(created?.details));
    assert.equal(audited?.users.find((u) => u.id === sam.id)?.attempts, 2);
  });

  it("API: the same spray does not put the responders in an ip selection; the approval card shows the attempts", async () => {
    const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
    const requestId = await h.proposeAsSentinel({
      selection: { ip: HOSTILE_IPV4, since },
      reason: "password spray from the incident address",
      incident: { source: "Microsoft Sentinel", id: "4712", title: "Password spray against the SOC" },
      idempotencyKey: `spray-${Date.now()}`,
    });
    const stored = await storedRequest(h, requestId);
    const targetIds = new Set((stored?.targets ?? []).map((t) => t.id.toLowerCase()));
    assert.ok(targetIds.has(alice.id.toLowerCase()));
    for (const user of RESPONDERS) assert.ok(!targetIds.has(user.id.toLowerCase()), `${user.userPrincipalName} is not a target`);
    const { card } = lastConfirmCard(h, "19:soc-approvals@thread.tacv2");
    assertFailedAttemptsShown(cardText(card), failedFromHostile(h).attempts);
    // Graph was asked for successful sign-ins only when it chose the targets.
    const filters = h.sim.requests.filter((r) => r.path.endsWith("/auditLogs/signIns")).map((r) => r.query.$filter ?? "");
    assert.ok(filters.some((f) => f.includes("status/errorCode eq 0")), filters.join("\n"));
  });
});

describe("e2e: responders in a set of any size (FOUR_EYES_MIN_TARGETS=10)", function () {
  this.timeout(90_000);
  const h = useWorld({ env: { FOUR_EYES_MIN_TARGETS: "10", MAX_PENDING_PER_REQUESTER: "20" } });
  const channel = () => h.channel("incident");
  const LAB = "Incident Lab";
  let lab: SimUser[];

  before(() => {
    // Six enabled members who hold no role, moved into a department of their own.
    lab = h.sim.tenant
      .listUsers()
      .filter((u) => u.userType === "Member" && u.accountEnabled && !RESPONDERS.some((r) => r.id === u.id) && u.department !== null && u.department !== "")
      .slice(-6);
    assert.equal(lab.length, 6);
    for (const u of lab) u.department = LAB;
  });

  const labPlusVal = (on: boolean) => {
    const stored = h.sim.tenant.userById(val.id);
    assert.ok(stored !== undefined);
    stored.department = on ? LAB : "Security Operations";
  };

  /** Val asks in the channel; the card and its request ID (read from the action with `verb`). */
  async function valAsks(command: string, verb: string): Promise<{ card: CardJson; cardId: string; requestId: string }> {
    assert.equal((await h.say("val", command, channel())).status, 200);
    const { call, card } = lastCardWithVerb(h, channel().id, verb);
    const requestId = card.actions?.find((a) => a.verb === verb)?.data?.requestId;
    assert.equal(typeof requestId, "string", `a card for "${command}": ${JSON.stringify(h.connector.texts(channel().id).slice(-3))}`);
    return { card, cardId: call.id, requestId: requestId as string };
  }

  const click = (who: "val" | "riley", verb: string, requestId: string, cardId: string) =>
    h.click(who, verb, { requestId }, cardId, who === "val" ? channel() : inThread(channel(), cardId));

  async function finished(requestId: string): Promise<void> {
    await waitForState(h, requestId, ["completed", "failed"]);
    await h.bot.idle();
  }

  it("a 7-user set without responders, below FOUR_EYES_MIN_TARGETS, is confirmed by its requester alone", async () => {
    labPlusVal(false);
    // A seventh member without a role.
    const extra = h.sim.tenant.listUsers().find((u) => u.userType === "Member" && u.accountEnabled && !lab.includes(u) && !RESPONDERS.some((r) => r.id === u.id));
    assert.ok(extra !== undefined);
    const before = extra.department;
    extra.department = LAB;
    try {
      const { card, cardId, requestId } = await valAsks(`revoke department "${LAB}"`, Verbs.approve);
      assert.ok(cardText(card).includes(`Revoke sessions of all 7 users in ${LAB}?`) && !cardText(card).includes("responder"), cardText(card));
      const own = await click("val", Verbs.approve, requestId, cardId);
      assert.ok(cardText(own.body).includes("Approved by Val Requester"), `FOUR_EYES_MIN_TARGETS=10 lets a 7-user set be self-confirmed: ${cardText(own.body)}`);
      await finished(requestId);
      assert.equal((await storedRequest(h, requestId))?.state, "completed");
    } finally {
      extra.department = before;
    }
  });

  it("a 7-user set holding a revoker names them and needs a second person below FOUR_EYES_MIN_TARGETS; a plain Approve by an approver works without --disable", async () => {
    labPlusVal(true);
    const { card, cardId, requestId } = await valAsks(`revoke department "${LAB}"`, Verbs.approve);
    const text = cardText(card);
    assert.ok(text.includes("1 of these users is a responder (in a revoker or approver group), named under Details."), text);
    // Named under Details (a fact of the card's hidden Details container), like those left out.
    assert.match(JSON.stringify(card), /\{"title":"Responders","value":"Val Requester"\}/, JSON.stringify(card));
    assert.ok(text.includes("is a member of a revoker or approver group"), text);
    const stored = await storedRequest(h, requestId);
    assert.deepEqual(stored?.responders?.map((r) => r.id), [val.id]);
    const created = await h.created(requestId);
    assert.equal(created?.details.responderCount, 1);
    assert.equal(created?.details.fourEyes, true);

    const own = await click("val", Verbs.approve, requestId, cardId);
    assert.match(answerMessage(own.body), /someone else must approve/);
    const approved = await click("riley", Verbs.approve, requestId, cardId);
    assert.ok(cardText(approved.body).includes("Approved by Riley Reviewer"), cardText(approved.body));
    await finished(requestId);
  });

  it("with --disable: a plain Approve is refused and audited; Approve without responders removes them (audited) and nothing is done to them", async () => {
    labPlusVal(true);
    const { card, cardId, requestId } = await valAsks(`revoke department "${LAB}" --disable`, Verbs.approveWithoutResponders);
    const titles = actionTitles(card);
    assert.ok(titles.includes("Approve, including responders") && titles.includes("Approve without responders") && !titles.includes("Approve"), titles.join(", "));

    const plain = await click("riley", Verbs.approve, requestId, cardId);
    assert.match(answerMessage(plain.body), /plain Approve is not enough/);
    assert.equal((await storedRequest(h, requestId))?.state, "pending");
    const refused = (await h.auditEntries()).filter((e) => e.requestId === requestId && e.action === "decision.refused").map((e) => String(e.details.reason));
    assert.ok(refused.some((r) => r.includes("plain Approve is not enough")), refused.join(" | "));

    h.sim.clearRequests();
    const without = await click("riley", Verbs.approveWithoutResponders, requestId, cardId);
    assert.ok(cardText(without.body).includes("Approved by Riley Reviewer"), cardText(without.body));
    await finished(requestId);
    const stored = await storedRequest(h, requestId);
    assert.equal(stored?.targets.length, 6);
    assert.ok(!stored?.targets.some((t) => t.id === val.id), "val was removed from the frozen set");
    assert.equal(stored?.respondersChoice, "left_out");
    assert.equal(h.sim.tenant.userById(val.id)?.accountEnabled, true, "val's account is not disabled");
    const revoked = h.sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/revokeSignInSessions")).map((r) => r.path);
    assert.equal(revoked.length, 6, revoked.join("\n"));
    assert.ok(!revoked.some((p) => p.includes(val.id)), "val is not revoked");
    const approvedEntry = (await h.auditEntries()).find((e) => e.requestId === requestId && e.action === "request.approved");
    assert.deepEqual((approvedEntry?.details.respondersLeftOut as Array<{ id: string }> | undefined)?.map((r) => r.id), [val.id]);
    assert.match(String(approvedEntry?.details.confirmed), /without the responder: removed from the frozen set/);
    assert.equal(approvedEntry?.details.targetCount, 6);
  });

  it("with --disable: Approve, including responders disables them too, and is audited so", async () => {
    labPlusVal(true);
    const { cardId, requestId } = await valAsks(`revoke department "${LAB}" --disable`, Verbs.approveWithResponders);
    const own = await click("val", Verbs.approveWithResponders, requestId, cardId);
    assert.match(answerMessage(own.body), /someone else must approve/);
    const including = await click("riley", Verbs.approveWithResponders, requestId, cardId);
    assert.ok(cardText(including.body).includes("Approved by Riley Reviewer"), cardText(including.body));
    await finished(requestId);
    const stored = await storedRequest(h, requestId);
    assert.equal(stored?.targets.length, 7);
    assert.equal(stored?.respondersChoice, "included");
    assert.equal(h.sim.tenant.userById(val.id)?.accountEnabled, false, "val was disabled, as the approver confirmed");
    const approvedEntry = (await h.auditEntries()).find((e) => e.requestId === requestId && e.action === "request.approved");
    assert.match(String(approvedEntry?.details.confirmed), /including the responder in the set/);
  });
});
