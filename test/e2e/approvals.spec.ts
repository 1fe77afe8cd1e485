import assert from "node:assert/strict";
import { APPROVAL_ROWS, RESULT_ROWS } from "../../src/cards/present.js";
import { Verbs } from "../../src/cards/verbs.js";
import { WELL_KNOWN, type SimUser } from "@teams-revoke-bot/graph-simulator";
import { inThread } from "../fakes/activities.js";
import {
  actionTitles,
  answerCard,
  answerMessage,
  cardEdits,
  cardIn,
  cardText,
  hasInput,
  lastConfirmCard,
  revokedUserIds,
  storedRequest,
  waitForCardText,
} from "./cards.js";
import { useWorld, type Harness, type HarnessOptions } from "./harness.js";

/** The approval (audit) channel: h.channel("secops-audit") names the same conversation. */
const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const COMMENT = "comment";

const { alice, bob, oneil } = WELL_KNOWN;

/** The bot installed in the approval channel, so it knows the tenant's service URL. */
const WITH_APPROVAL_CHANNEL: HarnessOptions = { env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, installedIn: ["secops-audit"] };

/** Generated (not well-known) members of the tenant with plain UPNs, in the tenant's order. */
function generatedMembers(h: Harness, count: number): SimUser[] {
  const wellKnown = new Set<string>(Object.values(WELL_KNOWN).map((u) => u.id));
  const users = h.sim.tenant
    .listUsers()
    .filter((u) => !wellKnown.has(u.id) && u.userType === "Member" && /^[a-z0-9.-]+@/.test(u.userPrincipalName))
    .slice(0, count);
  assert.equal(users.length, count, "the simulated tenant has enough generated members");
  return users;
}

/**
 * Val (a revoker, not an approver) asks in her personal chat: her card there and its copy in the
 * approval channel, both for the same request.
 */
async function valAsks(h: Harness, upns: string[], reason = "credential stuffing from a known bad IP") {
  const res = await h.say("val", `revoke user ${upns.join(" ")} --reason "${reason}"`);
  assert.equal(res.status, 200);
  const mine = lastConfirmCard(h, h.personal("val").id);
  const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
  assert.equal(shared.requestId, mine.requestId, "the channel copy is of the same request");
  assert.notEqual(shared.call.id, mine.call.id);
  return { requestId: mine.requestId, mine, shared };
}

async function auditFor(h: Harness, requestId: string) {
  await h.bot.idle();
  return h.auditOf(requestId);
}

