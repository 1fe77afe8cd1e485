/**
 * The judgement of a sign-in's address across a user's watches (issue 21, point 6), without Graph
 * or a database: which request's incident address it is, how a read is split and marked, and how
 * the thread words it.
 */
import assert from "node:assert/strict";
import type { SignInEvent } from "../../src/directory/sign-in-log.js";
import { watchEndedText, watchReportText } from "../../src/cards/watch-replies.js";
import { IncidentAddresses, incidentIpOf } from "../../src/watch/judgement.js";
import { freshSignIns, watchSignInsOf } from "../../src/watch/sign-in-batch.js";
import type { UnreportedSignIn, WatchedUser } from "../../src/watch/types.js";

const ALICE = "00000000-0000-4000-8000-00000000000a";
const BOB = "00000000-0000-4000-8000-00000000000b";

/** Alice is watched under R-A (203.0.113.50, the watch judging), R-B (198.51.100.7) and R-C (198.51.100.7 too, newer); Bob under R-A only. */
function aliceAndBob(): IncidentAddresses {
  return new IncidentAddresses({ requestId: "R-A", ip: "203.0.113.50" }, [
    { userId: ALICE, requestId: "R-C", ip: "198.51.100.7", createdAt: "2026-11-01T11:00:00.000Z" },
    { userId: ALICE.toUpperCase(), requestId: "R-B", ip: "198.51.100.7", createdAt: "2026-11-01T10:00:00.000Z" },
    { userId: ALICE, requestId: "R-D", ip: "2001:DB8::50", createdAt: "2026-11-01T12:00:00.000Z" },
  ]);
}

function event(id: string, userId: string, ip: string, minute = 1): SignInEvent {
  return {
    id,
    createdDateTime: new Date(Date.parse("2026-11-01T12:00:00.000Z") + minute * 60_000).toISOString(),
    userId,
    ipAddress: ip,
    location: "Tallinn, Harjumaa, EE",
    appDisplayName: "Microsoft Teams",
    clientAppUsed: "Browser",
    isInteractive: true,
  };
}

function watched(userId: string, position: number): WatchedUser {
  return { position, userId, upn: `${userId}@contoso.test`, displayName: `User ${position}`, since: "2026-11-01T12:00:00.000Z", lastSummaryAt: null, overflowThrough: null };
}

