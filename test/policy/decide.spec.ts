import assert from "node:assert/strict";
import { abilitiesOf, AUTOMATION_SECOND_PERSON, mayApprove, mayCancel, mayReject, needsFourEyes, responderConfirmation, secondPersonReason, type RequestFacts } from "../../src/policy/decide.js";
import type { Roles } from "../../src/policy/roles.js";
import { appActor, isAppActor, type Actor } from "../../src/domain/actor.js";

// The rules, as the product states them:
// - a request of FOUR_EYES_MIN_TARGETS (default 2) or more targets needs an approver other than its requester;
// - an approver who is not the requester may always approve and reject;
// - the requester may approve (confirm) their own request only below the threshold, and only while a revoker;
// - the requester never rejects their own request (they withdraw it); only the requester withdraws;
// - people are the same person when their Entra object IDs match, ignoring case.

const DEFAULT_MIN = 2;

const VAL: Actor = { aadObjectId: "10000000-0000-4000-8000-0000000000aa", name: "Val Requester" };
/** Val again, as another client might spell her object ID (upper case) and name her. */
const VAL_UPPER: Actor = { aadObjectId: "10000000-0000-4000-8000-0000000000AA", name: "val" };
const RILEY: Actor = { aadObjectId: "10000000-0000-4000-8000-0000000000bb", name: "Riley Reviewer" };
const NINA: Actor = { aadObjectId: "10000000-0000-4000-8000-0000000000cc", name: "Nina Viewer" };
/** Same display name as Val, different object ID: a name never makes two people one. */
const VAL_NAMESAKE: Actor = { aadObjectId: "10000000-0000-4000-8000-0000000000dd", name: "Val Requester" };

const NONE: Roles = { revoker: false, approver: false };
const REVOKER: Roles = { revoker: true, approver: false };
const APPROVER: Roles = { revoker: false, approver: true };
const BOTH: Roles = { revoker: true, approver: true };

const byVal = (targetCount: number) => ({ requester: VAL, targetCount });

/** The facts of a request with the rule its size gives under a threshold (no --disable, no privileged target). */
function withRule(request: { requester: Actor; targetCount: number }, fourEyesMinTargets: number, extra: Partial<RequestFacts> = {}): RequestFacts {
  const secondPerson = secondPersonReason(
    { targetCount: request.targetCount, disable: false, containment: false, responders: [] },
    { fourEyesMinTargets, disableNeedsSecondPerson: true },
  );
  return { ...request, secondPerson, ...extra };
}

describe("policy: needsFourEyes", () => {
  it("is false below the threshold and true at and above it (default 2)", () => {
    assert.equal(needsFourEyes(1, DEFAULT_MIN), false);
    assert.equal(needsFourEyes(2, DEFAULT_MIN), true);
    assert.equal(needsFourEyes(3, DEFAULT_MIN), true);
    assert.equal(needsFourEyes(500, DEFAULT_MIN), true);
  });

  it("with FOUR_EYES_MIN_TARGETS=1 every request is four-eyes", () => {
    assert.equal(needsFourEyes(1, 1), true);
    assert.equal(needsFourEyes(2, 1), true);
  });

  it("follows a higher threshold", () => {
    assert.equal(needsFourEyes(9, 10), false);
    assert.equal(needsFourEyes(10, 10), true);
    assert.equal(needsFourEyes(11, 10), true);
  });
});