describe("e2e: four-eyes approvals through the approval channel", function () {
  this.timeout(30_000);
  const h = useWorld(WITH_APPROVAL_CHANNEL);
  const channel = () => h.channel("secops-audit");
  before(() => assert.equal(channel().id, APPROVAL_CHANNEL));
  beforeEach(() => {
    h.sim.clearRequests();
  });

  it("val asks for 3 users in her chat; the card is also in the channel; she cannot approve it; riley approves in the channel with a comment; both cards end complete", async () => {
    const targets = [alice, bob, oneil];
    const { requestId, mine, shared } = await valAsks(h, targets.map((t) => t.userPrincipalName));

    // Her card says where approvers were asked; both copies carry the refresh for her.
    const mineText = cardText(mine.card);
    assert.ok(mineText.includes("Approvers were asked in the approval channel too"), mineText);
    assert.ok(!mineText.includes(APPROVAL_CHANNEL), `the channel is never named by its thread ID: ${mineText}`);
    for (const t of targets) {
      assert.ok(mineText.includes(t.userPrincipalName), `her card lists ${t.userPrincipalName}`);
      assert.ok(cardText(shared.card).includes(t.userPrincipalName), `the channel copy lists ${t.userPrincipalName}`);
    }
    for (const card of [mine.card, shared.card]) {
      const refresh = card.refresh;
      assert.equal(refresh?.action?.verb, Verbs.refresh);
      assert.deepEqual(refresh?.action?.data, { requestId });
      assert.deepEqual(refresh?.userIds, [h.user("val").id]);
    }

    // Val cannot approve her own four-eyes request: a message for her alone (the card stays as it
    // is, for her and everyone), audited, nothing changes; it names no configuration variable.
    const own = await h.click("val", Verbs.approve, { requestId }, mine.call.id);
    assert.equal(own.status, 200);
    const ownText = answerMessage(own.body);
    assert.ok(ownText.includes("someone else must approve"), ownText);
    assert.ok(ownText.endsWith("Nothing was changed."), ownText);
    assert.ok(!/[A-Z]+_[A-Z_]+/.test(ownText), `no configuration variable names: ${ownText}`);
    const refusedOwn = (await auditFor(h, requestId)).filter((e) => e.action === "decision.refused");
    assert.equal(refusedOwn.length, 1);
    assert.equal(refusedOwn[0]?.actor?.aadObjectId, WELL_KNOWN.val.id);
    assert.match(String(refusedOwn[0]?.details.reason), /someone else must approve/);
    assert.equal((await storedRequest(h, requestId))?.state, "pending");
    assert.deepEqual(revokedUserIds(h), []);
    assert.equal(cardEdits(h, mine.call.id).length, 0, "her card is not edited by the refusal");

    // Riley approves on the channel copy (a click in the card's thread), with a comment.
    const comment = "Confirmed with the users' manager; all three reported the phishing mail.";
    const approved = await h.clickInThread("riley", Verbs.approve, { requestId, [COMMENT]: comment }, shared.call);
    assert.equal(approved.status, 200);
    assert.ok(cardText(answerCard(approved.body)).includes(`Approved by ${WELL_KNOWN.riley.displayName}`));

    // Both cards are edited to the final state, showing who, the policy reason and the comment.
    for (const cardId of [mine.call.id, shared.call.id]) {
      const final = cardText((await waitForCardText(h, cardId, "Revocation complete")).activity);
      assert.ok(final.includes(`Approved by ${WELL_KNOWN.riley.displayName}, `), final);
      assert.match(final, /Approved by [^,]+, \d{1,2} [A-Z][a-z]{2}(?: \d{4})?, \d{2}:\d{2} UTC/, "says when, in the cards' one time format");
      assert.ok(final.includes('"title":"Allowed because","value":"approved by an approver other than the requester \\\\(four-eyes\\\\)"'), final);
      assert.ok(final.includes(`Comment: ${comment}`), final);
      for (const t of targets) assert.ok(final.includes(t.userPrincipalName));
    }

    // Graph: one revocation per target, by object ID.
    await h.bot.idle();
    assert.deepEqual(revokedUserIds(h).sort(), targets.map((t) => t.id).sort());

    const stored = await storedRequest(h, requestId);
    assert.equal(stored?.state, "completed");
    assert.equal(stored?.decidedBy?.aadObjectId, WELL_KNOWN.riley.id);
    assert.equal(stored?.decisionComment, comment);

    const entries = await auditFor(h, requestId);
    const approvals = entries.filter((e) => e.action === "request.approved");
    assert.equal(approvals.length, 1);
    assert.equal(approvals[0]?.actor?.aadObjectId, WELL_KNOWN.riley.id);
    assert.equal(approvals[0]?.details.comment, comment);
    assert.equal(approvals[0]?.details.reason, "approved by an approver other than the requester (four-eyes)");
    const created = entries.find((e) => e.action === "request.created");
    assert.equal(created?.details.approvalChannel, APPROVAL_CHANNEL);
    assert.equal(created?.details.fourEyes, true);

    // A click on the other copy after the decision changes nothing: the decision counted once.
    const late = await h.clickInThread("sam", Verbs.approve, { requestId }, shared.call);
    assert.ok(cardText(answerCard(late.body)).includes("changed nothing"));
    await h.bot.idle();
    assert.equal(revokedUserIds(h).length, targets.length, "no second revocation");
    assert.equal((await auditFor(h, requestId)).filter((e) => e.action === "request.approved").length, 1);
  });

  it("the refresh gives each viewer their own view: riley approve/reject, val withdraw, nina nothing; the final card after the decision", async () => {
    const { requestId, mine, shared } = await valAsks(h, [alice.userPrincipalName, bob.userPrincipalName]);
    const thread = inThread(channel(), shared.call.id);

    const riley = answerCard((await h.click("riley", Verbs.refresh, { requestId }, shared.call.id, thread)).body);
    assert.deepEqual(actionTitles(riley), ["Approve", "Reject"]);
    assert.deepEqual(
      riley.actions?.map((a) => a.verb),
      [Verbs.approve, Verbs.reject],
    );
    assert.ok(hasInput(riley, COMMENT), "riley gets the comment box");
    assert.ok(cardText(riley).includes("You can approve or reject it"), cardText(riley));

    const val = answerCard((await h.click("val", Verbs.refresh, { requestId }, mine.call.id)).body);
    assert.deepEqual(actionTitles(val), ["Withdraw"]);
    assert.equal(val.actions?.[0]?.verb, Verbs.cancel);
    assert.ok(cardText(val).includes("You asked for it: someone else approves it. You can withdraw it."), cardText(val));

    const nina = answerCard((await h.click("nina", Verbs.refresh, { requestId }, shared.call.id, thread)).body);
    assert.deepEqual(actionTitles(nina), []);
    assert.equal(hasInput(nina, COMMENT), false, "no comment box without a button");
    assert.ok(cardText(nina).includes('"text":"Waiting for an approver; you cannot decide this one."'), cardText(nina));

    // Refreshes change nothing.
    assert.equal((await storedRequest(h, requestId))?.state, "pending");
    assert.equal((await auditFor(h, requestId)).filter((e) => e.action !== "request.created").length, 0, "a refresh is not a decision");

    // After the decision every viewer's refresh is the final card.
    await h.click("riley", Verbs.reject, { requestId }, shared.call.id, thread);
    for (const [who, cardId, conversation] of [
      ["val", mine.call.id, undefined],
      ["riley", shared.call.id, thread],
      ["nina", shared.call.id, thread],
    ] as const) {
      const view = answerCard((await h.click(who, Verbs.refresh, { requestId }, cardId, conversation)).body);
      assert.ok(cardText(view).includes("Request rejected"), `${who}: ${cardText(view)}`);
      assert.deepEqual(actionTitles(view), [], `${who} gets no buttons`);
    }
  });

  it("the requester of a single-user request, a revoker, gets Approve and Withdraw on refresh", async () => {
    await h.say("val", `revoke user ${alice.userPrincipalName}`);
    const { call, card, requestId } = lastConfirmCard(h, h.personal("val").id);
    assert.ok(!cardText(card).includes("Approvers were asked in the approval channel"), "a single-user request is not sent to the channel");
    assert.equal(
      h.connector.in(APPROVAL_CHANNEL).filter((c) => cardIn(c)?.actions?.some((a) => a.data?.requestId === requestId) === true).length,
      0,
      "no copy of its card in the channel",
    );
    const view = answerCard((await h.click("val", Verbs.refresh, { requestId }, call.id)).body);
    assert.deepEqual(actionTitles(view), ["Approve", "Withdraw"]);
    assert.deepEqual(
      view.actions?.map((a) => a.verb),
      [Verbs.approve, Verbs.cancel],
    );
    assert.ok(cardText(view).includes("You asked for it: confirm it with Approve, or withdraw it."), cardText(view));
    await h.click("val", Verbs.cancel, { requestId }, call.id);
  });

  it("a 25-user request: each card lists the first users and says how many more; the full list follows in replies (in the card's thread in the channel)", async () => {
    const users = generatedMembers(h, 25);
    const { requestId, mine, shared } = await valAsks(
      h,
      users.map((u) => u.userPrincipalName),
    );
    for (const card of [mine.card, shared.card]) {
      const text = cardText(card);
      for (const u of users.slice(0, APPROVAL_ROWS)) {
        assert.ok(text.includes(u.userPrincipalName), `lists ${u.userPrincipalName}`);
        assert.ok(text.includes(JSON.stringify(u.displayName)), `shows ${u.displayName}`);
      }
      for (const u of users.slice(APPROVAL_ROWS)) assert.ok(!text.includes(u.userPrincipalName), `does not list ${u.userPrincipalName}`);
      assert.ok(text.includes(`…and ${25 - APPROVAL_ROWS} more: the full list is in the replies to this card.`), text);
      const enabled = users.filter((u) => u.accountEnabled).length;
      const disabled = users.length - enabled;
      assert.ok(text.includes(`25 users: ${enabled} enabled${disabled > 0 ? `, ${disabled} already disabled` : ""}.`), `counts the whole set: ${text}`);
    }

    // Her chat (no threads there): the list follows her card, in her chat.
    const valCalls = h.connector.calls.filter((c) => c.conversationId === h.personal("val").id && c.kind !== "update");
    const chatReplies = valCalls.slice(valCalls.findIndex((c) => c.id === mine.call.id) + 1).filter((c) => (c.activity.text ?? "").includes(`Request ${requestId}: targets`));
    assert.equal(chatReplies.length, 1);
    const chatText = chatReplies[0]?.activity.text ?? "";
    assert.ok(chatText.includes(`Request ${requestId}: targets 1–25 of 25`), chatText);
    for (const u of users) assert.ok(chatText.includes(u.userPrincipalName), `her replies list ${u.userPrincipalName}`);

    // The channel: replies in the copy's thread.
    const threadReplies = h.connector.calls.filter((c) => c.conversationId === `${APPROVAL_CHANNEL};messageid=${shared.call.id}`);
    assert.equal(threadReplies.length, 1);
    const threadText = threadReplies[0]?.activity.text ?? "";
    assert.ok(threadText.includes(`Request ${requestId}: targets 1–25 of 25`), threadText);
    for (const u of users) {
      assert.ok(threadText.includes(u.userPrincipalName), `the thread lists ${u.userPrincipalName}`);
      assert.ok(!threadText.includes(u.id), "object IDs are for the audit export, not chat");
    }
    assert.equal(
      h.connector.calls.filter((c) => c.conversationId === APPROVAL_CHANNEL && (c.activity.text ?? "").includes(`Request ${requestId}: targets`)).length,
      0,
      "the list is not posted at the channel's top level",
    );

    await h.say("val", `cancel ${requestId}`);
  });

  it("a 120-user request in the channel: the list replies come 100 per message, in the card's thread", async () => {
    const users = generatedMembers(h, 120);
    await h.say("sam", `revoke user ${users.map((u) => u.userPrincipalName).join(" ")}`, channel());
    const { call, card, requestId } = lastConfirmCard(h, APPROVAL_CHANNEL);
    assert.ok(cardText(card).includes(`…and ${120 - APPROVAL_ROWS} more: the full list is in the replies to this card.`), cardText(card));
    assert.ok(!cardText(card).includes("Approvers were asked in the approval channel"), "asked in the approval channel itself: no copy");
    const replies = h.connector.calls.filter((c) => c.conversationId === `${APPROVAL_CHANNEL};messageid=${call.id}`);
    assert.equal(replies.length, 2, "two messages in the card's thread");
    assert.ok(replies[0]?.activity.text?.includes(`Request ${requestId}: targets 1–100 of 120`));
    assert.ok(replies[1]?.activity.text?.includes(`Request ${requestId}: targets 101–120 of 120`));
    for (const u of users.slice(0, 100)) assert.ok(replies[0]?.activity.text?.includes(u.userPrincipalName));
    for (const u of users.slice(100)) assert.ok(replies[1]?.activity.text?.includes(u.userPrincipalName));
    await h.say("sam", `cancel ${requestId}`, channel());
  });

  it("two approvers clicking Approve at the same moment: one decision counts, one revocation per target", async () => {
    const { requestId, mine, shared } = await valAsks(h, [alice.userPrincipalName, bob.userPrincipalName]);
    const thread = inThread(channel(), shared.call.id);
    const answers = await Promise.all([
      h.click("riley", Verbs.approve, { requestId, [COMMENT]: "riley's" }, shared.call.id, thread),
      h.click("sam", Verbs.approve, { requestId, [COMMENT]: "sam's" }, shared.call.id, thread),
    ]);
    const texts = answers.map((a) => cardText(answerCard(a.body)));
    assert.equal(texts.filter((t) => t.includes("changed nothing")).length, 1, texts.join(" | "));
    for (const cardId of [mine.call.id, shared.call.id]) await waitForCardText(h, cardId, "Revocation complete");
    await h.bot.idle();
    assert.deepEqual(revokedUserIds(h).sort(), [alice.id, bob.id].sort());
    const entries = await auditFor(h, requestId);
    const approvals = entries.filter((e) => e.action === "request.approved");
    assert.equal(approvals.length, 1);
    assert.equal(entries.filter((e) => e.action === "decision.refused").length, 1);
    const stored = await storedRequest(h, requestId);
    assert.equal(stored?.decidedBy?.aadObjectId, approvals[0]?.actor?.aadObjectId, "the card names the approver whose decision counted");
    assert.equal(stored?.decisionComment, approvals[0]?.details.comment);
  });

  // A card listing every target (about 0.5 KB of JSON each) would pass Teams' bot message limit
  // (100 KB counted as UTF-16; 413 MessageSizeTooBig) at about 90 targets; the fake connector
  // refuses such messages as Teams does, and this checks the result card's size directly too.
  it("an approved 120-user request: the final card still fits in a Teams message (100 KB as UTF-16)", async () => {
    const users = generatedMembers(h, 120);
    await h.say("sam", `revoke user ${users.map((u) => u.userPrincipalName).join(" ")}`, channel());
    const { call, requestId } = lastConfirmCard(h, APPROVAL_CHANNEL);
    await h.clickInThread("riley", Verbs.approve, { requestId }, call);
    const final = await waitForCardText(h, call.id, "Revocation complete");
    await h.bot.idle();
    assert.equal(revokedUserIds(h).length, 120);
    const bytes = Buffer.byteLength(JSON.stringify(final.activity), "utf16le");
    assert.ok(bytes <= 100 * 1024, `the final card is ${Math.round(bytes / 1024)} KB as UTF-16; Teams refuses bot messages over 100 KB`);
    assert.ok(cardText(final.activity).includes(`…and ${120 - RESULT_ROWS} more`), "the card says how many it does not list");
    assert.deepEqual(h.connector.oversized, [], "no message was too big for Teams");
  });

  it("riley rejects with a comment: both cards say rejected, with the comment; nothing is revoked", async () => {
    const { requestId, mine, shared } = await valAsks(h, [alice.userPrincipalName, bob.userPrincipalName]);
    const comment = "Not enough evidence: the sign-ins came from the office network.";
    const res = await h.clickInThread("riley", Verbs.reject, { requestId, [COMMENT]: comment }, shared.call);
    assert.ok(cardText(answerCard(res.body)).includes("Request rejected"));
    for (const cardId of [mine.call.id, shared.call.id]) {
      const final = cardText((await waitForCardText(h, cardId, "Request rejected")).activity);
      assert.ok(final.includes(`Rejected by ${WELL_KNOWN.riley.displayName}, `), final);
      assert.ok(final.includes('"title":"Allowed because","value":"rejected by an approver"'), final);
      assert.ok(final.includes(`Comment: ${comment}`), final);
      assert.ok(final.includes("Nothing was revoked"), final);
    }
    const stored = await storedRequest(h, requestId);
    assert.equal(stored?.state, "rejected");
    assert.equal(stored?.decisionComment, comment);
    const rejected = (await auditFor(h, requestId)).filter((e) => e.action === "request.rejected");
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]?.details.comment, comment);
    assert.equal(rejected[0]?.details.reason, "rejected by an approver");
    assert.deepEqual(revokedUserIds(h), []);
  });

  it("the Action.Submit fallback: riley rejects with it; val's own approval through it is refused with a message", async () => {
    const { requestId, mine, shared } = await valAsks(h, [alice.userPrincipalName, oneil.userPrincipalName]);
    const approveFallback = mine.card.actions?.find((a) => a.verb === Verbs.approve)?.fallback;
    const rejectFallback = shared.card.actions?.find((a) => a.verb === Verbs.reject)?.fallback;
    assert.equal(approveFallback?.type, "Action.Submit");
    assert.deepEqual(approveFallback?.data, { verb: Verbs.approve, requestId });
    assert.equal(rejectFallback?.type, "Action.Submit");
    assert.deepEqual(rejectFallback?.data, { verb: Verbs.reject, requestId });

    // Val's own approval through the fallback: refused, said in her chat, nothing changes.
    const before = h.connector.in(h.personal("val").id).length;
    assert.equal((await h.submit("val", { ...approveFallback?.data }, mine.call.id)).status, 200);
    const said = h.connector.in(h.personal("val").id).slice(before).map((c) => cardText(c.activity)).join(" ");
    assert.ok(said.includes("someone else must approve"), said);
    assert.equal((await storedRequest(h, requestId))?.state, "pending");
    assert.equal(cardEdits(h, mine.call.id).length, 0);

    // Riley rejects through the fallback, with the comment box's value.
    const res = await h.submit("riley", { ...rejectFallback?.data, [COMMENT]: "duplicate of an earlier request" }, shared.call.id, inThread(channel(), shared.call.id));
    assert.equal(res.status, 200);
    for (const cardId of [mine.call.id, shared.call.id]) {
      const final = cardText((await waitForCardText(h, cardId, "Request rejected")).activity);
      assert.ok(final.includes("Comment: duplicate of an earlier request"), final);
    }
    assert.equal((await storedRequest(h, requestId))?.state, "rejected");
    await h.bot.idle();
    assert.deepEqual(revokedUserIds(h), []);
  });
});