describe("watch judgement: one verdict per sign-in across a user's watches", () => {
  it("matches this request's address first, then the oldest other watch of the same user naming it, and nobody else's", () => {
    const incidents = aliceAndBob();
    assert.equal(incidents.match(ALICE, "203.0.113.50"), "R-A");
    assert.equal(incidents.match(BOB, "203.0.113.50"), "R-A");
    // R-B and R-C both named it: the older watch is named, whichever watch judges.
    assert.equal(incidents.match(ALICE, "198.51.100.7"), "R-B");
    // Another user's watches do not count for Bob.
    assert.equal(incidents.match(BOB, "198.51.100.7"), null);
    assert.equal(incidents.match(ALICE, "2001:db8::50"), "R-D", "addresses compare without case (IPv6)");
    assert.equal(incidents.match(ALICE, "192.0.2.1"), null);
    assert.equal(incidents.match(ALICE, ""), null, "an empty address is nobody's");
  });

  it("a watch without an address of its own still alarms on another watch's; its own entry among the others is ignored", () => {
    const incidents = new IncidentAddresses({ requestId: "R-U", ip: null }, [
      { userId: ALICE, requestId: "R-U", ip: "192.0.2.99", createdAt: "2026-11-01T09:00:00.000Z" },
      { userId: ALICE, requestId: "R-A", ip: "203.0.113.50", createdAt: "2026-11-01T10:00:00.000Z" },
    ]);
    assert.equal(incidents.match(ALICE, "203.0.113.50"), "R-A");
    assert.equal(incidents.match(ALICE, "192.0.2.99"), null);
  });

  it("keeps another watch's incident address first under the per-user cap and marks it without a look-up", () => {
    const incidents = aliceAndBob();
    const events = [event("s1", ALICE, "192.0.2.1", 1), event("s2", ALICE, "192.0.2.2", 2), event("s3", ALICE, "198.51.100.7", 3)];
    const { kept, overflow } = freshSignIns(incidents, [watched(ALICE, 0)], events, new Set(), 1);
    assert.deepEqual(kept.map((e) => e.id), ["s3"], "the sign-in from R-B's address is kept before calmer ones");
    assert.equal(overflow[0]?.fromIncident, 0);
    assert.deepEqual(overflow[0]?.incidentIds, []);
    const signIns = watchSignInsOf(incidents, [...kept, event("s4", ALICE, "192.0.2.1", 4)], new Map(), 3);
    assert.deepEqual(
      signIns.map((s) => [s.signInId, s.incidentIp, s.incidentRequestId, s.addressCheck]),
      [
        ["s3", true, "R-B", null],
        ["s4", false, null, "pending"],
      ],
    );
  });

  it("counts sign-ins past the cap from any watch's incident address, with their IDs and whose address", () => {
    const incidents = aliceAndBob();
    const events = [event("s1", ALICE, "203.0.113.50", 1), event("s2", ALICE, "198.51.100.7", 2), event("s3", ALICE, "198.51.100.7", 3), event("s4", ALICE, "192.0.2.1", 4)];
    const { overflow } = freshSignIns(incidents, [watched(ALICE, 0)], events, new Set(), 1);
    assert.equal(overflow[0]?.count, 3);
    assert.equal(overflow[0]?.fromIncident, 2);
    assert.deepEqual(overflow[0]?.incidentIds, ["s2", "s3"]);
    assert.deepEqual(overflow[0]?.incidentRequests, ["R-B"]);
  });

  it("says in the thread whose incident address it was: this request's, or another's watching the user", () => {
    const signIn = (incidentRequestId: string | null): UnreportedSignIn => ({
      signInId: "s1",
      userId: ALICE,
      createdAt: "2026-11-01T12:01:00.000Z",
      ip: "203.0.113.50",
      location: "Tallinn, Harjumaa, EE",
      app: "Microsoft Teams",
      client: "Browser",
      interactive: null,
      incidentIp: incidentRequestId !== null,
      incidentRequestId,
      seenBefore: null,
      addressCheck: null,
      reportedAt: null,
      upn: "alice@contoso.test",
      displayName: "Alice Wood",
      lastSummaryAt: null,
    });
    const report = (requestId: string) => watchReportText(requestId, [{ displayName: "Alice Wood", upn: "alice@contoso.test", signIns: [signIn("R-A")] }], 0);
    const own = report("R-A");
    const other = report("R-B");
    assert.match(own, /ALARM: 1 successful sign-in from the incident's address after the revocation of R-A/);
    assert.ok(own.includes("from 203.0.113.50 (Tallinn, Harjumaa, EE), **the incident address of R-A (this request)**"), own);
    assert.match(other, /ALARM: 1 successful sign-in from the incident address of R-A after the revocation of R-B/);
    assert.ok(other.includes("from 203.0.113.50 (Tallinn, Harjumaa, EE), **the incident address of R-A, another request watching this user**"), other);
    for (const text of [own, other]) assert.ok(text.includes("Alice Wood") && !text.includes(ALICE) && !/\d\dT\d\d:/.test(text), text);
    assert.ok(!report("R-B").includes("had not signed in from before"));
    // A calm sign-in names nobody's incident address.
    const calm = watchReportText("R-B", [{ displayName: "Alice Wood", upn: "alice@contoso.test", signIns: [{ ...signIn(null), seenBefore: true }] }], 0);
    assert.ok(!calm.includes("ALARM") && !calm.includes("incident address"), calm);
  });

  it("reads the incident address from the request's command", () => {
    assert.equal(incidentIpOf("revoke ip 203.0.113.50 --since 24h"), "203.0.113.50");
    assert.equal(incidentIpOf("revoke user alice@contoso.com"), null);
    assert.equal(incidentIpOf(undefined), null);
  });
});

describe("watch: the end of a watch counts each incident address apart", () => {
  it("says how many sign-ins came from this incident's address and how many from another watching request's", () => {
    assert.equal(
      watchEndedText("R-A", 24, 5, 3, 1),
      "The 24-hour sign-in watch of R-A has ended: 5 successful sign-ins after the revocation (2 from this incident's address, 1 from the incident address of another request watching the same user).",
    );
    assert.equal(watchEndedText("R-A", 24, 2, 2, 2), "The 24-hour sign-in watch of R-A has ended: 2 successful sign-ins after the revocation (2 from the incident address of another request watching the same user).");
    assert.equal(watchEndedText("R-A", 24, 1, 0, 0), "The 24-hour sign-in watch of R-A has ended: 1 successful sign-in after the revocation.");
    assert.equal(watchEndedText("R-A", 24, 0, 0, 0), "The 24-hour sign-in watch of R-A has ended: no revoked user signed in successfully after the revocation.");
  });
});
