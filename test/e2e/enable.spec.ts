import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { actionTitles, answerMessage, cardText, enablePatches, finalCardText, lastCardWithVerb, lastConfirmCard, storedRequest } from "./cards.js";
import { useWorld } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const { alice, disabled } = WELL_KNOWN;

describe("e2e: enable <user> (re-enabling an account the bot disabled)", function () {
  this.timeout(60_000);
  const h = useWorld({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, installedIn: ["secops-audit"] }, "test");

  /** Val asks; riley approves in the approval channel (with `verb`); resolves once the requester's card shows the end. */
  async function approveInChannel(requestId: string, verb: string, cardId: string, end: RegExp): Promise<void> {
    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, verb);
    const approved = await h.clickInThread("riley", verb, { requestId }, shared.call);
    assert.equal(approved.status, 200);
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind === "update" && c.activityId === cardId && end.test(cardText(c.activity))),
      20_000,
      "the requester's card to show the end",
    );
    await h.bot.idle();
  }

  it("enables an account the bot disabled: the requester's own approval is refused, a second person approves, the account is enabled, read back, recorded and audited", async () => {
    // The bot disables alice (revoke with --disable, approved by riley).
    assert.equal((await h.say("val", 'revoke user alice@contoso.com --disable --reason "phished"')).status, 200);
    const revoke = lastConfirmCard(h, h.personal("val").id);
    await approveInChannel(revoke.requestId, Verbs.approve, revoke.call.id, /Revocation complete/);
    assert.equal(h.sim.tenant.userById(alice.id)?.accountEnabled, false);

    assert.equal((await h.say("val", 'enable alice@contoso.com --reason "password changed, device wiped"')).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    assert.notEqual(mine.requestId, revoke.requestId);
    const text = cardText(mine.card);
    assert.ok(text.includes("Enable Alice Wood's account?"), text);
    assert.ok(text.includes("This bot disabled the account"), text);
    assert.ok(text.includes("re-enabling an account always needs a second person"), text);
    assert.deepEqual(actionTitles(mine.card).filter((t) => t === "Enable anyway"), [], "a bot-disabled account has a plain Approve");

    const own = await h.click("val", Verbs.approve, { requestId: mine.requestId }, mine.call.id);
    assert.match(answerMessage(own.body), /someone else must approve/);
    assert.equal(enablePatches(h).length, 0, "nothing done on the requester's own approval");

    await approveInChannel(mine.requestId, Verbs.approve, mine.call.id, /Account enabled/);
    assert.equal(enablePatches(h).length, 1, "one PATCH accountEnabled: true");
    assert.equal(h.sim.tenant.userById(alice.id)?.accountEnabled, true, "the simulator's account is enabled");
    const final = finalCardText(h, mine.call.id);
    assert.ok(final.includes("Enabled") && final.includes("read-back shows it can sign in again"), final);
    assert.ok(!/revoked and verified|Access tokens already issued/i.test(final), final);

    const stored = await storedRequest(h, mine.requestId);
    assert.equal(stored?.action, "enable");
    assert.equal(stored?.state, "completed");
    assert.deepEqual(stored?.outcomes.map((o) => [o.userId, o.status]), [[alice.id, "enabled"]]);
    const entries = await h.auditOf(mine.requestId);
    const actions = entries.map((e) => e.action);
    for (const a of ["request.created", "decision.refused", "request.approved", "revocation.started", "target.outcome", "revocation.completed"]) {
      assert.ok(actions.includes(a as (typeof actions)[number]), `${a} in ${actions.join(", ")}`);
    }
    const created = entries.find((e) => e.action === "request.created");
    assert.equal(created?.details.disabledBy, "this bot");
    assert.equal(entries.find((e) => e.action === "target.outcome")?.details.status, "enabled");

    // Enabled again by the bot: the account is no longer one "the bot disabled", and it is enabled.
    assert.equal((await h.say("val", "enable alice@contoso.com")).status, 200);
    assert.match(h.lastText("val"), /is not disabled, so there is nothing to enable/);
  });

  it("an account someone else disabled: the card says so, plain Approve is refused, Enable anyway enables it", async () => {
    assert.equal(h.sim.tenant.userById(disabled.id)?.accountEnabled, false);
    assert.equal((await h.say("val", `enable ${disabled.userPrincipalName}`)).status, 200);
    const mine = lastCardWithVerb(h, h.personal("val").id, Verbs.enableAnyway);
    const requestId = mine.card.actions?.find((a) => a.verb === Verbs.enableAnyway)?.data?.requestId as string;
    const text = cardText(mine.card);
    assert.ok(text.includes("This account was not disabled by this bot"), text);
    assert.ok(!actionTitles(mine.card).includes("Approve"), `no plain Approve: ${actionTitles(mine.card).join(", ")}`);

    // A plain Approve (a replayed or altered card) is refused, even from an approver.
    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, Verbs.enableAnyway);
    const plain = await h.clickInThread("riley", Verbs.approve, { requestId }, shared.call);
    assert.match(answerMessage(plain.body), /not disabled by this bot/);
    await h.bot.idle();
    assert.equal(enablePatches(h).length, 0);
    assert.equal((await storedRequest(h, requestId))?.state, "pending");

    // The requester's own Enable anyway is refused too: a second person.
    const own = await h.click("val", Verbs.enableAnyway, { requestId }, mine.call.id);
    assert.match(answerMessage(own.body), /someone else must approve/);

    await approveInChannel(requestId, Verbs.enableAnyway, mine.call.id, /Account enabled/);
    assert.equal(h.sim.tenant.userById(disabled.id)?.accountEnabled, true);
    const entries = await h.auditOf(requestId);
    assert.equal(entries.find((e) => e.action === "request.created")?.details.disabledBy, "someone other than this bot");
    const refused = entries.filter((e) => e.action === "decision.refused").map((e) => String(e.details.reason));
    assert.ok(refused.some((r) => r.includes("not disabled by this bot")), refused.join(" | "));
    assert.match(String(entries.find((e) => e.action === "request.approved")?.details.confirmed), /enable anyway/);
  });

  it("an unknown user: a clear message, nothing created", async () => {
    assert.equal((await h.say("val", "enable nobody@contoso.com")).status, 200);
    assert.match(h.lastText("val"), /there is no user nobody@contoso\.com in this tenant/);
    await h.bot.idle();
    assert.equal((await h.auditEntries()).filter((e) => e.action === "request.created").length, 0);
    assert.equal(enablePatches(h).length, 0);
  });

  it("a non-revoker is refused before anything is looked up", async () => {
    const before = h.sim.requests.length;
    assert.equal((await h.say("nina", `enable ${disabled.userPrincipalName}`)).status, 200);
    assert.match(h.lastText("nina"), /revoker/i);
    await h.bot.idle();
    const refused = (await h.auditEntries()).filter((e) => e.action === "request.refused");
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.details.command, `enable ${disabled.userPrincipalName}`);
    assert.equal((await h.auditEntries()).filter((e) => e.action === "request.created").length, 0);
    assert.ok(!h.sim.requests.slice(before).some((r) => r.path.includes(disabled.id) || r.path.includes(encodeURIComponent(disabled.userPrincipalName))), "the target was not looked up");
  });
});