describe("policy: mayApprove", () => {
  it("an approver who is not the requester may approve a single-user and a four-eyes request", () => {
    for (const n of [1, 2, 25]) {
      const d = mayApprove(withRule(byVal(n), DEFAULT_MIN), RILEY, APPROVER);
      assert.equal(d.allowed, true, `${n} targets`);
      assert.ok(d.reason.length > 0, "an allowed decision still says why");
    }
    const fourEyes = mayApprove(withRule(byVal(2), DEFAULT_MIN), RILEY, APPROVER);
    assert.match(fourEyes.reason, /four-eyes/);
  });

  it("an approver who is also a revoker may approve someone else's request", () => {
    assert.equal(mayApprove(withRule(byVal(3), DEFAULT_MIN), RILEY, BOTH).allowed, true);
  });

  it("someone with no role, or only the revoker role, may not approve someone else's request", () => {
    for (const roles of [NONE, REVOKER]) {
      for (const n of [1, 2]) {
        const d = mayApprove(withRule(byVal(n), DEFAULT_MIN), NINA, roles);
        assert.equal(d.allowed, false, `${JSON.stringify(roles)}, ${n} targets`);
        assert.match(d.reason, /approver group/);
      }
    }
  });

  it("the requester may confirm their own single-user request while a revoker", () => {
    assert.equal(mayApprove(withRule(byVal(1), DEFAULT_MIN), VAL, REVOKER).allowed, true);
    assert.equal(mayApprove(withRule(byVal(1), DEFAULT_MIN), VAL, BOTH).allowed, true);
  });

  it("the requester may not confirm their own single-user request once no longer a revoker, even as an approver", () => {
    for (const roles of [NONE, APPROVER]) {
      const d = mayApprove(withRule(byVal(1), DEFAULT_MIN), VAL, roles);
      assert.equal(d.allowed, false, JSON.stringify(roles));
      assert.match(d.reason, /no longer in a revoker group/);
    }
  });

  it("the requester may never approve their own four-eyes request, whatever their roles", () => {
    for (const roles of [NONE, REVOKER, APPROVER, BOTH]) {
      for (const n of [2, 3, 100]) {
        const d = mayApprove(withRule(byVal(n), DEFAULT_MIN), VAL, roles);
        assert.equal(d.allowed, false, `${JSON.stringify(roles)}, ${n} targets`);
        assert.match(d.reason, /someone else must approve/);
      }
    }
  });

  it("with FOUR_EYES_MIN_TARGETS=1 not even a single-user request may be confirmed by its requester", () => {
    for (const roles of [REVOKER, BOTH]) {
      const d = mayApprove(withRule(byVal(1), 1), VAL, roles);
      assert.equal(d.allowed, false, JSON.stringify(roles));
      assert.match(d.reason, /someone else must approve/);
    }
    assert.equal(mayApprove(withRule(byVal(1), 1), RILEY, APPROVER).allowed, true, "another approver still may");
  });

  it("with a higher threshold the requester may confirm a request below it, not one at it", () => {
    assert.equal(mayApprove(withRule(byVal(4), 5), VAL, REVOKER).allowed, true);
    assert.equal(mayApprove(withRule(byVal(5), 5), VAL, BOTH).allowed, false);
  });

  it("compares object IDs case-insensitively: the requester in another case is still the requester", () => {
    assert.equal(mayApprove(withRule(byVal(2), DEFAULT_MIN), VAL_UPPER, BOTH).allowed, false, "cannot approve own four-eyes request");
    assert.equal(mayApprove(withRule({ requester: VAL_UPPER, targetCount: 2 }, DEFAULT_MIN), VAL, BOTH).allowed, false);
    assert.equal(mayApprove(withRule(byVal(1), DEFAULT_MIN), VAL_UPPER, REVOKER).allowed, true, "may confirm own single-user request");
  });

  it("does not take a person with the requester's display name for the requester", () => {
    assert.equal(mayApprove(withRule(byVal(2), DEFAULT_MIN), VAL_NAMESAKE, APPROVER).allowed, true);
    assert.equal(mayApprove(withRule(byVal(1), DEFAULT_MIN), VAL_NAMESAKE, REVOKER).allowed, false, "a revoker cannot confirm someone else's request");
  });
});

