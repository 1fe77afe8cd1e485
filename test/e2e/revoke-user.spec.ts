import assert from "node:assert/strict";
import { formatTime } from "../../src/cards/present.js";
import { Verbs } from "../../src/cards/verbs.js";
import { ALL_GRAPH_ROLES, PAYROLL_SERVICE_PRINCIPAL_ID, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { answerMessage, cardText, lastConfirmCard, waitForCardText } from "./cards.js";
import { useWorld, type Harness } from "./harness.js";

const revokePath = (id: string) => `/v1.0/users/${id}/revokeSignInSessions`;

function graphCalls(h: Harness, method: string, path: string) {
  return h.sim.requests.filter((r) => r.method === method && r.path === path);
}

describe("e2e: revoke one user through /api/messages", function () {
  this.timeout(30_000);
  const AUDIT_CHANNEL = "19:secops-audit@thread.tacv2";
  // The bot learns how to reach the tenant (service URL) when it is installed in the channel.
  const h = useWorld({ env: { AUDIT_CHANNEL_ID: AUDIT_CHANNEL }, installedIn: ["secops-audit"] }, "test");
  beforeEach(() => assert.equal(h.channel("secops-audit").id, AUDIT_CHANNEL));

  it("happy path: card, Confirm, revoked by object ID, verified, card updated, audit posted", async () => {
    const alice = WELL_KNOWN.alice;
    const before = h.sim.tenant.userByKey(alice.id)?.signInSessionsValidFromDateTime ?? null;
    const conv = h.personal("sam");

    const res = await h.say("sam", 'revoke user alice@contoso.com --reason "phished via fake login page"');
    assert.equal(res.status, 200);
    const { call, card, requestId } = lastConfirmCard(h, conv.id);
    const text = cardText(card);
    for (const expected of [alice.displayName, "alice@contoso.com", alice.id, "Sales", "phished via fake login page"]) {
      assert.ok(text.includes(expected), `confirmation card shows ${expected}`);
    }
    // The card carries only the opaque request ID; the targets stay on the server.
    for (const action of card.actions ?? []) {
      assert.deepEqual(Object.keys(action.data ?? {}), ["requestId"]);
    }
    assert.deepEqual(
      (card.actions ?? []).map((a) => [a.type, a.title]),
      [
        ["Action.Execute", "Approve"],
        ["Action.Execute", "Reject"],
      ],
    );
    assert.equal(graphCalls(h, "POST", revokePath(alice.id)).length, 0, "nothing revoked before Confirm");

    const clicked = await h.click("sam", Verbs.approve, { requestId }, call.id);
    assert.equal(clicked.status, 200);
    assert.ok(cardText(clicked.body).includes("Approved by"), "the invoke is answered with the approved card");

    const final = await waitForCardText(h, call.id, "Revocation complete");
    const finalText = cardText(final.activity);
    assert.ok(finalText.includes("Revoked and verified"));
    assert.ok(finalText.includes(WELL_KNOWN.sam.displayName), "says who confirmed");
    assert.ok(finalText.includes("about an hour"), "says access tokens live on");

    const revokes = h.sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/revokeSignInSessions"));
    assert.deepEqual(revokes.map((r) => r.path), [revokePath(alice.id)], "one revocation, by object ID");
    const after = h.sim.tenant.userByKey(alice.id)?.signInSessionsValidFromDateTime ?? null;
    assert.ok(after !== null && (before === null || Date.parse(after) > Date.parse(before)));
    assert.ok(finalText.includes(`Sessions valid from ${formatTime(after)}.`), `card shows the verified time: ${finalText}`);

    await h.bot.idle();
    const actions = (await h.auditEntries()).filter((e) => e.requestId === requestId).map((e) => e.action);
    assert.deepEqual(actions, ["request.created", "request.approved", "revocation.started", "target.outcome", "revocation.completed"]);
    // Every entry but the per-target one is posted, once.
    await h.connector.waitFor(
      (calls) => calls.filter((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes(requestId)).length === 4,
      10_000,
      "four audit posts",
    );
    const posts = h.connector.in(AUDIT_CHANNEL).map((c) => cardText(c.activity));
    assert.ok(posts.some((p) => p.includes(`${WELL_KNOWN.sam.displayName} asked to revoke ${alice.displayName}'s sessions`)), posts.join(" | "));
    assert.ok(posts.some((p) => p.includes(`${WELL_KNOWN.sam.displayName} approved the request to revoke ${alice.displayName}'s sessions (${requestId})`)), posts.join(" | "));
    assert.ok(posts.some((p) => p.includes(`Revoking ${alice.displayName}'s sessions (${requestId})`)), posts.join(" | "));
    assert.ok(posts.some((p) => p.includes(`Revoked ${alice.displayName}'s sessions (${requestId}): 1 revoked and verified`)), posts.join(" | "));
  });

  it("refuses a requester outside the revoker groups, audits it, and asks Graph nothing about the target", async () => {
    await h.say("nina", "revoke user alice@contoso.com");
    const texts = h.connector.texts(h.personal("nina").id);
    assert.ok(texts.some((t) => t.startsWith("For Nina Viewer: ") && t.includes("not in a revoker group")), texts.join(" | "));
    assert.equal(h.sim.requests.filter((r) => r.path.startsWith("/v1.0/users/alice")).length, 0);
    assert.equal(h.sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 0);
    await h.bot.idle();
    const refused = (await h.auditEntries()).filter((e) => e.action === "request.refused");
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.actor?.aadObjectId, WELL_KNOWN.nina.id);
    await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("refused")));
  });

  it("answers an invalid UPN with what to type, and sends nothing to Graph", async () => {
    h.sim.clearRequests();
    await h.say("sam", "revoke user alice");
    const texts = h.connector.texts(h.personal("sam").id);
    assert.ok(texts.some((t) => t.includes('"alice" is not a user principal name') && t.includes("revoke user alice@contoso.com")), texts.join(" | "));
    assert.deepEqual(h.sim.requests, []);
  });

  it("says there is no such user, and creates no request", async () => {
    await h.say("sam", "revoke user nobody@contoso.com");
    const texts = h.connector.texts(h.personal("sam").id);
    assert.ok(texts.some((t) => t.includes("There is no user nobody@contoso.com in this tenant")), texts.join(" | "));
    assert.equal(h.connector.in(h.personal("sam").id).filter((c) => c.activity.attachments !== undefined).length, 0);
    assert.equal(h.sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 0);
  });

  it("says an application's ID is not a user", async () => {
    await h.say("sam", `revoke user ${PAYROLL_SERVICE_PRINCIPAL_ID}`);
    const texts = h.connector.texts(h.personal("sam").id);
    assert.ok(texts.some((t) => t.includes("service principal") && t.includes("users' sessions only")), texts.join(" | "));
  });

  it("revokes once when Confirm is clicked twice", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    const [first, second] = await Promise.all([
      h.click("sam", Verbs.approve, { requestId }, call.id),
      h.click("sam", Verbs.approve, { requestId }, call.id),
    ]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    await waitForCardText(h, call.id, "Revocation complete");
    const third = await h.click("sam", Verbs.approve, { requestId }, call.id);
    assert.ok(cardText(third.body).includes("Revocation complete"), "a late click shows the final state");
    await h.bot.idle();
    assert.equal(graphCalls(h, "POST", revokePath(WELL_KNOWN.alice.id)).length, 1);
    assert.equal((await h.auditEntries()).filter((e) => e.action === "request.approved").length, 1);
  });

  it("Withdraw: the card says so and nothing is revoked", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    const res = await h.click("sam", Verbs.cancel, { requestId }, call.id);
    assert.ok(cardText(res.body).includes("Request withdrawn"));
    await waitForCardText(h, call.id, "Request withdrawn");
    const late = await h.click("sam", Verbs.approve, { requestId }, call.id);
    assert.ok(cardText(late.body).includes("Request withdrawn"), "approve after withdraw changes nothing");
    assert.ok(cardText(late.body).includes("changed nothing"));
    await h.bot.idle();
    assert.equal(h.sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 0);
    assert.ok((await h.auditEntries()).some((e) => e.action === "request.cancelled" && e.requestId === requestId));
  });

  it("edits the card in place even when the connector did not say the card's message ID", async () => {
    h.connector.omitIds = true;
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    await waitForCardText(h, call.id, "Revocation complete");
    const sends = h.connector.in(h.personal("sam").id).filter((c) => c.kind !== "update");
    assert.equal(sends.length, 1, "no second card was posted");
  });

  it("a card edit Teams throttles or fails is retried (botbuilder's connector client), so the final state shows", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    const final = (activity: object) => cardText(activity).includes("Revocation complete");
    h.connector.failNext.push({ status: 429, retryAfter: 0, when: final }, { status: 503, when: final }, { status: 502, when: final });
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    await waitForCardText(h, call.id, "Revocation complete");
  });

  it("the Action.Submit fallback confirms too", async () => {
    await h.say("sam", "revoke user bob.stone@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    const res = await h.submit("sam", { verb: Verbs.approve, requestId }, call.id);
    assert.equal(res.status, 200);
    await waitForCardText(h, call.id, "Revocation complete");
    assert.equal(graphCalls(h, "POST", revokePath(WELL_KNOWN.bob.id)).length, 1);
  });

  it("revokes a $-prefixed UPN and an apostrophe UPN by object ID", async () => {
    await h.say("sam", "revoke user $svc-backup@contoso.com");
    const first = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId: first.requestId }, first.call.id);
    await waitForCardText(h, first.call.id, "Revocation complete");
    await h.say("sam", "revoke user pat.o'neil@contoso.com");
    const second = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId: second.requestId }, second.call.id);
    await waitForCardText(h, second.call.id, "Revocation complete");
    assert.equal(graphCalls(h, "POST", revokePath(WELL_KNOWN.dollar.id)).length, 1);
    assert.equal(graphCalls(h, "POST", revokePath(WELL_KNOWN.oneil.id)).length, 1);
  });

  it("leaves guests and protected accounts out, and says why", async () => {
    await h.say("sam", `revoke user ${WELL_KNOWN.guest.userPrincipalName}`);
    const texts = h.connector.texts(h.personal("sam").id);
    assert.ok(texts.some((t) => t.includes("is a guest")), texts.join(" | "));
    assert.equal(h.connector.in(h.personal("sam").id).filter((c) => c.activity.attachments !== undefined).length, 0);
  });

  it("refuses a card action from another conversation, an unknown request and an unknown verb", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    const elsewhere = await h.click("sam", Verbs.approve, { requestId }, call.id, h.personal("riley"));
    assert.ok(answerMessage(elsewhere.body).includes("not posted in this conversation"));
    const unknown = await h.click("sam", Verbs.approve, { requestId: "R-0000000000" }, call.id);
    assert.ok(answerMessage(unknown.body).includes("no request R-0000000000"));
    const verb = await h.click("sam", "revoke.everyone", { requestId }, call.id);
    assert.equal(verb.status, 200);
    assert.ok(answerMessage(verb.body).includes("This card action is not one the bot knows"));
    const nina = await h.click("nina", Verbs.approve, { requestId }, call.id, h.personal("sam"));
    const ninaSaid = answerMessage(nina.body);
    assert.ok(ninaSaid.includes("Only members of an approver group") && !ninaSaid.includes("_GROUP_IDS"), ninaSaid);
    assert.equal(h.connector.calls.filter((c) => c.kind === "update" && c.activityId === call.id).length, 0, "refused clicks leave the card as it is");
    await h.bot.idle();
    assert.equal(h.sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 0);
  });
});

