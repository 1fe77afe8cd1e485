/**
 * Containment that holds in a real tenant, through the real server and the simulator modelling
 * Microsoft's documented behaviour:
 * - Identity Protection is limited to about 1 request per second per tenant, and its 429s carry no
 *   Retry-After: a department-wide --confirm-compromised (one call per 20 users) is paced to it.
 */
import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { confirmCompromisedCalls as confirmCalls, finalCardText, lastConfirmCard, waitForCardText } from "./cards.js";
import { startHarness, type Harness } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const DEPARTMENT = "Claims Handling";

describe("e2e: containment within Microsoft's documented limits", function () {
  this.timeout(90_000);
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  async function askAndApprove(command: string): Promise<{ requestId: string; cardId: string }> {
    assert.equal((await h.say("val", command)).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
    const approved = await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call);
    assert.equal(approved.status, 200);
    await waitForCardText(h, mine.call.id, /Revocation (complete|failed|finished)/i, 60_000);
    await h.bot.idle();
    return { requestId: mine.requestId, cardId: mine.call.id };
  }

  describe("Identity Protection: about 1 request per second per tenant, 429 without Retry-After", () => {
    beforeEach(async () => {
      h = await startHarness({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, sim: { bulkDepartment: { name: DEPARTMENT, count: 120, guestRate: 0, disabledRate: 0 } }, installedIn: ["secops-audit"] });
    });

    it("a department-wide --confirm-compromised sends its calls (one per 20 users) at most one a second: no 429, every user confirmed", async () => {
      const { requestId } = await askAndApprove(`revoke department "${DEPARTMENT}" --confirm-compromised --reason "phishing wave"`);
      const calls = confirmCalls(h);
      assert.equal(calls.length, 6, `120 users, 20 a call: ${calls.map((c) => `${c.at} ${c.status} ${JSON.stringify(c.body).length}`).join(" | ")}`);
      assert.equal(h.sim.stats().identityProtection.throttled, 0, "never past Identity Protection's limit");
      const times = calls.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 1000, `a second apart: ${times.join(", ")}`);
      const steps = (await h.auditEntries()).filter((e) => e.requestId === requestId && e.action === "target.containment");
      assert.equal(steps.length, 120);
      assert.ok(steps.every((e) => e.details.outcome === "done"), JSON.stringify(steps.find((e) => e.details.outcome !== "done")?.details));
    });
  });

  describe("password reset: the permission and an Entra role", () => {
    beforeEach(async () => {
      h = await startHarness({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, installedIn: ["secops-audit"] });
    });

    const finalCard = (cardId: string) => finalCardText(h, cardId);

    it("with the permission but no Entra role, Graph refuses (403) and the user's line names User Administrator and the permission", async () => {
      h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, []);
      const { cardId, requestId } = await askAndApprove("revoke user bob.stone@contoso.com --reset-password");
      const final = finalCard(cardId);
      assert.ok(final.includes("Password not reset") && final.includes("User Administrator") && final.includes("User-PasswordProfile.ReadWrite.All"), final);
      assert.equal(h.sim.tenant.passwordResets.length, 0);
      const step = (await h.auditEntries()).find((e) => e.requestId === requestId && e.action === "target.containment");
      assert.equal(step?.details.outcome, "not done");
      assert.ok(String(step?.details.detail).includes("User Administrator"));
    });

    it("with User Administrator only, a non-admin is reset and the admin's line names Privileged Authentication Administrator; with that role the admin is reset", async () => {
      const { cardId } = await askAndApprove(`revoke user alice@contoso.com ${WELL_KNOWN.dollar.userPrincipalName} --reset-password`);
      const final = finalCard(cardId);
      assert.ok(final.includes("holds an admin role") && final.includes("Privileged Authentication Administrator"), final);
      assert.deepEqual(h.sim.tenant.passwordResets.map((r) => r.userId), [WELL_KNOWN.alice.id]);

      h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, ["User Administrator", "Privileged Authentication Administrator"]);
      await askAndApprove(`revoke user ${WELL_KNOWN.dollar.userPrincipalName} --reset-password`);
      assert.deepEqual(h.sim.tenant.passwordResets.map((r) => r.userId), [WELL_KNOWN.alice.id, WELL_KNOWN.dollar.id]);
    });
  });
});