describe("policy: mayReject", () => {
  it("an approver who is not the requester may reject, single-user or four-eyes", () => {
    for (const n of [1, 2, 30]) assert.equal(mayReject(byVal(n), RILEY, APPROVER).allowed, true, `${n} targets`);
    assert.equal(mayReject(byVal(2), RILEY, BOTH).allowed, true);
  });

  it("someone without the approver role may not reject", () => {
    for (const roles of [NONE, REVOKER]) {
      const d = mayReject(byVal(2), NINA, roles);
      assert.equal(d.allowed, false, JSON.stringify(roles));
      assert.match(d.reason, /approver group/);
    }
  });

  it("the requester may not reject their own request, even as an approver; they are pointed to withdraw", () => {
    for (const roles of [NONE, REVOKER, APPROVER, BOTH]) {
      for (const n of [1, 2]) {
        const d = mayReject(byVal(n), VAL, roles);
        assert.equal(d.allowed, false, `${JSON.stringify(roles)}, ${n} targets`);
        assert.match(d.reason, /withdraw/);
      }
    }
  });

  it("compares object IDs case-insensitively", () => {
    assert.equal(mayReject(byVal(2), VAL_UPPER, BOTH).allowed, false);
    assert.equal(mayReject(byVal(2), VAL_NAMESAKE, APPROVER).allowed, true);
  });
});

describe("policy: mayCancel", () => {
  it("the requester may withdraw their request, whatever its size", () => {
    for (const n of [1, 2, 500]) assert.equal(mayCancel(byVal(n), VAL).allowed, true, `${n} targets`);
  });

  it("nobody else may, not even an approver (roles are not asked)", () => {
    for (const actor of [RILEY, NINA, VAL_NAMESAKE]) {
      const d = mayCancel(byVal(2), actor);
      assert.equal(d.allowed, false, actor.name);
      assert.match(d.reason, /Only the person who asked/);
    }
  });

  it("compares object IDs case-insensitively", () => {
    assert.equal(mayCancel(byVal(2), VAL_UPPER).allowed, true);
    assert.equal(mayCancel({ requester: VAL_UPPER }, VAL).allowed, true);
  });
});

describe("policy: abilitiesOf", () => {
  const none = { approve: false, reject: false, cancel: false };

  it("an approver who is not the requester may approve and reject, not withdraw", () => {
    const expected = { approve: true, reject: true, cancel: false };
    assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), RILEY, APPROVER), expected);
    assert.deepEqual(abilitiesOf(withRule(byVal(2), DEFAULT_MIN), RILEY, APPROVER), expected);
    assert.deepEqual(abilitiesOf(withRule(byVal(2), DEFAULT_MIN), RILEY, BOTH), expected);
  });

  it("the requester of a four-eyes request may only withdraw, whatever their roles", () => {
    for (const roles of [NONE, REVOKER, APPROVER, BOTH]) {
      assert.deepEqual(abilitiesOf(withRule(byVal(2), DEFAULT_MIN), VAL, roles), { approve: false, reject: false, cancel: true }, JSON.stringify(roles));
    }
  });

  it("the requester of a single-user request, a revoker, may approve and withdraw", () => {
    assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), VAL, REVOKER), { approve: true, reject: false, cancel: true });
    assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), VAL, BOTH), { approve: true, reject: false, cancel: true });
  });

  it("the requester of a single-user request who is no longer a revoker may only withdraw", () => {
    assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), VAL, APPROVER), { approve: false, reject: false, cancel: true });
    assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), VAL, NONE), { approve: false, reject: false, cancel: true });
  });

  it("someone else without the approver role may do nothing", () => {
    for (const roles of [NONE, REVOKER]) {
      assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), NINA, roles), none, `single, ${JSON.stringify(roles)}`);
      assert.deepEqual(abilitiesOf(withRule(byVal(2), DEFAULT_MIN), NINA, roles), none, `four-eyes, ${JSON.stringify(roles)}`);
    }
  });

  it("with FOUR_EYES_MIN_TARGETS=1 the requester of a single-user request may only withdraw", () => {
    assert.deepEqual(abilitiesOf(withRule(byVal(1), 1), VAL, BOTH), { approve: false, reject: false, cancel: true });
    assert.deepEqual(abilitiesOf(withRule(byVal(1), 1), RILEY, APPROVER), { approve: true, reject: true, cancel: false });
  });

  it("knows the requester by object ID in any case", () => {
    assert.deepEqual(abilitiesOf(withRule(byVal(2), DEFAULT_MIN), VAL_UPPER, BOTH), { approve: false, reject: false, cancel: true });
    assert.deepEqual(abilitiesOf(withRule(byVal(1), DEFAULT_MIN), VAL_UPPER, REVOKER), { approve: true, reject: false, cancel: true });
    assert.deepEqual(abilitiesOf(withRule(byVal(2), DEFAULT_MIN), VAL_NAMESAKE, NONE), none);
  });
});

