import assert from "node:assert/strict";
import { startSimulator, toODataStringLiteral, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { getToken, graph, graphErrorOf } from "./support/sim-client.js";
import type { SimHttpResponse } from "./support/sim-client.js";

interface UserPage {
  "@odata.context": string;
  "@odata.nextLink"?: string;
  value: Record<string, unknown>[];
}

describe("simulator: GET /users with $filter, $select, $top and paging", () => {
  let sim: StartedSimulator;
  let token: string;

  before(async () => {
    sim = await startSimulator({ userCount: 400 });
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });

  const list = (query: string) => graph(sim, token, `/users?${query}`);
  const filterParam = (filter: string) => `$filter=${encodeURIComponent(filter)}`;

  /** Follows @odata.nextLink (an absolute URL) until the last page. */
  async function collectAll(first: SimHttpResponse): Promise<{ users: Record<string, unknown>[]; pages: number }> {
    let response = first;
    const users: Record<string, unknown>[] = [];
    let pages = 0;
    for (;;) {
      assert.equal(response.status, 200, response.text);
      const page = response.json as UserPage;
      users.push(...page.value);
      pages += 1;
      const next = page["@odata.nextLink"];
      if (next === undefined) return { users, pages };
      assert.ok(next.startsWith(`${sim.graphBaseUrl}/users?`), next);
      const url = new URL(next);
      response = await graph(sim, token, `${url.pathname.replace(/^\/v1\.0/, "")}${url.search}`);
    }
  }

  it("filters by a department with an escaped apostrophe and pages through every match", async () => {
    const department = "O'Brien Logistics";
    const expected = sim.tenant.listUsers().filter((user) => user.department === department);
    assert.ok(expected.length > 10, `the seed should give O'Brien Logistics several members, got ${expected.length}`);

    const first = await list(`${filterParam(`department eq ${toODataStringLiteral(department)}`)}&$select=id,department&$top=7`);
    const body = first.json as UserPage;
    assert.equal(body["@odata.context"], `${sim.graphBaseUrl}/$metadata#users(id,department)`);
    assert.equal(body.value.length, 7);
    assert.ok(body["@odata.nextLink"]?.includes("$skiptoken="));

    const { users, pages } = await collectAll(first);
    assert.equal(users.length, expected.length);
    assert.equal(pages, Math.ceil(expected.length / 7));
    assert.deepEqual(
      users.map((user) => user.id),
      expected.map((user) => user.id),
    );
    assert.ok(users.every((user) => user.department === department && Object.keys(user).length === 2));
  });

  it("matches the department case-insensitively, like Graph", async () => {
    const { users } = await collectAll(await list(`${filterParam("department eq 'sales'")}&$select=id&$top=999`));
    const expected = sim.tenant.listUsers().filter((user) => user.department === "Sales");
    assert.equal(users.length, expected.length);
  });

  it("handles & in a department name when the client encodes it", async () => {
    const { users } = await collectAll(await list(`${filterParam("department eq 'Research & Development'")}&$top=999`));
    assert.equal(users.length, sim.tenant.listUsers().filter((user) => user.department === "Research & Development").length);
    assert.ok(users.length > 0);
  });

  it("filters disabled accounts, which include the well-known Dana Gone", async () => {
    const { users } = await collectAll(await list(`${filterParam("accountEnabled eq false")}&$select=id,accountEnabled`));
    const expected = sim.tenant.listUsers().filter((user) => !user.accountEnabled);
    assert.equal(users.length, expected.length);
    assert.ok(users.some((user) => user.id === WELL_KNOWN.disabled.id));
    assert.ok(users.every((user) => user.accountEnabled === false));
  });

  it("combines supported clauses with 'and'", async () => {
    const { users } = await collectAll(await list(`${filterParam("department eq 'Sales' and accountEnabled eq false")}&$select=id`));
    const expected = sim.tenant.listUsers().filter((user) => user.department === "Sales" && !user.accountEnabled);
    assert.deepEqual(
      users.map((user) => user.id),
      expected.map((user) => user.id),
    );
  });

  it("pages the whole directory with Graph's default page size of 100", async () => {
    const first = await list("$select=id");
    assert.equal((first.json as UserPage).value.length, 100);
    const { users } = await collectAll(first);
    assert.equal(users.length, sim.tenant.users.size);
  });

  it("400s an unsupported filter with Request_UnsupportedQuery", async () => {
    for (const filter of ["jobTitle eq 'Manager'", "startswith(displayName,'A')", "department ne 'Sales'", "department eq 'Sales' or department eq 'HR'"]) {
      const response = await list(filterParam(filter));
      assert.equal(response.status, 400, filter);
      assert.equal(graphErrorOf(response).code, "Request_UnsupportedQuery", filter);
    }
  });

  it("400s valid OData operators it does not read (in, has, any) as unsupported, not as a syntax error", async () => {
    for (const filter of ["department in ('Sales','HR')", "department has 'x'", "proxyAddresses/any(p:startswith(p,'smtp:a'))"]) {
      const response = await list(filterParam(filter));
      assert.equal(response.status, 400, filter);
      assert.equal(graphErrorOf(response).code, "Request_UnsupportedQuery", filter);
    }
    for (const filter of ["shoeSize eq 'x'", "department eq null", "accountEnabled eq 'false'", "department eq 'Sales' and jobTitle eq 'x'"]) {
      assert.equal(graphErrorOf(await list(filterParam(filter))).code, "Request_UnsupportedQuery", filter);
    }
  });

  it("records $filter exactly as received, percent-decoded once", async () => {
    sim.clearRequests();
    const filter = "department eq 'Research & Development'";
    await list(`${filterParam(filter)}&$select=id`);
    // A client that encodes twice sends a filter the server cannot read, and the log shows why.
    const doubled = await list(`$filter=${encodeURIComponent(encodeURIComponent(filter))}`);
    assert.equal(doubled.status, 400);
    // Graph reads a raw "+" in a query string as a space; %2B is a plus.
    await list("$filter=department+eq+'Sales'");
    const plus = await list(`$filter=${encodeURIComponent("department eq 'R+D'")}`);
    assert.equal(plus.status, 200);
    assert.deepEqual(
      sim.requests.map((request) => request.query.$filter),
      [filter, encodeURIComponent(filter), "department eq 'Sales'", "department eq 'R+D'"],
    );
  });

  it("400s an unescaped apostrophe as a syntax error", async () => {
    const response = await list(filterParam("department eq 'O'Brien Logistics'"));
    assert.equal(response.status, 400);
    const error = graphErrorOf(response);
    assert.equal(error.code, "BadRequest");
    assert.match(error.message, /^Invalid filter clause: Syntax error at position \d+/);
  });

  it("400s a $top outside 1…999 and a forged or mismatched $skiptoken", async () => {
    assert.equal((await list("$top=1000")).status, 400);
    assert.equal((await list("$top=0")).status, 400);
    const forged = await list("$skiptoken=bm90LWEtdG9rZW4");
    assert.equal(forged.status, 400);
    assert.equal(graphErrorOf(forged).code, "Directory_ExpiredPageToken");

    const first = (await list(`${filterParam("department eq 'Sales'")}&$top=5`)).json as UserPage;
    const skipToken = new URL(first["@odata.nextLink"] ?? "").searchParams.get("$skiptoken") ?? "";
    const mismatched = await list(`${filterParam("department eq 'HR'")}&$skiptoken=${skipToken}`);
    assert.equal(mismatched.status, 400);
  });

  it("refuses query options it does not implement instead of ignoring them", async () => {
    const response = await list("$orderby=displayName");
    assert.equal(response.status, 400);
    assert.equal(graphErrorOf(response).code, "Request_UnsupportedQuery");
  });
});
