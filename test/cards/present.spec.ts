import assert from "node:assert/strict";
import { CARD_TARGET_LIMIT, confirmCardData, resultCardData, targetListMessages } from "../../src/cards/present.js";
import type { TargetOutcome } from "../../src/revocation/types.js";
import { pendingRequest } from "../support/store-fixtures.js";

const outcome = (userId: string, status: TargetOutcome["status"]): TargetOutcome => ({
  userId,
  status,
  detail: status === "failed" ? "Graph answered 403" : "ok",
  sessionsValidFrom: null,
  disabled: false,
  at: "2026-11-01T09:05:00.000Z",
});

const context = { secondPerson: "requests of 2 users or more need a second person (four-eyes, FOUR_EYES_MIN_TARGETS)", approvalWhere: "", refreshUserIds: [] };

describe("card data for large requests", () => {
  it("the confirmation card lists the first 20 targets and says how many more there are", () => {
    const request = pendingRequest("R-0000000001", 45);
    const data = confirmCardData(request, context);
    assert.equal(data.targets.length, CARD_TARGET_LIMIT);
    assert.deepEqual(
      data.targets.map((t) => t.id),
      request.targets.slice(0, 20).map((t) => t.id),
    );
    assert.match(data.moreTargets, /^…and 25 more: the full list of 45 is in the replies to this card\.$/);
    assert.equal(confirmCardData(pendingRequest("R-0000000002", 20), context).moreTargets, "");
  });

  it("the full list replies hold every target once, 100 to a message, numbered", () => {
    const request = pendingRequest("R-0000000003", 250);
    const messages = targetListMessages(request);
    assert.equal(messages.length, 3);
    assert.match(messages[0] ?? "", /targets 1–100 of 250/);
    assert.match(messages[2] ?? "", /targets 201–250 of 250/);
    for (const target of request.targets) {
      assert.equal(messages.join("\n").split(target.id).length - 1, 1, `${target.id} listed once`);
    }
  });

  it("the result card lists at most 20 users, failures first, and says how many it leaves out", () => {
    const request = { ...pendingRequest("R-0000000004", 30), state: "failed" as const };
    const ids = request.targets.map((t) => t.id);
    request.outcomes = ids.map((id, i) => outcome(id, i === 25 || i === 29 ? "failed" : i === 27 ? "revoked_unverified" : "revoked_verified"));
    const data = resultCardData(request);
    assert.equal(data.targets.length, CARD_TARGET_LIMIT);
    assert.deepEqual(
      data.targets.slice(0, 4).map((t) => t.id),
      [ids[25], ids[29], ids[27], ids[0]],
      "failures, then unverified, then the rest in request order",
    );
    assert.match(data.moreRows, /^…and 10 more \(failures are listed first\)/);
    assert.equal(resultCardData({ ...request, targets: request.targets.slice(0, 3), outcomes: request.outcomes.slice(0, 3) }).moreRows, "");
  });
});