describe("policy: secondPersonReason (separation of duties)", () => {
  const RULES = { fourEyesMinTargets: DEFAULT_MIN, disableNeedsSecondPerson: true };
  const one = { targetCount: 1, disable: false, containment: false, responders: [] };

  it("a one-user request without --disable whose target holds no role needs no second person", () => {
    assert.equal(secondPersonReason(one, RULES), null);
  });

  it("a request at the four-eyes size needs one, whatever else", () => {
    assert.match(secondPersonReason({ ...one, targetCount: 2 }, RULES) ?? "", /FOUR_EYES_MIN_TARGETS/);
  });

  it("--disable always needs a second person, even for one user (DISABLE_NEEDS_SECOND_PERSON on, the default)", () => {
    assert.match(secondPersonReason({ ...one, disable: true }, RULES) ?? "", /--disable.*DISABLE_NEEDS_SECOND_PERSON/);
  });

  it("with DISABLE_NEEDS_SECOND_PERSON=false a one-user --disable falls back to the size rule", () => {
    assert.equal(secondPersonReason({ ...one, disable: true }, { ...RULES, disableNeedsSecondPerson: false }), null);
  });

  it("--reset-password or --confirm-compromised always needs a second person, even with DISABLE_NEEDS_SECOND_PERSON=false", () => {
    const rules = { ...RULES, disableNeedsSecondPerson: false };
    assert.match(secondPersonReason({ ...one, containment: true }, rules) ?? "", /--reset-password, --confirm-compromised\) always needs a second person/);
    const request: RequestFacts = { requester: VAL, targetCount: 1, secondPerson: secondPersonReason({ ...one, containment: true }, rules), requesterIsRevoker: true };
    assert.equal(mayApprove(request, VAL, BOTH).allowed, false);
    assert.equal(mayApprove(request, RILEY, APPROVER).allowed, true);
  });

  it("a target in a revoker or approver group needs a second person, and is named", () => {
    const reason = secondPersonReason({ ...one, responders: ["sam@contoso.com"] }, RULES) ?? "";
    assert.match(reason, /sam@contoso\.com is a member of a revoker or approver group/);
  });

  it("a set of any size that holds responders needs a second person and names them, even below FOUR_EYES_MIN_TARGETS", () => {
    const rules = { ...RULES, fourEyesMinTargets: 10 };
    const reason = secondPersonReason({ ...one, targetCount: 7, responders: ["sam@contoso.com", "val@contoso.com"] }, rules) ?? "";
    assert.match(reason, /2 of these users \(sam@contoso\.com, val@contoso\.com\) are members of a revoker or approver group/);
    // Without responders, FOUR_EYES_MIN_TARGETS decides for any size: a 7-user set under 10 needs nobody else.
    assert.equal(secondPersonReason({ ...one, targetCount: 7 }, rules), null);
    assert.match(secondPersonReason({ ...one, targetCount: 10 }, rules) ?? "", /FOUR_EYES_MIN_TARGETS/);
  });

  it("responders with --disable or containment: a plain approval is refused; including or leaving them out passes; nothing else takes a choice", () => {
    const base = { responderCount: 2, disable: true, containment: false, targetCount: 7 };
    assert.match(responderConfirmation(base, undefined)?.reason ?? "", /plain Approve is not enough/);
    assert.equal(responderConfirmation(base, "include"), null);
    assert.equal(responderConfirmation(base, "exclude"), null);
    assert.equal(responderConfirmation({ ...base, disable: false, containment: true }, undefined)?.allowed, false);
    // Without --disable or containment, responders need a second person but no choice.
    assert.equal(responderConfirmation({ ...base, disable: false }, undefined), null);
    assert.match(responderConfirmation({ ...base, disable: false }, "include")?.reason ?? "", /only for a set that holds responders/);
    assert.match(responderConfirmation({ ...base, responderCount: 0 }, "exclude")?.reason ?? "", /only for a set that holds responders/);
    // Leaving every target out would leave nothing to run.
    assert.match(responderConfirmation({ ...base, targetCount: 2 }, "exclude")?.reason ?? "", /Every user of this set is a responder/);
  });

  it("the requester cannot confirm a --disable or privileged-target request, an approver can", () => {
    for (const facts of [{ ...one, disable: true }, { ...one, responders: ["sam@contoso.com"] }]) {
      const request: RequestFacts = { requester: VAL, targetCount: 1, secondPerson: secondPersonReason(facts, RULES), requesterIsRevoker: true };
      const own = mayApprove(request, VAL, BOTH);
      assert.equal(own.allowed, false, JSON.stringify(facts));
      assert.match(own.reason, /someone else must approve/);
      assert.equal(mayApprove(request, RILEY, APPROVER).allowed, true, JSON.stringify(facts));
      assert.deepEqual(abilitiesOf(request, VAL, BOTH), { approve: false, reject: false, cancel: true });
    }
  });
});

