import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { ASK_INPUT_ID } from "../../src/bot/commands/ask-target.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { cardIn, lastCardWithVerb, lastConfirmCard } from "./cards.js";
import { useWorld } from "./harness.js";

describe("e2e: the other commands", function () {
  this.timeout(30_000);
  const h = useWorld({}, "test");

  it("help lists the commands with examples, one line each, short enough for one screen", async () => {
    await h.say("nina", "help");
    const text = h.connector.texts(h.personal("nina").id).join("\n");
    for (const expected of ["revoke user alice@contoso.com", "revoke ip 203.0.113.50", "status alice@contoso.com", "pending", "cancel R-", "watch", "enable alice@contoso.com", "audit here", "help revoke"]) {
      assert.ok(text.includes(expected), expected);
    }
    const words = text.split(/\s+/).filter((w) => w !== "").length;
    assert.ok(words <= 130, `help is ${words} words`);
    assert.ok(text.split("\n").filter((l) => l.startsWith("- ")).length <= 8, "one line per command family");
  });

  it("help <command> gives that command's details; an unknown topic says which topics there are", async () => {
    const personal = h.personal("nina").id;
    await h.say("nina", "help options");
    let text = h.connector.texts(personal).at(-1) ?? "";
    for (const expected of ["--disable", "--reset-password", "--confirm-compromised", "second person"]) assert.ok(text.includes(expected), expected);
    await h.say("nina", "help revoke ip");
    text = h.connector.texts(personal).at(-1) ?? "";
    for (const expected of ["revoke ip 203.0.113.50", "--since", "failed attempts", "about an hour"]) assert.ok(text.includes(expected), expected);
    await h.say("nina", "help constructor");
    text = h.connector.texts(personal).at(-1) ?? "";
    assert.match(text, /I have no help on "constructor"/);
    assert.match(text, /help revoke/);
  });

  it("unknown text gets a pointer to help", async () => {
    await h.say("sam", "please sign out alice");
    assert.ok(h.connector.texts(h.personal("sam").id).some((t) => t.includes("Type `help`")));
  });

  it("revoke alone asks with a card; Look up validates, then the confirmation card follows", async () => {
    const conv = h.personal("sam");
    await h.say("sam", "revoke");
    const { call: ask } = lastCardWithVerb(h, conv.id, Verbs.ask);

    const bad = await h.click("sam", Verbs.ask, { [ASK_INPUT_ID]: "alice" }, ask.id);
    assert.ok(JSON.stringify(bad.body).includes("is not a user principal name"), "the card says what was wrong");
    assert.equal(h.sim.requests.filter((r) => r.path.startsWith("/v1.0/users/alice")).length, 0);

    const good = await h.click("sam", Verbs.ask, { [ASK_INPUT_ID]: "alice@contoso.com" }, ask.id);
    assert.equal(good.status, 200);
    assert.ok(JSON.stringify(good.body).includes("Looking up alice@contoso.com"));
    await h.connector.waitFor(
      () => h.connector.in(conv.id).some((c) => cardIn(c)?.actions?.some((a) => a.verb === Verbs.approve) === true),
      10_000,
      "the confirmation card",
    );
    assert.ok(JSON.stringify(lastConfirmCard(h, conv.id).card).includes(WELL_KNOWN.alice.id));
  });

  it("status shows the account to revokers and approvers only", async () => {
    await h.say("sam", "status alice@contoso.com");
    const text = h.connector.texts(h.personal("sam").id).join("\n");
    assert.ok(text.includes(WELL_KNOWN.alice.id) && text.includes("Account: enabled") && text.includes("Sessions last revoked:"), text);
    await h.say("nina", "status alice@contoso.com");
    assert.ok(h.connector.texts(h.personal("nina").id).some((t) => t.startsWith("For Nina Viewer: only members of a revoker or approver group")));
  });

  it("pending lists my open request and cancel withdraws it, editing its card", async () => {
    const conv = h.personal("val");
    await h.say("val", "revoke user bob.stone@contoso.com");
    const { call: card, requestId } = lastConfirmCard(h, conv.id);
    await h.say("val", "pending");
    assert.ok(h.connector.texts(conv.id).some((t) => t.includes(requestId)));
    await h.say("nina", `cancel ${requestId}`);
    assert.ok(h.connector.texts(h.personal("nina").id).some((t) => t.includes("Only the person who asked for a request can withdraw it")));
    await h.say("val", `cancel ${requestId}`);
    assert.ok(h.connector.texts(conv.id).some((t) => t.includes("is withdrawn")));
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind === "update" && c.activityId === card.id && JSON.stringify(c.activity).includes("Request withdrawn")),
      10_000,
      "the card to say withdrawn",
    );
    await h.say("val", "pending");
    assert.ok(h.connector.texts(conv.id).some((t) => t.includes("no open requests you can act on")));
    assert.equal(h.sim.requests.filter((r) => r.path.endsWith("/revokeSignInSessions")).length, 0);
  });

  it("audit here: only an approver, only in a channel; then audit posts go there, including earlier ones", async () => {
    const channel = h.channel("secops");
    await h.say("nina", "revoke user alice@contoso.com"); // refused and audited before any audit channel exists
    await h.say("sam", "audit here");
    assert.ok(h.connector.texts(h.personal("sam").id).some((t) => t.includes("in the Teams channel")));
    await h.say("val", "audit here", channel);
    assert.ok(h.connector.texts(channel.id).some((t) => t.includes("only members of an approver group")));
    await h.say("riley", "audit here", channel);
    assert.ok(h.connector.texts(channel.id).some((t) => t.includes("now receives the audit posts")));
    await h.connector.waitFor(
      (calls) => {
        const posts = calls.filter((c) => c.conversationId === channel.id && c.activity.attachments !== undefined).map((c) => JSON.stringify(c.activity));
        return posts.some((p) => p.includes("was refused")) && posts.some((p) => p.includes("chose this channel for the audit posts"));
      },
      10_000,
      "the queued and new audit posts in the channel",
    );
  });

  it("history is for approvers", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    await h.say("riley", "history 5");
    const said = h.connector.texts(h.personal("riley").id).at(-1) ?? "";
    assert.ok(said.includes(`${WELL_KNOWN.sam.displayName} asked to revoke ${WELL_KNOWN.alice.displayName}'s sessions`), said);
    assert.ok(!said.includes("request.created") && !said.includes("npm run"), `history speaks in sentences, with no event names or commands to run: ${said}`);
    await h.say("val", "history");
    assert.ok(h.connector.texts(h.personal("val").id).some((t) => t.startsWith("For Val Requester: only members of an approver group")));
  });

  it("history leaves the per-user outcomes out, so a finished revocation shows as its summary", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    await h.bot.idle();
    assert.ok((await h.auditEntries()).some((e) => e.action === "target.outcome"), "the outcome is in the chain");
    await h.say("riley", "history 2");
    const answer = h.connector.texts(h.personal("riley").id).at(-1) ?? "";
    // Headlines name the person and the request (markdown-escaped brackets in chat).
    assert.match(answer, new RegExp(`Revoked Alice Wood's sessions \\\\\\(${requestId}\\\\\\): 1 revoked and verified[\\s\\S]*Revoking Alice Wood's sessions \\\\\\(${requestId}\\\\\\)`));
    assert.ok(!answer.includes("alice@contoso.com"), `no per-user outcome: ${answer}`);
  });
});
