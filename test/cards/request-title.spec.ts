import assert from "node:assert/strict";
import { approvalTitle } from "../../src/cards/approval-card.js";
import { auditCardData } from "../../src/cards/audit-card.js";
import { resultCardData } from "../../src/cards/result-card.js";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import type { RequestSelection } from "../../src/domain/selection.js";
import type { RevocationRequest } from "../../src/revocation/types.js";
import { pendingRequest } from "../support/store-fixtures.js";

const NOW = new Date("2026-12-07T17:00:00.000Z");

function request(n: number, selection?: RequestSelection, options: Partial<RevocationRequest> = {}): RevocationRequest {
  const r = pendingRequest("R-160WJ1TS5C", n, "2026-12-07T16:50:00.000Z");
  return { ...r, ...(selection === undefined ? {} : { selection }), ...options };
}

function entry(action: AuditEntry["action"], details: Record<string, unknown>): AuditEntry {
  return { seq: 7, at: "2026-12-07T16:51:00.000Z", actor: { aadObjectId: "aaaaaaaa-0000-4000-8000-000000000009", name: "Riley Reviewer" }, action, requestId: "R-160WJ1TS5C", details } as AuditEntry;
}

describe("titles say what is asked (issue 21)", () => {
  it("approval titles for each kind of selection, before and after", () => {
    const cases: Array<[RevocationRequest, string]> = [
      [request(1, { kind: "users" }), "Revoke User 1's sessions?"],
      [request(2, { kind: "users" }), "Revoke User 1's and User 2's sessions?"],
      [request(3, { kind: "users" }), "Revoke User 1's, User 2's and User 3's sessions?"],
      [request(4, { kind: "users" }), "Revoke sessions of 4 named users?"],
      [request(60, { kind: "department", name: "Claims" }), "Revoke sessions of all 60 users in Claims?"],
      [request(3, { kind: "ip", address: "203.0.113.50", since: "2026-12-06T17:00:00.000Z", sinceHours: 24 }), "Revoke sessions of the 3 users who signed in from 203.0.113.50 in the last 24 hours?"],
      [request(3, { kind: "ip", address: "203.0.113.50", since: "2026-12-04T17:00:00.000Z", sinceHours: 72 }), "Revoke sessions of the 3 users who signed in from 203.0.113.50 in the last 3 days?"],
      [request(3, { kind: "ip", address: "203.0.113.50", since: "2026-12-07T16:47:00.000Z" }), "Revoke sessions of the 3 users who signed in from 203.0.113.50 since 7 Dec, 16:47 UTC?"],
      [request(1, { kind: "ip", address: "203.0.113.50", since: "2026-12-06T17:00:00.000Z", sinceHours: 24 }), "Revoke User 1's sessions (the only user who signed in from 203.0.113.50 in the last 24 hours)?"],
      [request(412, { kind: "disabled" }), "Revoke sessions of every disabled account (412)?"],
      // A request made before selections were stored keeps today's wording.
      [request(45), "Revoke sessions of 45 users?"],
    ];
    for (const [r, title] of cases) assert.equal(approvalTitle(r, r.targets.length, NOW), title);
  });

  it("the options that change what runs are in the title's line", () => {
    const ip: RequestSelection = { kind: "ip", address: "203.0.113.50", since: "2026-12-06T17:00:00.000Z", sinceHours: 24 };
    assert.equal(
      approvalTitle(request(3, ip, { containment: { resetPassword: true, confirmCompromised: false } }), 3, NOW),
      "Revoke sessions of the 3 users who signed in from 203.0.113.50 in the last 24 hours and reset their passwords?",
    );
    assert.equal(
      approvalTitle(request(2, { kind: "users" }, { disable: true, containment: { resetPassword: true, confirmCompromised: true } }), 2, NOW),
      "Revoke User 1's and User 2's sessions, disable the accounts, reset their passwords and confirm them compromised?",
    );
    assert.equal(approvalTitle(request(1, { kind: "users" }, { disable: true }), 1, NOW), "Revoke User 1's sessions and disable the account?");
  });

  it("typed text in a title is escaped on cards, and a card that knows only the first users counts them", () => {
    assert.equal(approvalTitle(request(5, { kind: "department", name: "[Approve](https://evil.example)" }), 5, NOW), "Revoke sessions of all 5 users in \\[Approve\\]\\(https://evil.example\\)?");
    const firstOnly = { ...request(2, { kind: "users" }), targets: request(2).targets.slice(0, 1) };
    assert.equal(approvalTitle(firstOnly, 2, NOW), "Revoke sessions of 2 named users?");
  });

  it("the result card says who asked for what", () => {
    const data = resultCardData(request(2, { kind: "users" }, { reason: "phished" }));
    assert.equal(data.requestLine, "Riley Requester asked to revoke User 1's and User 2's sessions · Reason: phished");
  });

  it("audit headlines name the people or the selection, and an enable says Enabling", () => {
    const names = { names: ["Alice Wood", "Bob Stone"], selection: { kind: "users" }, targetCount: 2 };
    assert.equal(auditCardData(entry("revocation.started", { runner: "r1", ...names })).title, "Revoking Alice Wood's and Bob Stone's sessions (R-160WJ1TS5C)");
    assert.equal(auditCardData(entry("request.approved", { reason: "x", ...names })).title, "Riley Reviewer approved the request to revoke Alice Wood's and Bob Stone's sessions (R-160WJ1TS5C)");
    assert.equal(
      auditCardData(entry("revocation.completed", { counts: { revoked_verified: 2, revoked_unverified: 0, enabled: 0, not_found: 0, skipped: 0, failed: 0 }, ...names })).title,
      "Revoked Alice Wood's and Bob Stone's sessions (R-160WJ1TS5C): 2 revoked and verified",
    );
    const enable = { names: ["Alice Wood"], action: "enable the account", targetCount: 1 };
    assert.equal(auditCardData(entry("revocation.started", { runner: "r1", ...enable })).title, "Enabling Alice Wood's account (R-160WJ1TS5C)");
    const ip = { selection: { kind: "ip", address: "203.0.113.50", since: "2026-12-06T17:00:00.000Z", sinceHours: 24 }, targetCount: 60 };
    assert.equal(auditCardData(entry("request.expired", { expiresAt: "2026-12-07T17:20:00.000Z", ...ip })).title, "The request to revoke sessions of the 60 users who signed in from 203.0.113.50 in the last 24 hours (R-160WJ1TS5C) expired: nobody decided in time");
    // An entry written before these details existed still reads, counted.
    assert.equal(auditCardData(entry("revocation.started", { runner: "r1", targetCount: 2 })).title, "Revoking sessions of 2 users (R-160WJ1TS5C)");
    for (const title of [auditCardData(entry("revocation.started", { runner: "r1", ...names })).details, auditCardData(entry("request.approved", { reason: "x", ...names })).details]) {
      assert.ok(!title.some((f) => /selection|names|kind/i.test(f.title + f.value)), JSON.stringify(title));
    }
  });
});
