import assert from "node:assert/strict";
import {
  bulkUserId,
  createSimulatedTenant,
  isGuid,
  SIM_CLIENT_ID,
  SIM_TENANT_ID,
  startSimulator,
  toODataStringLiteral,
  WELL_KNOWN,
} from "../src/index.js";
import type { BulkDepartmentOptions, SimulatedTenant, StartedSimulator } from "../src/index.js";
import { getToken, graph } from "./support/sim-client.js";

function tenantWith(bulkDepartment: BulkDepartmentOptions | undefined, userCount = 50): SimulatedTenant {
  return createSimulatedTenant({ tenantId: SIM_TENANT_ID, seed: 42, userCount, clientId: SIM_CLIENT_ID, bulkDepartment });
}

interface UserPage {
  "@odata.nextLink"?: string;
  value: { id: string; userType: string; accountEnabled: boolean; department: string }[];
}

describe("simulator: a large bulk department for benchmarks", () => {
  it("adds N deterministic users after the others, without changing the seeded ones", () => {
    const plain = tenantWith(undefined).listUsers();
    const tenant = tenantWith({ name: "O'Brien Load", count: 5000 });
    const users = tenant.listUsers();
    assert.equal(users.length, plain.length + 5000);
    assert.deepEqual(users.slice(0, plain.length), plain, "the seeded users are untouched");

    const bulk = users.slice(plain.length);
    assert.equal(bulk[0]?.id, bulkUserId(1));
    assert.equal(bulk.at(-1)?.id, bulkUserId(5000));
    assert.ok(bulk.every((user) => isGuid(user.id) && user.department === "O'Brien Load"));
    const members = bulk.filter((user) => user.userType === "Member");
    assert.ok(members.every((user) => /^obrienload\.\d{6}@contoso\.com$/.test(user.userPrincipalName)));
    const upns = new Set(users.map((user) => user.userPrincipalName.toLowerCase()));
    assert.equal(upns.size, users.length, "UPNs stay unique");
    const member = members[1];
    assert.ok(member);
    assert.equal(tenant.userByKey(member.userPrincipalName.toUpperCase())?.id, member.id);

    const guests = bulk.filter((user) => user.userType === "Guest");
    const disabled = bulk.filter((user) => !user.accountEnabled);
    assert.ok(guests.length > 20 && guests.length < 100, `about 1% guests, got ${guests.length}`);
    assert.ok(disabled.length > 50 && disabled.length < 160, `about 2% disabled, got ${disabled.length}`);
    assert.ok(guests.every((user) => user.userPrincipalName.endsWith("_fabrikam.com#EXT#@contoso.onmicrosoft.com")));

    assert.deepEqual(tenantWith({ name: "O'Brien Load", count: 5000 }).listUsers(), users, "same seed, same department");
  });

  it("honours the rates, and refuses bad options before building anything", () => {
    const plain = tenantWith({ name: "Load Test", count: 1000, guestRate: 0, disabledRate: 0 }, 0)
      .listUsers()
      .filter((user) => user.department === "Load Test");
    assert.equal(plain.length, 1000);
    assert.ok(plain.every((user) => user.accountEnabled && user.userType === "Member"));
    const allGuests = tenantWith({ name: "Load Test", count: 100, guestRate: 1 }, 0).listUsers();
    const wellKnownGuests = Object.values(WELL_KNOWN).filter((user) => user.userType === "Guest").length;
    assert.equal(allGuests.filter((user) => user.userType === "Guest").length, 100 + wellKnownGuests);
    assert.throws(() => tenantWith({ name: "", count: 1 }), /bulkDepartment.name/);
    assert.throws(() => tenantWith({ name: "X", count: -1 }), /bulkDepartment.count/);
    assert.throws(() => tenantWith({ name: "X", count: 1, guestRate: 2 }), /guestRate/);
  });

  it("revokes a bulk user like any other", () => {
    const tenant = tenantWith({ name: "Load Test", count: 10 }, 0);
    const before = tenant.userById(bulkUserId(3))?.signInSessionsValidFromDateTime;
    const after = tenant.revokeSignInSessions(bulkUserId(3));
    assert.ok(Date.parse(after) > Date.parse(before ?? ""));
    assert.equal(tenant.userById(bulkUserId(4))?.signInSessionsValidFromDateTime, before, "shared values stay per user");
  });

  describe("100,000 users behind a running simulator", function () {
    this.timeout(120_000);
    const department = "Load Test";
    const count = 100_000;
    let sim: StartedSimulator;
    let token: string;

    before(async () => {
      sim = await startSimulator({ userCount: 300, bulkDepartment: { name: department, count } });
      token = await getToken(sim);
    });
    after(async () => {
      await sim.close();
    });

    it("pages a department filter over it with $top=999 and @odata.nextLink, guests and disabled included", async () => {
      const filter = `department eq ${toODataStringLiteral(department)}`;
      let path = `/users?$filter=${encodeURIComponent(filter)}&$select=id,userType,accountEnabled,department&$top=999`;
      const ids: string[] = [];
      let guests = 0;
      let disabled = 0;
      let pages = 0;
      for (;;) {
        const response = await graph(sim, token, path);
        assert.equal(response.status, 200, response.text);
        const page = response.json as UserPage;
        pages += 1;
        if (page["@odata.nextLink"] !== undefined) {
          assert.equal(page.value.length, 999, "every page but the last is full");
        }
        for (const user of page.value) {
          ids.push(user.id);
          if (user.userType === "Guest") guests += 1;
          if (!user.accountEnabled) disabled += 1;
          assert.equal(user.department, department);
        }
        const next = page["@odata.nextLink"];
        if (next === undefined) break;
        const url = new URL(next);
        path = `${url.pathname.replace(/^\/v1\.0/, "")}${url.search}`;
      }
      assert.equal(ids.length, count);
      assert.equal(new Set(ids).size, count);
      assert.equal(pages, Math.ceil(count / 999));
      assert.equal(ids[0], bulkUserId(1));
      assert.equal(ids.at(-1), bulkUserId(count));
      assert.ok(guests > 500 && guests < 1500, `about 1% guests: ${guests}`);
      assert.ok(disabled > 1500 && disabled < 2500, `about 2% disabled: ${disabled}`);
      assert.ok(sim.requests.every((r) => r.query.$filter === undefined || r.query.$filter === filter));
    });

    it("still answers the seeded departments and single reads quickly", async () => {
      const sales = await graph(sim, token, `/users?$filter=${encodeURIComponent("department eq 'Sales'")}&$select=id&$top=999`);
      assert.equal((sales.json as UserPage).value.length, sim.tenant.listUsers().filter((u) => u.department === "Sales").length);
      const read = await graph(sim, token, `/users/${bulkUserId(54_321)}?$select=id,department`);
      assert.deepEqual((read.json as Record<string, unknown>).department, department);
    });
  });
});