describe("policy: the requester's role at approval", () => {
  it("an approver may not approve the request of someone no longer in a revoker group; they may reject it", () => {
    const request: RequestFacts = { requester: VAL, targetCount: 2, secondPerson: "four-eyes", requesterIsRevoker: false };
    const d = mayApprove(request, RILEY, APPROVER);
    assert.equal(d.allowed, false);
    assert.match(d.reason, /no longer in a revoker group/);
    assert.equal(mayReject(request, RILEY, APPROVER).allowed, true);
    assert.equal(mayApprove({ ...request, requesterIsRevoker: true }, RILEY, APPROVER).allowed, true);
  });
});

describe("policy: requests from automation", () => {
  const SENTINEL = appActor("50000000-0000-4000-8000-000000000003", "Contoso Sentinel Playbook");
  const rules = { fourEyesMinTargets: 100, disableNeedsSecondPerson: false };

  it("an app's actor ID can never be a person's, and it is known as an app", () => {
    assert.equal(SENTINEL.aadObjectId, "app:50000000-0000-4000-8000-000000000003");
    assert.equal(SENTINEL.name, "Contoso Sentinel Playbook (app)");
    assert.ok(isAppActor(SENTINEL));
    assert.ok(!isAppActor(RILEY));
    assert.equal(appActor("50000000-0000-4000-8000-000000000003", undefined).name, "app 50000000-0000-4000-8000-000000000003");
  });

  it("a request from automation always needs a second person, whatever its size and options", () => {
    assert.equal(secondPersonReason({ targetCount: 1, disable: false, containment: false, responders: [], fromAutomation: true }, rules), AUTOMATION_SECOND_PERSON);
    assert.equal(secondPersonReason({ targetCount: 1, disable: false, containment: false, responders: [] }, rules), null);
  });

  it("no app may approve or reject, even with every role and even a request of its own; an approver may approve the app's request", () => {
    const facts: RequestFacts = { requester: SENTINEL, targetCount: 1, secondPerson: AUTOMATION_SECOND_PERSON };
    for (const roles of [NONE, REVOKER, APPROVER, BOTH]) {
      assert.equal(mayApprove(facts, SENTINEL, roles).allowed, false);
      assert.equal(mayApprove({ ...facts, requester: VAL }, SENTINEL, roles).allowed, false);
      assert.equal(mayReject(facts, SENTINEL, roles).allowed, false);
    }
    assert.equal(mayApprove(facts, RILEY, APPROVER).allowed, true);
    assert.equal(mayApprove(facts, VAL, REVOKER).allowed, false);
    assert.equal(mayReject(facts, RILEY, APPROVER).allowed, true);
  });
});
