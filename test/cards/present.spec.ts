import assert from "node:assert/strict";
import { APPROVAL_ROWS, RESULT_ROWS, confirmCardData, incidentLine, resultCardData, targetListMessages } from "../../src/cards/present.js";
import type { TargetOutcome } from "../../src/domain/outcome.js";
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
  it("the approval card lists the first users of a set, counts the rest and names none of them in its title", () => {
    const request = pendingRequest("R-0000000001", 45);
    const data = confirmCardData(request, context);
    assert.equal(data.rows.length, APPROVAL_ROWS);
    assert.deepEqual(
      data.rows.map((t) => t.userPrincipalName),
      request.targets.slice(0, APPROVAL_ROWS).map((t) => t.userPrincipalName),
    );
    assert.match(data.moreTargets, /^…and 40 more: the full list is in the replies to this card\.$/);
    assert.equal(data.title, "Revoke sessions of 45 users?");
    assert.equal(data.breakdown, "45 users: 45 enabled.");
    assert.equal(confirmCardData(pendingRequest("R-0000000002", APPROVAL_ROWS), context).moreTargets, "");
  });

  it("the approval card of one user names the person and shows the facts that matter, relative times", () => {
    const request = pendingRequest("R-0000000005", 1);
    const data = confirmCardData(request, { ...context, secondPerson: null, now: new Date("2026-11-01T09:02:00.000Z") });
    assert.equal(data.title, "Revoke User 1's sessions?");
    assert.equal(data.askedLine, "Riley Requester asked 2 min ago · expires in 28 min");
    assert.deepEqual(data.facts.map((f) => f.title), ["Sign-in name", "Department", "Account", "Last revoked"]);
    assert.deepEqual(data.rows, []);
    assert.ok(data.details.some((f) => f.title === "Object ID" && f.value === request.targets[0]?.id), "the object ID is behind Details");
    assert.equal(confirmCardData({ ...request, disable: true }, context).title, "Revoke User 1's sessions and disable the account?");
  });

  it("an incident shows as one line, linked only to an https URL, with markdown in its title escaped", () => {
    assert.equal(incidentLine(undefined), "");
    assert.equal(
      incidentLine({ source: "Sentinel", id: "INC-78", title: "Phishing wave", url: "https://contoso.example/inc/78" }),
      "Incident: [Phishing wave](https://contoso.example/inc/78), a link to contoso.example (Sentinel INC-78)",
    );
    assert.equal(incidentLine({ source: "Sentinel", id: "INC-78", title: "Phishing wave", url: "http://contoso.example/inc/78" }), "Incident: Phishing wave (Sentinel INC-78)");
    assert.equal(incidentLine({ source: "x", id: "1", title: "t", url: "javascript:alert(1)" }), "Incident: t (x 1)");
    assert.equal(incidentLine({ source: "x", id: "1", title: "[Approve](https://evil)", url: "https://a.example/(b)" }), "Incident: [\\[Approve\\]\\(https://evil\\)](https://a.example/%28b%29), a link to a.example (x 1)");
    const request = { ...pendingRequest("R-0000000006", 1), incident: { source: "Sentinel", id: "INC-78", title: "Phishing wave" } };
    assert.equal(confirmCardData(request, context).incidentLine, "Incident: Phishing wave (Sentinel INC-78)");
  });

  it("the full list replies hold every target once, 100 to a message, numbered", () => {
    const request = pendingRequest("R-0000000003", 250);
    const messages = targetListMessages(request);
    assert.equal(messages.length, 3);
    assert.match(messages[0] ?? "", /targets 1–100 of 250/);
    assert.match(messages[2] ?? "", /targets 201–250 of 250/);
    const all = messages.join("\n");
    for (const target of request.targets) {
      assert.equal(all.split(`${target.userPrincipalName} —`).length - 1, 1, `${target.userPrincipalName} listed once`);
      assert.ok(!all.includes(target.id), "no object IDs in chat: they are in the audit export");
    }
    const line = all.split("\n").find((l) => l.startsWith("1. ")) ?? "";
    assert.equal(line.split(" — ").length, 3, `name, sign-in name, account state: ${line}`);
  });

  it("the result card lists its first users, failures first, counts in words and says how many it leaves out", () => {
    const request = { ...pendingRequest("R-0000000004", 30), state: "failed" as const };
    const ids = request.targets.map((t) => t.id);
    request.outcomes = ids.map((id, i) => outcome(id, i === 25 || i === 29 ? "failed" : i === 27 ? "revoked_unverified" : "revoked_verified"));
    const data = resultCardData(request);
    assert.equal(data.targets.length, RESULT_ROWS);
    const upnOf = (i: number) => request.targets[i]?.userPrincipalName;
    assert.deepEqual(
      data.targets.slice(0, 4).map((t) => t.userPrincipalName),
      [upnOf(25), upnOf(29), upnOf(27), upnOf(0)],
      "failures, then unverified, then the rest in request order",
    );
    assert.equal(data.countsLine, "2 failed (listed below), 1 revoked, not yet verified, 27 revoked and verified.");
    assert.match(data.moreRows, /^…and 25 more\./);
    assert.equal(resultCardData({ ...request, targets: request.targets.slice(0, 3), outcomes: request.outcomes.slice(0, 3) }).moreRows, "");
  });
});
