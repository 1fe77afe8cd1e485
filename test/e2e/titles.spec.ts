/**
 * Issue 21 #1, #2 and #5, through the real endpoints (inbound auth on, the simulator behind Graph):
 * every card and audit post says what is being approved — the people, or the selection as it was
 * asked (an address and its window, a department), with the options that change what runs — and
 * an enable's posts never say "Revoking".
 */
import assert from "node:assert/strict";
import { formatTime } from "../../src/cards/format.js";
import { Verbs } from "../../src/cards/verbs.js";
import { HOSTILE_IPV4, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { cardText, lastConfirmCard, storedRequest, waitForCardText } from "./cards.js";
import { useWorld } from "./harness.js";

const APPROVALS = "19:soc-approvals@thread.tacv2";
const AUDIT = "19:secops-audit@thread.tacv2";
const { alice, bob } = WELL_KNOWN;

describe("e2e: every card and audit post says what is being approved (issue 21)", function () {
  this.timeout(90_000);
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVALS, AUDIT_CHANNEL_ID: AUDIT, API_REQUESTS_PER_MINUTE: "100" }, installedIn: ["soc-approvals", "secops-audit"] });
  const channel = () => h.channel("incident");

  /** Riley, an approver, approves the request on its card in the incident channel (where it was asked). */
  async function approveAsRiley(requestId: string, cardActivityId: string): Promise<void> {
    const clicked = await h.click("riley", Verbs.approve, { requestId }, cardActivityId, channel());
    assert.equal(clicked.status, 200);
    assert.ok(!JSON.stringify(clicked.body).includes("Nothing was changed"), JSON.stringify(clicked.body));
  }

  /** The audit channel's posts about a request, once the bot is idle. */
  async function auditPosts(requestId: string, count: number): Promise<string[]> {
    await h.bot.idle();
    await h.connector.waitFor((calls) => calls.filter((c) => c.conversationId === AUDIT && cardText(c.activity).includes(requestId)).length >= count, 15_000, `${count} audit posts of ${requestId}`);
    return h.connector
      .in(AUDIT)
      .map((c) => cardText(c.activity))
      .filter((t) => t.includes(requestId));
  }

  it("revoke ip: the title names the address, the window and the count; the audit post says the same", async () => {
    assert.equal((await h.say("sam", `revoke ip ${HOSTILE_IPV4} --reason "spray"`, channel())).status, 200);
    const { card, requestId } = lastConfirmCard(h, channel().id);
    const n = (await storedRequest(h, requestId))?.targets.length ?? 0;
    assert.ok(n > 1, "several users signed in from the address");
    const title = `Revoke sessions of the ${n} users who signed in from ${HOSTILE_IPV4} in the last 24 hours?`;
    assert.ok(cardText(card).includes(title), cardText(card));
    const posts = await auditPosts(requestId, 1);
    assert.ok(posts.some((p) => p.includes(`${WELL_KNOWN.sam.displayName} asked to revoke sessions of the ${n} users who signed in from ${HOSTILE_IPV4} in the last 24 hours`)), posts.join(" | "));
    // The pending list titles it the same way.
    assert.equal((await h.say("sam", "pending", channel())).status, 200);
    const pending = h.connector.texts(channel().id).at(-1) ?? "";
    assert.ok(pending.includes(title.replace(/\?$/, "")), pending);
    await h.click("sam", Verbs.cancel, { requestId }, lastConfirmCard(h, channel().id).call.id, channel());
  });

  it("revoke department with --reset-password: all of the department, and the option, in the title", async () => {
    assert.equal((await h.say("sam", 'revoke department Sales --reset-password --reason "phishing wave"', channel())).status, 200);
    const { card, requestId } = lastConfirmCard(h, channel().id);
    const n = (await storedRequest(h, requestId))?.targets.length ?? 0;
    assert.ok(cardText(card).includes(`Revoke sessions of all ${n} users in Sales and reset their passwords?`), cardText(card));
    const posts = await auditPosts(requestId, 1);
    assert.ok(posts.some((p) => p.includes(`asked to revoke sessions of all ${n} users in Sales and reset their passwords`)), posts.join(" | "));
    await h.click("sam", Verbs.cancel, { requestId }, lastConfirmCard(h, channel().id).call.id, channel());
    const withdrawn = await auditPosts(requestId, 2);
    assert.ok(withdrawn.some((p) => p.includes(`withdrew the request to revoke sessions of all ${n} users in Sales (${requestId})`)), withdrawn.join(" | "));
  });

  it("two named users: their names in the title, the result card and every audit headline", async () => {
    assert.equal((await h.say("sam", `revoke user ${alice.userPrincipalName} ${bob.userPrincipalName} --reason "phished"`, channel())).status, 200);
    const { call, card, requestId } = lastConfirmCard(h, channel().id);
    const names = `${alice.displayName}'s and ${bob.displayName}'s sessions`;
    assert.ok(cardText(card).includes(`Revoke ${names}?`), cardText(card));
    // Two users need a second person: riley approves.
    await approveAsRiley(requestId, call.id);
    const final = await waitForCardText(h, call.id, "Revocation complete");
    assert.ok(cardText(final.activity).includes(`${WELL_KNOWN.sam.displayName} asked to revoke ${names}`), cardText(final.activity));
    const posts = await auditPosts(requestId, 4);
    for (const headline of [
      `${WELL_KNOWN.sam.displayName} asked to revoke ${names}`,
      `${WELL_KNOWN.riley.displayName} approved the request to revoke ${names} (${requestId})`,
      `Revoking ${names} (${requestId})`,
      `Revoked ${names} (${requestId}): 2 revoked and verified`,
    ]) {
      assert.ok(posts.some((p) => p.includes(headline)), `${headline} in ${posts.join(" | ")}`);
    }
  });

  it("API: an ip selection with its start time and incident is titled with the time in the cards' format", async () => {
    const since = new Date(Date.now() - 20 * 3_600_000).toISOString();
    const requestId = await h.proposeAsSentinel({
      selection: { ip: HOSTILE_IPV4, since },
      reason: "password spray from the incident address",
      incident: { source: "Microsoft Sentinel", id: "4712", title: "Password spray against the SOC" },
      idempotencyKey: `titles-${Date.now()}`,
    });
    const n = (await storedRequest(h, requestId))?.targets.length ?? 0;
    const text = cardText(lastConfirmCard(h, APPROVALS).card);
    assert.ok(text.includes(`Revoke sessions of the ${n} users who signed in from ${HOSTILE_IPV4} since ${formatTime(since)}?`), text);
    assert.ok(text.includes("Password spray against the SOC"), text);
    assert.ok(!/\d{4}-\d{2}-\d{2}T/.test(text), `no ISO time on the card: ${text}`);
  });

  it("enable: its audit posts say Enabling and the person, never Revoking", async () => {
    assert.equal((await h.say("sam", `revoke user ${alice.userPrincipalName} --disable --reason "phished"`, channel())).status, 200);
    const revoke = lastConfirmCard(h, channel().id);
    await approveAsRiley(revoke.requestId, revoke.call.id);
    await waitForCardText(h, revoke.call.id, "Revocation complete");

    assert.equal((await h.say("sam", `enable ${alice.userPrincipalName} --reason "device wiped"`, channel())).status, 200);
    const mine = lastConfirmCard(h, channel().id);
    assert.notEqual(mine.requestId, revoke.requestId);
    await approveAsRiley(mine.requestId, mine.call.id);
    await waitForCardText(h, mine.call.id, "Account enabled");
    const posts = await auditPosts(mine.requestId, 4);
    assert.ok(posts.some((p) => p.includes(`Enabling ${alice.displayName}'s account (${mine.requestId})`)), posts.join(" | "));
    assert.ok(posts.some((p) => p.includes(`Enabled ${alice.displayName}'s account (${mine.requestId})`)), posts.join(" | "));
    assert.ok(!posts.some((p) => /Revoking|Revoked/.test(p)), posts.join(" | "));
  });
});
