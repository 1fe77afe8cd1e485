import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { answerMessage, cardText, enablePatches, lastCardWithVerb, lastConfirmCard, storedRequest, waitForState } from "./cards.js";
import { useWorld } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const { alice } = WELL_KNOWN;

/**
 * Issue 22 #5: an `enable` asked while the account was disabled by the bot must not undo a newer
 * disable. The enable records the disable it was asked against; a --disable approved later
 * withdraws it while pending, and an approval after a newer disable is refused.
 */
describe("e2e: a stale enable never undoes a newer disable (issue 22 #5)", function () {
  this.timeout(90_000);
  const h = useWorld({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, installedIn: ["secops-audit"] }, "test");

  /** Val asks for `text` (a --disable revocation); riley approves it in the approval channel. Returns its ID. */
  async function disableApproved(text: string, wait: boolean): Promise<string> {
    assert.equal((await h.say("val", text)).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, Verbs.approve);
    assert.equal((await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call)).status, 200);
    if (wait) await waitForState(h, mine.requestId, "completed", 30_000);
    return mine.requestId;
  }

  /** Val asks to enable alice; returns the enable's ID and card. */
  async function askEnable() {
    assert.equal((await h.say("val", 'enable alice@contoso.com --reason "device wiped"')).status, 200);
    return lastConfirmCard(h, h.personal("val").id);
  }

  it("a pending enable is withdrawn (audited, its card updated) when a --disable of the same user is approved, and cannot be approved after", async () => {
    const first = await disableApproved('revoke user alice@contoso.com --disable --reason "phished"', true);
    const enable = await askEnable();
    const created = await h.created(enable.requestId);
    assert.equal(created?.details.againstDisable, first, "the enable records the disable it undoes");

    // A new incident: alice is disabled again.
    const second = await disableApproved('revoke user alice@contoso.com --disable --reason "second incident"', false);
    await waitForState(h, enable.requestId, "cancelled", 30_000);
    await waitForState(h, second, "completed", 30_000);
    await h.bot.idle();

    const withdrawn = (await h.auditEntries()).find((e) => e.requestId === enable.requestId && e.action === "request.cancelled");
    assert.equal(withdrawn?.actor, null, "withdrawn by the bot");
    assert.equal(withdrawn?.details.disableRequest, second);
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind === "update" && c.activityId === enable.call.id && cardText(c.activity).includes(`Withdrawn by the bot: request ${second}`)),
      10_000,
      "the enable's card to say it was withdrawn and why",
    );

    // The old card's Approve does nothing now.
    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, Verbs.approve);
    await h.clickInThread("riley", Verbs.approve, { requestId: enable.requestId }, shared.call);
    await h.bot.idle();
    assert.equal(enablePatches(h).length, 0, "alice was never enabled");
    assert.equal(h.sim.tenant.userById(alice.id)?.accountEnabled, false);
  });

  it("an enable asked while a newer disable was still running is refused at approval, with the reason for the approver, and audited", async () => {
    await disableApproved('revoke user alice@contoso.com --disable --reason "phished"', true);
    // The second incident's job is slow (Graph answers late): the enable is asked while it runs,
    // when the bot's latest recorded disable of alice is still the first one.
    h.sim.setLatency(1500);
    const second = await disableApproved('revoke user alice@contoso.com --disable --reason "second incident"', false);
    const enable = await askEnable();
    await waitForState(h, second, "completed", 30_000);
    h.sim.setLatency(0);
    assert.equal((await storedRequest(h, enable.requestId))?.state, "pending", "asked after the second disable's approval: not withdrawn");
    const created = await h.created(enable.requestId);
    assert.notEqual(created?.details.againstDisable, second, "asked against the first disable");

    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, Verbs.approve);
    const answer = await h.clickInThread("riley", Verbs.approve, { requestId: enable.requestId }, shared.call);
    assert.match(answerMessage(answer.body), new RegExp(`out of date: request ${second} disabled alice@contoso\\.com again after this enable was asked`));
    await h.bot.idle();
    assert.equal(enablePatches(h).length, 0);
    assert.equal(h.sim.tenant.userById(alice.id)?.accountEnabled, false);
    assert.equal((await storedRequest(h, enable.requestId))?.state, "pending");
    const refused = (await h.auditEntries()).filter((e) => e.requestId === enable.requestId && e.action === "decision.refused");
    assert.ok(refused.some((e) => String(e.details.reason).includes(`request ${second} disabled`)), JSON.stringify(refused.map((e) => e.details)));
  });
});
