import assert from "node:assert/strict";
import { aggregateText } from "../../src/cards/audit-card.js";
import { historyReply, pendingReply, statusReply } from "../../src/cards/chat-replies.js";
import { failureListMessages, resultViewOf, targetListMessages } from "../../src/cards/present.js";
import { rawDataFindings, rawDataIn, visibleTexts } from "./raw-data.js";
import { auditSamples, bulkRequest, bulkResult, cardSamples, SAMPLE_NOW, singleRequest } from "./samples.js";

describe("the raw-data check", () => {
  // What the issue found on the old cards and replies: each must be caught, as its kind.
  const raw: Array<[string, string]> = [
    ["Expires 2026-12-01T05:00:45.603Z", "ISO timestamp"],
    ["Requested at 2026-11-24 10:02 UTC", "ISO timestamp"],
    ["Disable accounts false", "boolean"],
    ["Needs a second person: true", "boolean"],
    ["Outcome counts: failed: 0, not_found: 0, revoked_unverified: 0", "enum key"],
    ["#12 **request.created** by Dana Analyst", "enum key"],
    ["decision.refused by Sam", "enum key"],
    ["excluded_count: 3", "snake_case name"],
    ["Runner vm:21295:c40289", "runner ID"],
    ["the message names FOUR\\_EYES\\_MIN\\_TARGETS", "configuration variable name"],
    ["Only members of an approver group (APPROVER_GROUP_IDS) can", "configuration variable name"],
    ["Approvers were asked in 19:3f1b2c4d5e6f@thread.tacv2", "Teams thread ID"],
    ["Who: Dana Analyst (5f0c6a1e-2b9d-4c3a-8e…", "GUID cut off"],
    ["alice@contoso.com (7d6c1b5e-0f4a-4a9e", "GUID cut off"],
  ];
  for (const [text, kind] of raw) {
    it(`finds the ${kind} in "${text}"`, () => {
      assert.ok(
        rawDataIn(text).some((f) => f.kind === kind),
        `${kind} not found in "${text}": ${JSON.stringify(rawDataIn(text))}`,
      );
    });
  }

  it("lets words, whole GUIDs, UPNs with underscores, links and the card time format through", () => {
    for (const text of [
      "Revoke Alice Wood's sessions?",
      "Dana Analyst asked 2 min ago · expires in 28 min",
      "Approved by Riley Approver, 1 Dec, 10:03 UTC.",
      "Object ID 7d6c1b5e-0f4a-4a9e-9c1e-2b1f8c7d6e5a",
      "vendor\\_fabrikam.com#EXT#@contoso.onmicrosoft.com (guest)",
      "Incident: [Phishing wave](https://contoso.example/incidents/INC_78) (Sentinel INC-78)",
      "2 failed (listed below), 58 revoked and verified.",
    ]) {
      assert.deepEqual(rawDataIn(text), [], text);
    }
  });

  it("reads the texts of a card a person sees, not its action data, verbs or refresh", () => {
    const texts = visibleTexts({
      type: "AdaptiveCard",
      refresh: { action: { verb: "revoke.refresh", data: { requestId: "R-1" } }, userIds: ["29:x"] },
      body: [{ type: "TextBlock", text: "Hello" }, { type: "FactSet", facts: [{ title: "A", value: "B" }] }],
      actions: [{ type: "Action.Execute", title: "Approve", verb: "revoke.approve", data: { requestId: "R-1" } }],
    });
    assert.deepEqual(texts, ["Hello", "A", "B", "Approve"]);
  });
});

describe("every card kind and chat reply reads as words (samples)", () => {
  it("has no raw data on any sample card", () => {
    assert.deepEqual(rawDataFindings(cardSamples().map((s) => ({ where: s.name, cards: [s.card] }))), []);
  });

  it("has no raw data in history, pending, status, the refusal summary and the thread lists", () => {
    const entries = auditSamples.map((s) => s.entry);
    const texts = [
      historyReply(entries, SAMPLE_NOW),
      pendingReply(
        [
          { request: singleRequest, targetCount: 1, targets: singleRequest.targets, abilities: { approve: true, reject: true, cancel: false } },
          { request: bulkRequest, targetCount: 60, targets: bulkRequest.targets, abilities: { approve: false, reject: false, cancel: true } },
        ],
        20,
        SAMPLE_NOW,
      ),
      statusReply(singleRequest.targets[0] ?? bulkRequest.targets[0], SAMPLE_NOW),
      ...entries.map((e) => aggregateText(e, { count: 3, firstSeq: 1, lastSeq: 3 })),
      ...targetListMessages(bulkRequest),
      ...failureListMessages(bulkResult.id, resultViewOf(bulkResult).rows, 2),
    ];
    assert.deepEqual(rawDataFindings(texts.map((text, i) => ({ where: `reply ${i}`, text }))), []);
  });
});