describe("e2e: Graph refuses the revocation (403)", function () {
  this.timeout(30_000);
  const h = useWorld({ sim: { roles: ALL_GRAPH_ROLES.filter((r) => r !== "User.RevokeSessions.All" && r !== "User.ReadWrite.All" && r !== "Directory.ReadWrite.All") } });

  it("records the failure with the permission to grant, and the card says so", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    const final = await waitForCardText(h, call.id, "finished with failures");
    const text = cardText(final.activity);
    assert.ok(text.includes("User.RevokeSessions.All"), "names the missing permission");
    assert.ok(text.includes("admin consent"));
    const revokes = h.sim.requests.filter((r) => r.path === revokePath(WELL_KNOWN.alice.id));
    assert.equal(revokes.length, 1);
    assert.equal(revokes[0]?.status, 403);
    await h.bot.idle();
    const failed = (await h.auditEntries()).find((e) => e.action === "revocation.failed");
    assert.ok(JSON.stringify(failed?.details).includes("User.RevokeSessions.All"));
  });
});

describe("e2e: inbound authentication", function () {
  this.timeout(30_000);
  const h = useWorld({
    env: { ALLOW_UNAUTHENTICATED: "false", BOT_ID: "6d0a7c2e-1b3f-4e5a-9c8d-7f6e5d4c3b2a", BOT_PASSWORD: "x", BOT_TYPE: "MultiTenant" },
  });

  it("rejects an activity without a Bot Framework token when BOT_ID is set", async () => {
    const res = await h.say("sam", "revoke user alice@contoso.com");
    assert.equal(res.status, 401);
    assert.equal(h.connector.calls.length, 0);
    assert.equal(h.sim.requests.filter((r) => r.path.startsWith("/v1.0/")).length, 0);
  });
});
