import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { installActivity } from "../fakes/activities.js";
import { cardText, lastConfirmCard } from "./cards.js";
import { startHarness, type Harness } from "./harness.js";

/** Waits until the card of the given message has been edited to show text. */
async function cardShows(h: Harness, cardActivityId: string, text: string): Promise<void> {
  await h.connector.waitFor(
    (calls) => calls.some((c) => c.kind === "update" && c.activityId === cardActivityId && cardText(c.activity).includes(text)),
    10_000,
    `card ${cardActivityId} to show "${text}"`,
  );
}

describe("e2e: a restart keeps what the bot was asked to do", function () {
  this.timeout(30_000);
  const AUDIT_CHANNEL = "19:secops-audit@thread.tacv2";
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness({ env: { AUDIT_CHANNEL_ID: AUDIT_CHANNEL, REQUEST_TTL_MINUTES: "30" } });
    await h.install("secops-audit", "val");
  });
  afterEach(async () => {
    await h.close();
  });

  it("a pending request stays pending across a restart and can still be confirmed", async () => {
    const conv = h.personal("sam");
    await h.say("sam", 'revoke user alice@contoso.com --reason "restart test"');
    const { call, requestId } = lastConfirmCard(h, conv.id);

    await h.restart();

    await h.say("sam", "pending");
    assert.ok(h.connector.texts(conv.id).some((t) => t.includes(requestId)), "pending lists the request after the restart");
    const clicked = await h.click("sam", Verbs.approve, { requestId }, call.id);
    assert.equal(clicked.status, 200);
    await cardShows(h, call.id, "Revocation complete");
    const revokes = h.sim.requests.filter((r) => r.method === "POST" && r.path === `/v1.0/users/${WELL_KNOWN.alice.id}/revokeSignInSessions`);
    assert.equal(revokes.length, 1);
    await h.bot.idle();
    const actions = (await h.auditEntries()).filter((e) => e.requestId === requestId).map((e) => e.action);
    assert.deepEqual(actions, ["request.created", "request.approved", "revocation.started", "target.outcome", "revocation.completed"]);
  });

  it("past its TTL a pending request expires after a restart: card edited, audit entry, no revocation, Confirm refused", async () => {
    const conv = h.personal("sam");
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, conv.id);

    // The bot comes back 31 minutes later (REQUEST_TTL_MINUTES=30).
    await h.restart({ now: () => new Date(Date.now() + 31 * 60_000) });

    await cardShows(h, call.id, "Request expired");
    const entries = await h.auditEntries();
    const expired = entries.filter((e) => e.action === "request.expired" && e.requestId === requestId);
    assert.equal(expired.length, 1, "one expiry entry");
    assert.equal(expired[0]?.actor, null);

    const clicked = await h.click("sam", Verbs.approve, { requestId }, call.id);
    assert.equal(clicked.status, 200);
    assert.ok(cardText(clicked.body).includes("expired"), cardText(clicked.body));
    assert.equal(h.sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 0, "nothing revoked");
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("expired: nobody decided in time")),
      10_000,
      "the expiry audit post",
    );
  });

  it("the audit channel chosen with `audit here` survives a restart", async () => {
    // `audit here` cannot override a configured AUDIT_CHANNEL_ID: this bot has none.
    await h.close();
    h = await startHarness({ env: { REQUEST_TTL_MINUTES: "30" } });
    const channel = h.channel("incident-42");
    await h.post(installActivity(h.connector.url, h.user("sam"), channel));
    await h.say("sam", "audit here", channel);
    await h.restart();
    await h.say("sam", "revoke user alice@contoso.com");
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.conversationId.startsWith(channel.id) && cardText(c.activity).includes("asked to revoke Alice Wood's sessions")),
      10_000,
      "the request's audit post in the chosen channel",
    );
  });
});
