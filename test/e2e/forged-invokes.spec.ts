import assert from "node:assert/strict";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { actionExecuteActivity, inThread, type TeamsConversation } from "../fakes/activities.js";
import { actionTitles, answerCard, answerMessage, cardEdits, cardText, lastConfirmCard, revokedUserIds, storedRequest, waitForCardText, type CardJson } from "./cards.js";
import { useWorld, type UserKey } from "./harness.js";

/**
 * Card actions the bot never made: each is answered with an error card, changes nothing (state,
 * Graph, the cards) and is audited as decision.refused. The clicks come from riley, an approver
 * who could approve the request, so only the forgery stands between the click and a revocation.
 */

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const { alice, bob, oneil, riley } = WELL_KNOWN;

interface Fresh {
  requestId: string;
  /** Val's card in her personal chat. */
  mine: { id: string };
  /** The copy in the approval channel. */
  shared: { id: string; card: CardJson };
  /** The copy's thread: where a click on it comes from. */
  thread: TeamsConversation;
}

/** The title and message of an error (notice) card. */
function noticeOf(card: CardJson): { title: string; message: string } {
  const items = (card.body?.[0] as { items?: Array<{ text?: string }> } | undefined)?.items ?? [];
  return { title: items[0]?.text ?? "", message: items[1]?.text ?? "" };
}