describe("e2e: pending and cancel with four-eyes requests", function () {
  this.timeout(30_000);
  const h = useWorld(WITH_APPROVAL_CHANNEL);

  it("pending lists what each person can act on; cancel is for the requester only and edits both cards", async () => {
    const { requestId: valsId, mine, shared } = await valAsks(h, [alice.userPrincipalName, bob.userPrincipalName]);
    await h.say("sam", `revoke user ${oneil.userPrincipalName}`);
    const samsId = lastConfirmCard(h, h.personal("sam").id).requestId;

    const lastText = (key: "riley" | "val" | "nina" | "sam") => h.lastText(key);
    const lineOf = (text: string, id: string) => text.split("\n").find((l) => l.includes(id));

    await h.say("riley", "pending");
    const riley = lastText("riley");
    assert.match(lineOf(riley, valsId) ?? "", /You can approve or reject it on its card in the approval channel\./, riley);
    assert.match(lineOf(riley, valsId) ?? "", /Revoke Alice Wood's and Bob Stone's sessions, asked by Val Requester/, riley);
    assert.ok(!riley.includes("<request-id>") && !riley.includes("cancel "), "riley has nothing to withdraw: no hint");
    assert.match(lineOf(riley, samsId) ?? "", /You can approve or reject/, riley);

    await h.say("val", "pending");
    const val = lastText("val");
    assert.ok(val.endsWith(`Withdraw one of yours with \`cancel ${valsId}\`.`), val);
    assert.match(lineOf(val, valsId) ?? "", /You can withdraw it\./, val);
    assert.ok(!(lineOf(val, valsId) ?? "").includes("approve"), val);
    assert.equal(lineOf(val, samsId), undefined, "val cannot act on sam's request");

    await h.say("nina", "pending");
    assert.equal(lastText("nina"), "There are no open requests you can act on.");

    await h.say("sam", "pending");
    const sam = lastText("sam");
    assert.match(lineOf(sam, samsId) ?? "", /You can approve or withdraw/, sam);
    assert.match(lineOf(sam, valsId) ?? "", /You can approve or reject/, sam);

    // Only the requester may withdraw.
    await h.say("riley", `cancel ${valsId}`);
    assert.ok(lastText("riley").includes("Only the person who asked for a request can withdraw it"), lastText("riley"));
    assert.equal((await storedRequest(h, valsId))?.state, "pending");
    await h.bot.idle();
    const refused = (await h.auditEntries()).filter((e) => e.requestId === valsId && e.action === "decision.refused");
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.actor?.aadObjectId, WELL_KNOWN.riley.id);

    await h.say("val", `cancel ${valsId}`);
    assert.ok(lastText("val").includes(`Request ${valsId} is withdrawn`), lastText("val"));
    for (const cardId of [mine.call.id, shared.call.id]) await waitForCardText(h, cardId, "Request withdrawn");
    assert.equal((await storedRequest(h, valsId))?.state, "cancelled");

    await h.say("val", "pending");
    assert.equal(lastText("val"), "There are no open requests you can act on.");
    await h.bot.idle();
    assert.ok((await h.auditEntries()).some((e) => e.requestId === valsId && e.action === "request.cancelled"));
    assert.deepEqual(revokedUserIds(h), []);
  });
});

