import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Verbs } from "../../src/cards/verbs.js";
import { ALL_GRAPH_ROLES, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { answerMessage, cardText, confirmCompromisedCalls as confirmCalls, finalCardText, lastConfirmCard, passwordPatches, waitForCardText } from "./cards.js";
import { useWorld } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const { alice, bob, dollar } = WELL_KNOWN;

describe("e2e: containment options (--reset-password, --confirm-compromised)", function () {
  this.timeout(40_000);
  let logLines: string[] = [];
  const h = useWorld(() => {
    logLines = [];
    return { env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, logLines, installedIn: ["secops-audit"] };
  }, "test");

  /** Val (a revoker) asks; her own approval is refused (a second person is always needed); riley approves in the channel. */
  async function askAndApprove(command: string): Promise<{ requestId: string; cardId: string }> {
    assert.equal((await h.say("val", command)).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
    const own = await h.click("val", Verbs.approve, { requestId: mine.requestId }, mine.call.id);
    assert.match(answerMessage(own.body), /someone else must approve/);
    const approved = await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call);
    assert.equal(approved.status, 200);
    await waitForCardText(h, mine.call.id, /Revocation (complete|failed|finished)/i, 15_000);
    await h.bot.idle();
    return { requestId: mine.requestId, cardId: mine.call.id };
  }

  const finalCard = (cardId: string) => finalCardText(h, cardId);

  it("happy path: a one-user request with both options needs a second person; the card says what will happen; one reset and one confirmation; each step audited; the password is nowhere", async () => {
    assert.equal((await h.say("val", 'revoke user alice@contoso.com --reset-password --confirm-compromised --reason "phished"')).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const text = cardText(mine.card);
    assert.ok(text.includes("a random password nobody knows") && text.includes("confirmed as compromised"), text);
    assert.ok(text.includes("always needs a second person"), text);
    // The request and its options are stored.
    await h.bot.idle();
    const created = await h.created(mine.requestId);
    assert.equal(created?.details.resetPassword, true);
    assert.equal(created?.details.confirmCompromised, true);

    const own = await h.click("val", Verbs.approve, { requestId: mine.requestId }, mine.call.id);
    assert.match(answerMessage(own.body), /someone else must approve/);
    assert.equal(passwordPatches(h).length, 0, "nothing done on the requester's own approval");
    const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
    await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call);
    await h.connector.waitFor((calls) => calls.some((c) => c.kind === "update" && c.activityId === mine.call.id && cardText(c.activity).includes("Revocation complete")), 15_000, "complete");
    await h.bot.idle();

    assert.equal(passwordPatches(h).length, 1, "one password reset");
    assert.deepEqual(h.sim.tenant.passwordResets.map((r) => [r.userId, r.forceChangePasswordNextSignIn]), [[alice.id, true]]);
    assert.equal(confirmCalls(h).length, 1, "one confirmCompromised call");
    assert.equal(h.sim.tenant.riskStates.get(alice.id), "confirmedCompromised");
    const final = finalCard(mine.call.id);
    assert.ok(final.includes("Password reset to a random one nobody knows"), final);
    assert.ok(final.includes("Confirmed as compromised in Identity Protection"), final);

    const entries = (await h.auditEntries()).filter((e) => e.requestId === mine.requestId);
    const steps = entries.filter((e) => e.action === "target.containment");
    assert.deepEqual(steps.map((e) => [e.details.step, e.details.outcome]).sort(), [["confirm compromised", "done"], ["reset password", "done"]]);

    // The password Graph received appears nowhere: not in chat, the log, the audit or the database.
    const [password] = h.sim.tenant.receivedPasswords;
    assert.ok(password !== undefined && password.length >= 16);
    assert.ok(logLines.length > 0, "the bot logged");
    assert.ok(!logLines.some((l) => l.includes(password)), "not in the log");
    assert.ok(!JSON.stringify(entries).includes(password), "not in the audit");
    assert.ok(!JSON.stringify(h.connector.calls).includes(password), "not in anything sent to Teams");
    for (const file of readdirSync(h.dataDir)) {
      const bytes = readFileSync(join(h.dataDir, file));
      assert.ok(!bytes.includes(Buffer.from(password)), `not in ${file}`);
    }
  });

  it("an admin's password is refused with the reason, the other user's is reset; the request ends failed with every step recorded", async () => {
    const { requestId, cardId } = await askAndApprove(`revoke user alice@contoso.com ${dollar.userPrincipalName} --reset-password`);
    const final = finalCard(cardId);
    assert.ok(final.includes("holds an admin role: resetting an admin's password needs the Microsoft Entra role Privileged Authentication Administrator"), final);
    assert.deepEqual(h.sim.tenant.passwordResets.map((r) => r.userId), [alice.id]);
    const steps = (await h.auditEntries()).filter((e) => e.requestId === requestId && e.action === "target.containment");
    assert.deepEqual(steps.map((e) => [e.details.upn, e.details.outcome]).sort(), [["$svc-backup@contoso.com", "not done"], ["alice@contoso.com", "done"]]);
  });

  it("without User-PasswordProfile.ReadWrite.All the step names the permission", async () => {
    h.sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "User-PasswordProfile.ReadWrite.All"));
    const { cardId } = await askAndApprove("revoke user bob.stone@contoso.com --reset-password");
    const final = finalCard(cardId);
    assert.ok(final.includes("Password not reset") && final.includes("User-PasswordProfile.ReadWrite.All"), final);
    assert.equal(h.sim.tenant.passwordResets.length, 0);
    void bob;
  });

  it("without Entra ID P2 confirmCompromised says the licence is missing; the request ends failed", async () => {
    h.sim.tenant.entraIdP2 = false;
    const { cardId } = await askAndApprove("revoke user alice@contoso.com --confirm-compromised");
    const text = finalCard(cardId);
    assert.ok(text.includes("Not confirmed as compromised") && text.includes("no Microsoft Entra ID P2 licence"), text);
    assert.ok(text.includes("Revocation failed") || text.includes("failed"), text);
    assert.equal(h.sim.tenant.riskStates.size, 0);
  });

  it("without IdentityRiskyUser.ReadWrite.All confirmCompromised names the permission and the licence", async () => {
    h.sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "IdentityRiskyUser.ReadWrite.All"));
    const { cardId } = await askAndApprove("revoke user bob.stone@contoso.com --confirm-compromised");
    const text = finalCard(cardId);
    assert.ok(text.includes("IdentityRiskyUser.ReadWrite.All") && text.includes("Entra ID P2"), text);
    assert.equal(h.sim.tenant.riskStates.size, 0);
  });

  it("a bad combination is refused with what to type instead, and nothing is requested", async () => {
    await h.say("val", "revoke disabled --reset-password");
    await h.say("val", "revoke user alice@contoso.com --reset-password --reset-password");
    const texts = h.connector.texts(h.personal("val").id);
    assert.ok(texts.some((t) => t.includes("revoke disabled takes no --reset-password")), texts.join(" | "));
    assert.ok(texts.some((t) => t.includes("--reset-password is given twice")), texts.join(" | "));
    await h.bot.idle();
    assert.equal((await h.auditEntries()).filter((e) => e.action === "request.created").length, 0);
  });

  it("a graceful restart while the job runs (SIGTERM-style close right after the reset): each containment step is sent and recorded once", async () => {
    // The bot is closed as soon as Graph has the reset (the runner finishes the targets in flight
    // and hands the lease back) and started again on the same database; a SIGKILL in the middle
    // of a step is test/durability/containment-crash.spec.ts.
    assert.equal((await h.say("val", "revoke user alice@contoso.com --reset-password --confirm-compromised")).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
    await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call);
    await h.connector.waitFor(() => h.sim.tenant.passwordResets.length > 0, 15_000, "the reset");
    await h.restart();
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind === "update" && c.activityId === mine.call.id && cardText(c.activity).includes("Revocation complete")),
      20_000,
      "complete after the restart",
    );
    await h.bot.idle();
    const entries = (await h.auditEntries()).filter((e) => e.requestId === mine.requestId);
    assert.equal(entries.filter((e) => e.action === "target.containment" && e.details.step === "reset password").length, 1);
    assert.equal(entries.filter((e) => e.action === "target.containment" && e.details.step === "confirm compromised").length, 1);
    assert.equal(entries.filter((e) => e.action === "target.outcome").length, 1);
    assert.equal(h.sim.tenant.passwordResets.length, 1, "the password was reset once");
  });
});
