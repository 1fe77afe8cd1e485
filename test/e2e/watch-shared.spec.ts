/**
 * One user watched under two requests (issue 21, point 6), through /api/messages: R-A (`revoke ip`
 * of the attacker's address) and R-B (`revoke ip` of another address the same user signed in
 * from) both watch Alice. When she signs in again from R-A's address, both threads report it the
 * same way — an ALARM from the incident address of R-A, named as this request's in one thread and
 * as another request's in the other — and the audit channel gets one ALARM post, not one per watch.
 */
import assert from "node:assert/strict";
import { HOSTILE_IPV4, recordSignIn, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { Verbs } from "../../src/cards/verbs.js";
import { inThread, installActivity, type TeamsConversation } from "../fakes/activities.js";
import { cardText, lastConfirmCard, storedRequest, waitForState } from "./cards.js";
import { startHarness, type Harness } from "./harness.js";

const FAST_WATCH = { tickMs: 50, sweepIntervalMs: 1500, postIntervalMs: 60_000 };
const AUDIT_CHANNEL = "19:secops-audit@thread.tacv2";
/** The second request's incident address: Alice signed in from it too (a documentation range, RFC 5737). */
const OTHER_IPV4 = "198.51.100.7";

/** The first text the bot sent into this very thread containing `text`, waiting for one. */
async function waitForText(h: Harness, conversationId: string, text: string, timeoutMs = 20_000): Promise<string> {
  await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === conversationId && (c.activity.text ?? "").includes(text)), timeoutMs, `"${text}" in ${conversationId}`);
  return h.connector.calls.find((c) => c.conversationId === conversationId && (c.activity.text ?? "").includes(text))?.activity.text ?? "";
}

/** Asks for a `revoke ip`, has Riley approve it in its thread, waits for its watch; returns its ID and thread. */
async function revokeIp(h: Harness, channel: TeamsConversation, ip: string): Promise<{ requestId: string; thread: string }> {
  await h.say("val", `revoke ip ${ip} --reason "password spray"`, channel);
  const { call, requestId } = lastConfirmCard(h, channel.id);
  const approved = await h.click("riley", Verbs.approve, { requestId }, call.id, inThread(channel, call.id));
  assert.equal(approved.status, 200);
  await waitForState(h, requestId, ["completed", "failed"]);
  const thread = inThread(channel, call.id).id;
  await waitForText(h, thread, "Watching the sign-in log");
  return { requestId, thread };
}

describe("e2e: one sign-in of a user watched under two requests", function () {
  this.timeout(60_000);
  let h: Harness;
  let channel: TeamsConversation;
  before(async () => {
    h = await startHarness({ watchOptions: FAST_WATCH, env: { WATCH_HOURS: "24", AUDIT_CHANNEL_ID: AUDIT_CHANNEL } });
    channel = h.channel("incident");
    assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("secops-audit")))).status, 200);
  });
  after(async () => {
    await h.close();
  });

  it("is judged once against both requests' incident addresses: the same ALARM in both threads, naming R-A, and one ALARM in the audit channel", async () => {
    const alice = WELL_KNOWN.alice;
    // Alice also signed in from a second address a minute ago: a second incident names it.
    recordSignIn(h.sim.tenant, alice.id, Date.now() - 60_000, { ip: OTHER_IPV4 });
    const a = await revokeIp(h, channel, HOSTILE_IPV4);
    const b = await revokeIp(h, channel, OTHER_IPV4);
    assert.ok((await storedRequest(h, b.requestId))?.targets.some((t) => t.id === alice.id), "R-B revoked Alice too");

    // Whole seconds in the log: a second later, the sign-in is after both revocations.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    recordSignIn(h.sim.tenant, alice.id, Date.now(), { ip: HOSTILE_IPV4 });

    const inA = await waitForText(h, a.thread, "ALARM");
    const inB = await waitForText(h, b.thread, "ALARM");
    for (const said of [inA, inB]) {
      assert.ok(said.includes(alice.displayName) && said.includes(HOSTILE_IPV4), said);
      assert.ok(!/\d\dT\d\d:\d\d/.test(said) && !said.includes(alice.id), `no raw values: ${said}`);
    }
    assert.ok(inA.includes(`the incident address of ${a.requestId} (this request)`), inA);
    assert.ok(inB.includes(`the incident address of ${a.requestId}, another request watching this user`), inB);
    assert.ok(!inB.includes("had not signed in from before"), `judged as R-A's address, not as a new one: ${inB}`);

    // The audit channel: one ALARM post for the one sign-in, not one per watch.
    await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("ALARM")), 15_000, "the ALARM card");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await h.bot.idle();
    const cards = h.connector.calls.filter((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("ALARM"));
    assert.equal(cards.length, 1, cards.map((c) => cardText(c.activity)).join("\n---\n"));
    assert.ok(cardText(cards[0]?.activity).includes(a.requestId), cardText(cards[0]?.activity));
    const entries = await h.auditEntries();
    assert.equal(entries.filter((e) => e.action === "watch.alarm").length, 1);
    // Each request still records the sign-in after its own revocation.
    for (const id of [a.requestId, b.requestId]) assert.equal(entries.filter((e) => e.action === "watch.signin" && e.requestId === id).length, 1, id);
  });
});