describe("e2e: no approval channel", function () {
  this.timeout(30_000);
  const h = useWorld();

  it("refuses a four-eyes request from a personal chat, creates nothing, and audits the refusal", async () => {
    await h.say("val", `revoke user ${alice.userPrincipalName} ${bob.userPrincipalName}`);
    const texts = h.connector.texts(h.personal("val").id);
    assert.ok(texts.some((t) => t.includes("Nothing was requested") && t.includes("no approval channel is set")), texts.join(" | "));
    assert.equal(h.connector.calls.filter((c) => c.activity.attachments !== undefined).length, 0, "no card anywhere");
    await h.bot.idle();
    const entries = await h.auditEntries();
    assert.equal(entries.filter((e) => e.action === "request.created").length, 0);
    const refused = entries.filter((e) => e.action === "request.refused");
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.actor?.aadObjectId, WELL_KNOWN.val.id);
    assert.ok(String(refused[0]?.details.reason).includes("no approval channel is set"));
    assert.deepEqual(revokedUserIds(h), []);
  });

  it("still takes a single-user request from a personal chat, and a four-eyes one asked in a channel", async () => {
    await h.say("val", `revoke user ${alice.userPrincipalName}`);
    lastConfirmCard(h, h.personal("val").id);
    const team = h.channel("secops");
    await h.say("val", `revoke user ${alice.userPrincipalName} ${bob.userPrincipalName}`, team);
    const { card } = lastConfirmCard(h, team.id);
    assert.ok(cardText(card).includes("An approver other than Val Requester must approve"), cardText(card));
  });
});