describe("e2e: forged card actions change nothing and are audited", function () {
  this.timeout(30_000);
  const h = useWorld({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, installedIn: ["secops-audit"] });
  const channel = () => h.channel("secops-audit");
  before(() => assert.equal(channel().id, APPROVAL_CHANNEL));
  /** Audit entries before the forged action under test. */
  let auditMark = 0;

  /** A new four-eyes request from val's chat (card there and in the approval channel); Graph's log cleared. */
  async function freshRequest(): Promise<Fresh> {
    await h.say("val", `revoke user ${alice.userPrincipalName} ${bob.userPrincipalName} --reason "suspicious sign-ins"`);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
    assert.equal(shared.requestId, mine.requestId);
    await h.bot.idle();
    h.sim.clearRequests();
    auditMark = (await h.auditEntries()).length;
    return { requestId: mine.requestId, mine: mine.call, shared: { id: shared.call.id, card: shared.card }, thread: inThread(channel(), shared.call.id) };
  }

  async function entriesSinceMark(): Promise<AuditEntry[]> {
    await h.bot.idle();
    return (await h.auditEntries()).slice(auditMark);
  }

  /** Exactly one new audit entry: decision.refused by the actor, with this reason and request column. */
  async function assertOneRefusal(actor: UserKey, reason: string, requestId: string | null): Promise<AuditEntry> {
    const entries = await entriesSinceMark();
    assert.deepEqual(
      entries.map((e) => e.action),
      ["decision.refused"],
      JSON.stringify(entries.map((e) => ({ action: e.action, details: e.details }))),
    );
    const entry = entries[0];
    assert.ok(entry !== undefined);
    assert.equal(entry.actor?.aadObjectId, WELL_KNOWN[actor].id);
    assert.equal(entry.details.reason, reason);
    assert.equal(entry.requestId, requestId);
    return entry;
  }

  /** The request is still pending as created, Graph revoked nobody, and neither card was edited. */
  async function assertNothingChanged(r: Fresh): Promise<void> {
    await h.bot.idle();
    const stored = await storedRequest(h, r.requestId);
    assert.equal(stored?.state, "pending");
    assert.equal(stored?.version, 1);
    assert.equal(stored?.decidedBy, null);
    assert.equal(stored?.decisionComment, null);
    assert.deepEqual(revokedUserIds(h), [], "Graph received no revocation");
    assert.equal(cardEdits(h, r.mine.id).length, 0, "val's card was not edited");
    assert.equal(cardEdits(h, r.shared.id).length, 0, "the channel copy was not edited");
  }

  async function clickAsRiley(r: Fresh, verb: string, data: Record<string, unknown>, conversation: TeamsConversation = r.thread) {
    const res = await h.click("riley", verb, data, r.shared.id, conversation);
    assert.equal(res.status, 200);
    return answerCard(res.body);
  }

  /** A refused click: the message only Riley reads; the card stays as it is. */
  async function refusedClickAsRiley(r: Fresh, verb: string, data: Record<string, unknown>, conversation: TeamsConversation = r.thread): Promise<string> {
    const res = await h.click("riley", verb, data, r.shared.id, conversation);
    assert.equal(res.status, 200);
    return answerMessage(res.body);
  }

  it("an unknown request ID (well-formed): Unknown request", async () => {
    const r = await freshRequest();
    for (const verb of [Verbs.approve, Verbs.reject]) {
      auditMark = (await h.auditEntries()).length;
      const said = await refusedClickAsRiley(r, verb, { requestId: "R-0000000000" });
      assert.equal(said, "There is no request R-0000000000. Nothing was changed.");
      const entry = await assertOneRefusal("riley", "card action refused: no such request", null);
      assert.equal(entry.details.claimedRequestId, "R-0000000000");
      assert.equal(entry.details.verb, verb === Verbs.approve ? "approve" : "reject");
      assert.equal(entry.details.conversation, r.thread.id);
    }
    await assertNothingChanged(r);
  });

  const malformed: Array<[string, (id: string) => unknown]> = [
    ["too short", () => "R-123"],
    ["lower case", (id) => id.replace(/^R-/, "r-").toLowerCase()],
    ["a leading space", (id) => ` ${id}`],
    ["a trailing path", (id) => `${id}/../R-0000000000`],
    ["letters the IDs never use", () => "R-OOOOOOOOOO"],
    ["a number", () => 1234567890],
    ["a list holding the real ID", (id) => [id]],
    ["missing", () => undefined],
  ];
  for (const [label, idOf] of malformed) {
    it(`a malformed request ID (${label}): not a valid card action`, async () => {
      const r = await freshRequest();
      const value = idOf(r.requestId);
      const said = await refusedClickAsRiley(r, Verbs.approve, value === undefined ? {} : { requestId: value });
      assert.equal(said, "This card action names no valid request ID. Nothing was changed.");
      await assertOneRefusal("riley", "card action refused: This card action names no valid request ID.", null);
      await assertNothingChanged(r);
    });
  }

  const elsewhere: Array<[string, (r: Fresh) => TeamsConversation]> = [
    ["riley's personal chat", () => h.personal("riley")],
    ["another team's channel", () => h.channel("other-team")],
    ["a thread in another channel named after the card's message", (r) => inThread(h.channel("other-team"), r.shared.id)],
    ["a channel whose ID starts with the approval channel's", () => ({ ...channel(), id: `${APPROVAL_CHANNEL}x` })],
    ["a group chat", () => ({ id: "19:group-chat-1@unq.gbl.spaces", conversationType: "groupChat", tenantId: h.tenantId })],
  ];
  for (const [label, conversationOf] of elsewhere) {
    it(`a request whose card is in another conversation (${label}): not this conversation's request`, async () => {
      const r = await freshRequest();
      const conversation = conversationOf(r);
      const said = await refusedClickAsRiley(r, Verbs.approve, { requestId: r.requestId }, conversation);
      assert.equal(said, `Request ${r.requestId} was not posted in this conversation; act on it where its card is. Nothing was changed.`);
      const entry = await assertOneRefusal("riley", "card action refused: the request's card is not in this conversation", r.requestId);
      assert.equal(entry.details.conversation, conversation.id);
      await assertNothingChanged(r);
    });
  }

  const extraFields: Array<[string, unknown]> = [
    ["targets", [oneil.id]],
    ["state", "approved"],
    ["requester", { aadObjectId: riley.id, name: riley.displayName }],
    ["approved", true],
  ];
  for (const [key, value] of extraFields) {
    it(`altered data: an extra "${key}" field`, async () => {
      const r = await freshRequest();
      const said = await refusedClickAsRiley(r, Verbs.approve, { requestId: r.requestId, [key]: value });
      const why = `This card action carries fields the bot never puts on its cards (${key}); the card was altered.`;
      assert.equal(said, `${why} Nothing was changed.`);
      await assertOneRefusal("riley", `card action refused: ${why}`, r.requestId);
      await assertNothingChanged(r);
    });
  }

  const oddComments: Array<[string, unknown]> = [
    ["a number", 42],
    ["an object", { text: "looks fine" }],
    ["a list", ["looks fine"]],
    ["a boolean", true],
  ];
  for (const [label, comment] of oddComments) {
    it(`altered data: a comment that is ${label}, not text`, async () => {
      const r = await freshRequest();
      const said = await refusedClickAsRiley(r, Verbs.approve, { requestId: r.requestId, comment });
      assert.equal(said, "The comment is not text; the card was altered. Nothing was changed.");
      await assertOneRefusal("riley", "card action refused: The comment is not text; the card was altered.", r.requestId);
      await assertNothingChanged(r);
    });
  }

  it("the Action.Submit fallback with altered data: the error is said in the conversation, nothing changes", async () => {
    const r = await freshRequest();
    const fallback = r.shared.card.actions?.find((a) => a.verb === Verbs.approve)?.fallback?.data;
    assert.deepEqual(fallback, { verb: Verbs.approve, requestId: r.requestId });
    const before = h.connector.in(APPROVAL_CHANNEL).length;
    const res = await h.submit("riley", { ...fallback, targets: [oneil.id] }, r.shared.id, r.thread);
    assert.equal(res.status, 200);
    const said = h.connector.in(APPROVAL_CHANNEL).slice(before).map((c) => cardText(c.activity));
    assert.ok(said.some((t) => t.includes("(targets); the card was altered. Nothing was changed.")), said.join(" | "));
    await assertOneRefusal("riley", "card action refused: This card action carries fields the bot never puts on its cards (targets); the card was altered.", r.requestId);
    await assertNothingChanged(r);
  });

  const badComments: Array<[string, string, string]> = [
    ["over 500 characters", "x".repeat(501), "The comment is 501 characters long; keep it to 500."],
    ["a bell character", "approved\u0007", "The comment contains control characters; type plain text."],
    ["a tab", "approved\tby me", "The comment contains control characters; type plain text."],
    ["a right-to-left override", "ok \u202egnp.exe", "The comment contains control characters; type plain text."],
    // C1 control characters (U+0080–U+009F, e.g. NEL and CSI, the one-character form of ESC [).
    ["a C1 next-line character (U+0085)", "approved\u0085by me", "The comment contains control characters; type plain text."],
    ["a C1 control sequence introducer (U+009B)", "ok \u009b31mred", "The comment contains control characters; type plain text."],
  ];
  for (const [label, comment, why] of badComments) {
    it(`a comment with ${label} is refused`, async () => {
      const r = await freshRequest();
      const said = await refusedClickAsRiley(r, Verbs.approve, { requestId: r.requestId, comment });
      assert.equal(said, `${why} Nothing was changed.`);
      await assertOneRefusal("riley", `card action refused: ${why}`, r.requestId);
      await assertNothingChanged(r);
    });
  }

  it("(the contrast) a 500-character comment over two lines is accepted", async () => {
    const r = await freshRequest();
    const comment = `${"a".repeat(250)}\r\n${"b".repeat(248)}`; // 500 once the line break is normalised
    const card = await clickAsRiley(r, Verbs.reject, { requestId: r.requestId, comment });
    assert.ok(cardText(card).includes("Request rejected"), cardText(card));
    await h.bot.idle();
    assert.equal((await storedRequest(h, r.requestId))?.decisionComment, `${"a".repeat(250)}\n${"b".repeat(248)}`);
  });

  it("a replayed approval: the identical invoke twice revokes once; the second says it changed nothing", async () => {
    const r = await freshRequest();
    const activity = actionExecuteActivity(h.connector.url, h.user("riley"), r.thread, Verbs.approve, { requestId: r.requestId }, r.shared.id);
    const first = await h.post(activity);
    assert.ok(cardText(answerCard(first.body)).includes(`Approved by ${riley.displayName}`));
    const second = await h.post(activity);
    assert.equal(second.status, 200);
    const replayText = cardText(answerCard(second.body));
    assert.ok(
      replayText.includes(`Request ${r.requestId} was already approved by ${riley.displayName}, so it could not be approved. Your click changed nothing.`),
      replayText,
    );
    for (const cardId of [r.mine.id, r.shared.id]) await waitForCardText(h, cardId, "Revocation complete");
    await h.bot.idle();
    assert.deepEqual(revokedUserIds(h).sort(), [alice.id, bob.id].sort(), "exactly one revocation per target");
    const entries = (await entriesSinceMark()).filter((e) => e.requestId === r.requestId);
    assert.equal(entries.filter((e) => e.action === "request.approved").length, 1);
    const refused = entries.filter((e) => e.action === "decision.refused");
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.actor?.aadObjectId, riley.id);
    assert.match(String(refused[0]?.details.reason), /no longer pending/);
    const stored = await storedRequest(h, r.requestId);
    assert.equal(stored?.state, "completed");
    assert.equal(stored?.decidedBy?.aadObjectId, riley.id);
  });

  it("a refresh from another conversation, for an unknown request or with altered data shows nothing of the request", async () => {
    const r = await freshRequest();
    const cases: Array<[TeamsConversation, Record<string, unknown>]> = [
      [h.personal("riley"), { requestId: r.requestId }],
      [h.channel("other-team"), { requestId: r.requestId }],
      [r.thread, { requestId: "R-0000000000" }],
      [r.thread, { requestId: r.requestId, targets: [oneil.id] }],
    ];
    for (const [conversation, data] of cases) {
      const card = await clickAsRiley(r, Verbs.refresh, data, conversation);
      const text = cardText(card);
      assert.equal(noticeOf(card).title, "Cannot show this request", text);
      assert.deepEqual(actionTitles(card), [], "no buttons");
      for (const u of [alice, bob]) assert.ok(!text.includes(u.userPrincipalName) && !text.includes(u.id), `does not show ${u.userPrincipalName}`);
    }
    // Each probe is recorded, as a refused "refresh".
    const refused = (await entriesSinceMark()).filter((e) => e.action === "decision.refused");
    assert.deepEqual(refused.map((e) => e.details.verb), ["refresh", "refresh", "refresh", "refresh"]);
    assert.deepEqual(
      refused.map((e) => e.requestId),
      [r.requestId, r.requestId, null, r.requestId],
      "the request column names only a real request",
    );
    await assertNothingChanged(r);
  });

  it("an Action.Submit with a verb that does not exist: a message in the conversation, audited, nothing changed", async () => {
    const r = await freshRequest();
    const res = await h.submit("riley", { verb: "revoke.approveAll", requestId: r.requestId }, r.shared.id, r.thread);
    assert.equal(res.status, 200);
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.conversationId === r.thread.id && (c.activity.text ?? "").includes("This card action is not one the bot knows")),
      10_000,
      "the message",
    );
    const entry = await assertOneRefusal("riley", "card action refused: unknown action verb", r.requestId);
    assert.equal(entry.details.verb, "revoke.approveAll");
    await assertNothingChanged(r);
  });

  for (const verb of ["revoke.approveAll", "revoke.everyone"]) {
    it(`a verb that does not exist (${verb}): a message that the action is unknown`, async () => {
      const r = await freshRequest();
      const said = await refusedClickAsRiley(r, verb, { requestId: r.requestId });
      assert.equal(said, "This card action is not one the bot knows. Nothing was changed.");
      const entry = await assertOneRefusal("riley", "card action refused: unknown action verb", r.requestId);
      assert.equal(entry.details.verb, verb);
      await assertNothingChanged(r);
    });
  }
});
