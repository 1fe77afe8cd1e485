import assert from "node:assert/strict";
import { REVOCATION_WORDS } from "../../src/cards/revocation-words.js";

/**
 * The words the domain records, asked for by code and facts (src/revocation/words.ts): the same
 * sentences the job runner and the lifecycle wrote themselves before they moved to src/cards/.
 */
describe("cards: the words the domain records (revocation-words.ts)", () => {
  it("a refused job says Not run and the reason, for each kind of refusal", () => {
    assert.equal(
      REVOCATION_WORDS.notRun({ code: "integrity", problem: { code: "noApproval" } }),
      "Not run: its approval is not in the audit log, so nobody can be shown to have approved it.",
    );
    assert.equal(
      REVOCATION_WORDS.notRun({ code: "requesterNoLongerRevoker", requesterName: "Alice Wood" }),
      "Not run: the requester, Alice Wood, is no longer allowed to request revocations.",
    );
    assert.equal(REVOCATION_WORDS.jobRefusal({ code: "approverDiffers" }), "the approval in the audit log is by someone other than the approver the request names");
    assert.match(REVOCATION_WORDS.jobRefusal({ code: "integrity", problem: { code: "differs", fields: ["targets", "disable"] } }), /\(which users it names; whether the accounts are disabled\)/);
    assert.match(REVOCATION_WORDS.jobRefusal({ code: "integrity", problem: { code: "alreadyEnded", action: "request.expired" } }), /^the audit log says it expired, so it never runs again/);
  });

  it("a stale enable names the newer disable and the account, for the approver and the job alike", () => {
    const stale = { newerDisable: "R-7K2M9QX4TB", user: "alice@contoso.com" };
    const clause = "request R-7K2M9QX4TB disabled alice@contoso.com again after this enable was asked, so enabling it now would undo that newer decision; if the account should be enabled after all, ask again with enable alice@contoso.com";
    assert.equal(REVOCATION_WORDS.staleEnableRefusal(stale), `This enable is out of date: ${clause}.`);
    assert.equal(REVOCATION_WORDS.notRun({ code: "staleEnable", stale }), `Not run: ${clause}.`);
  });

  it("containment steps: done, done again on resume, not done with the reason ending in one full stop", () => {
    assert.equal(REVOCATION_WORDS.stepDone("confirm_compromised", false), "Confirmed as compromised in Identity Protection (user risk set to high, so risk-based Conditional Access applies).");
    assert.match(REVOCATION_WORDS.stepDone("reset_password", true), /a change is required at next sign-in\. \(Reset again after an interruption/);
    assert.equal(REVOCATION_WORDS.stepNotDone("reset_password", "Graph refused it"), "Password not reset: Graph refused it.");
    assert.equal(REVOCATION_WORDS.stepNotDone("confirm_compromised", "Graph refused it."), "Not confirmed as compromised: Graph refused it.");
    assert.match(REVOCATION_WORDS.adminResetRefused, /^the user holds an admin role: .*Privileged Authentication Administrator/);
  });
});
