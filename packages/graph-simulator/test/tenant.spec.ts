import assert from "node:assert/strict";
import {
  APPROVER_GROUP_ID,
  createSimulatedTenant,
  GENERATED_DEPARTMENTS,
  isGuid,
  REVOKER_GROUP_ID,
  SIM_CLIENT_ID,
  SIM_TENANT_ID,
  startSimulator,
  WELL_KNOWN,
} from "../src/index.js";
import type { SimulatedTenant } from "../src/index.js";

function tenantFor(seed: number, userCount = 300, clock?: () => number): SimulatedTenant {
  return createSimulatedTenant({ tenantId: SIM_TENANT_ID, seed, userCount, clientId: SIM_CLIENT_ID, clock });
}

describe("simulator: seeded tenant", () => {
  it("is identical for the same seed, across two running simulators", async () => {
    const [a, b] = await Promise.all([startSimulator({ seed: 7 }), startSimulator({ seed: 7 })]);
    try {
      assert.deepEqual(a.tenant.listUsers(), b.tenant.listUsers());
      assert.equal(a.tenant.users.size, 300 + Object.keys(WELL_KNOWN).length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("differs for another seed, in generated users only", () => {
    const a = tenantFor(1).listUsers();
    const b = tenantFor(2).listUsers();
    const wellKnownCount = Object.keys(WELL_KNOWN).length;
    assert.deepEqual(a.slice(0, wellKnownCount), b.slice(0, wellKnownCount));
    assert.notDeepEqual(a.slice(wellKnownCount), b.slice(wellKnownCount));
  });

  it("holds every well-known user with its fixed id, UPN and state", () => {
    const tenant = tenantFor(42);
    for (const fixture of Object.values(WELL_KNOWN)) {
      const user = tenant.userByKey(fixture.id);
      assert.ok(user, fixture.userPrincipalName);
      assert.equal(user.userPrincipalName, fixture.userPrincipalName);
      assert.equal(tenant.userByKey(fixture.userPrincipalName.toUpperCase())?.id, fixture.id);
    }
    assert.equal(tenant.userByKey(WELL_KNOWN.disabled.id)?.accountEnabled, false);
    assert.equal(tenant.userByKey(WELL_KNOWN.guest.id)?.userType, "Guest");
    assert.equal(tenant.userByKey("$svc-backup@contoso.com")?.id, WELL_KNOWN.dollar.id);
    assert.equal(tenant.userByKey("pat.o'neil@contoso.com")?.id, WELL_KNOWN.oneil.id);
  });

  it("puts sam in both groups, riley in approvers, val in revokers and nina in none", () => {
    const tenant = tenantFor(42);
    const groupsOf = (id: string) => [REVOKER_GROUP_ID, APPROVER_GROUP_ID].filter((group) => tenant.isMember(group, id));
    assert.deepEqual(groupsOf(WELL_KNOWN.sam.id), [REVOKER_GROUP_ID, APPROVER_GROUP_ID]);
    assert.deepEqual(groupsOf(WELL_KNOWN.riley.id), [APPROVER_GROUP_ID]);
    assert.deepEqual(groupsOf(WELL_KNOWN.val.id), [REVOKER_GROUP_ID]);
    assert.deepEqual(groupsOf(WELL_KNOWN.nina.id), []);
  });

  it("generates plausible users: unique GUIDs and UPNs, spread departments, a few disabled and guests", () => {
    const tenant = tenantFor(42, 2000);
    const generated = tenant.listUsers().slice(Object.keys(WELL_KNOWN).length);
    assert.equal(generated.length, 2000);
    assert.ok(generated.every((user) => isGuid(user.id)));
    assert.equal(new Set(generated.map((user) => user.id)).size, 2000);
    const upns = tenant.listUsers().map((user) => user.userPrincipalName.toLowerCase());
    assert.equal(new Set(upns).size, upns.length);

    const members = generated.filter((user) => user.userType === "Member");
    assert.ok(members.every((user) => /^[a-z'.]+\d*@contoso\.com$/.test(user.userPrincipalName)), "first.last(N)@contoso.com");
    const departments = new Set(members.map((user) => user.department));
    assert.deepEqual([...departments].sort(), [...GENERATED_DEPARTMENTS].sort());

    const guests = generated.filter((user) => user.userType === "Guest");
    assert.ok(guests.every((user) => user.userPrincipalName.includes("#EXT#@contoso.onmicrosoft.com")));
    const rate = (count: number) => count / generated.length;
    assert.ok(rate(guests.length) > 0.01 && rate(guests.length) < 0.06, `guests ${guests.length}`);
    const disabled = generated.filter((user) => !user.accountEnabled);
    assert.ok(rate(disabled.length) > 0.025 && rate(disabled.length) < 0.08, `disabled ${disabled.length}`);
    assert.ok(generated.some((user) => user.signInSessionsValidFromDateTime === null));
    assert.ok(
      generated.every(
        (user) =>
          user.signInSessionsValidFromDateTime === null ||
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(user.signInSessionsValidFromDateTime),
      ),
    );
  });

  describe("revocation", () => {
    it("sets signInSessionsValidFromDateTime to now at second precision", () => {
      const now = Date.parse("2026-11-24T10:02:03.456Z");
      const tenant = tenantFor(42, 0, () => now);
      assert.equal(tenant.revokeSignInSessions(WELL_KNOWN.alice.id), "2026-11-24T10:02:03Z");
      assert.equal(tenant.userByKey(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime, "2026-11-24T10:02:03Z");
    });

    it("bumps by one second when now is not later than the previous value", () => {
      const now = Date.parse("2026-11-24T10:02:03.100Z");
      const tenant = tenantFor(42, 0, () => now);
      tenant.revokeSignInSessions(WELL_KNOWN.alice.id);
      assert.equal(tenant.revokeSignInSessions(WELL_KNOWN.alice.id), "2026-11-24T10:02:04Z");
      assert.equal(tenant.revokeSignInSessions(WELL_KNOWN.alice.id), "2026-11-24T10:02:05Z");
    });

    it("reads the value from before the oldest revocation still inside the lag window", () => {
      let now = Date.parse("2026-11-24T10:00:00Z");
      const tenant = tenantFor(42, 0, () => now);
      const id = WELL_KNOWN.bob.id;
      const original = WELL_KNOWN.bob.signInSessionsValidFromDateTime;
      tenant.revokeSignInSessions(id); // 10:00:00
      now += 2000;
      const second = tenant.revokeSignInSessions(id); // 10:00:02
      assert.equal(tenant.signInSessionsValidFromAsRead(id, 5000), original);
      assert.equal(tenant.signInSessionsValidFromAsRead(id, 1000), "2026-11-24T10:00:00Z");
      assert.equal(tenant.signInSessionsValidFromAsRead(id, 0), second);
      now += 10_000;
      assert.equal(tenant.signInSessionsValidFromAsRead(id, 5000), second);
    });
  });
});
