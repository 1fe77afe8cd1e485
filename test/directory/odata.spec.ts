import assert from "node:assert/strict";
import type { Client } from "@microsoft/microsoft-graph-client";
import { parseCommand } from "../../src/bot/commands/parse.js";
import { listSignInUsers, listUsers } from "../../src/directory/graph-listing.js";
import {
  departmentFilter,
  DISABLED_FILTER,
  MAX_DEPARTMENT_LENGTH,
  odataString,
  signInsFilter,
} from "../../src/directory/odata.js";
import type { DirectoryUser } from "../../src/directory/types.js";
import { AppError } from "../../src/errors.js";
import { ALL_GRAPH_ROLES, startSimulator, WELL_KNOWN, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import { parseFilter, type FilterExpression } from "@teams-revoke-bot/graph-simulator/odata-filter";
import { simUser } from "@teams-revoke-bot/graph-simulator";
import { graphFor } from "../support/graph.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

function refusedBeforeGraph(action: () => unknown, message: RegExp): void {
  assert.throws(action, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, "GraphBadRequest");
    assert.match(err.userMessage, message);
    assert.match(err.userMessage, /not sent to Microsoft Graph/);
    return true;
  });
}

/** The one comparison a department filter must parse to. */
function departmentComparison(name: string): FilterExpression {
  return {
    type: "comparison",
    operator: "eq",
    left: { type: "property", path: "department", position: 0 },
    right: { type: "literal", kind: "string", value: name, position: "department eq ".length },
  };
}

// Names a person could type (or paste) to break out of the string literal, or that look like a quote.
const HOSTILE_DEPARTMENTS = [
  "O'Brien Logistics",
  "' or 1 eq 1 or department eq '",
  "x' or accountEnabled eq false or department eq 'y",
  "%27",
  "Sales%27 or 1 eq 1",
  "%2527",
  "'",
  "''",
  "'''",
  "O\u02bcBrien", // MODIFIER LETTER APOSTROPHE
  "O\uff07Brien", // FULLWIDTH APOSTROPHE
  "O\u2019Brien", // RIGHT SINGLE QUOTATION MARK
  "Research & Development",
  "a&$top=1&$filter=accountEnabled eq true",
  "#EXT#",
  "a+b c",
  "50% off?",
  "back\\slash",
  "(department eq 'Sales')",
  "Vertrieb \u00e4\u00f6\u00fc \u6f22\u5b57 \ud83d\ude80",
  "'".repeat(MAX_DEPARTMENT_LENGTH),
];

describe("OData filters", () => {
  describe("odataString and the filter builders", () => {
    it("quotes a value, doubling each apostrophe and nothing else", () => {
      assert.equal(odataString("Sales"), "'Sales'");
      assert.equal(odataString("O'Brien"), "'O''Brien'");
      assert.equal(odataString("''"), "''''''");
      assert.equal(odataString("O\u2019Brien \uff07 \u02bc %27"), "'O\u2019Brien \uff07 \u02bc %27'");
      assert.equal(odataString(""), "''");
    });

    it("builds the three filters of DESIGN.md", () => {
      assert.equal(departmentFilter("O'Brien Logistics"), "department eq 'O''Brien Logistics'");
      assert.equal(DISABLED_FILTER, "accountEnabled eq false");
      assert.equal(
        signInsFilter("203.0.113.50", new Date("2025-10-01T08:09:10.987Z")),
        "ipAddress eq '203.0.113.50' and createdDateTime ge 2025-10-01T08:09:10Z and status/errorCode eq 0",
      );
      assert.equal(
        signInsFilter("2001:db8::50", new Date(Date.UTC(2025, 0, 2, 3, 4, 5))),
        "ipAddress eq '2001:db8::50' and createdDateTime ge 2025-01-02T03:04:05Z and status/errorCode eq 0",
      );
      // The failed attempts are read apart, as information, without the status clause.
      assert.equal(
        signInsFilter("203.0.113.50", new Date("2025-10-01T08:09:10.987Z"), { successfulOnly: false }),
        "ipAddress eq '203.0.113.50' and createdDateTime ge 2025-10-01T08:09:10Z",
      );
    });

    it("refuses what the parser refuses, as a second line of defence", () => {
      refusedBeforeGraph(() => departmentFilter(""), /empty/);
      refusedBeforeGraph(() => departmentFilter("   "), /empty/);
      refusedBeforeGraph(() => departmentFilter("x".repeat(MAX_DEPARTMENT_LENGTH + 1)), /longer than 64/);
      refusedBeforeGraph(() => departmentFilter("x".repeat(100_000)), /longer than 64/);
      refusedBeforeGraph(() => departmentFilter("Sales\u0000"), /control characters/);
      refusedBeforeGraph(() => departmentFilter("Sales\n' or 1 eq 1"), /control characters/);
      refusedBeforeGraph(() => departmentFilter("Sales\u202e"), /control characters/);
      refusedBeforeGraph(() => departmentFilter("Sales\u0085"), /control characters/);
      refusedBeforeGraph(() => departmentFilter("Sales\ud800"), /incomplete Unicode/);
      refusedBeforeGraph(() => odataString("y".repeat(257)), /longer than 256/);
      refusedBeforeGraph(() => signInsFilter("203.0.113.50' or 1 eq 1 or ipAddress eq '", new Date()), /not a single IPv4 or IPv6/);
      refusedBeforeGraph(() => signInsFilter("203.0.113.0/24", new Date()), /not a single/);
      refusedBeforeGraph(() => signInsFilter("fe80::1%eth0", new Date()), /not a single/);
      refusedBeforeGraph(() => signInsFilter("evil.example.com", new Date()), /not a single/);
      refusedBeforeGraph(() => signInsFilter("203.0.113.50", new Date(Number.NaN)), /not a valid date/);
    });

    it("every hostile name round-trips through the simulator's parser as one comparison", () => {
      for (const name of HOSTILE_DEPARTMENTS) {
        assert.deepEqual(parseFilter(departmentFilter(name)), departmentComparison(name), name);
      }
    });
  });

  describe("against the Graph simulator", function () {
    this.timeout(30_000);
    let sim: StartedSimulator;
    let client: Client;

    before(async () => {
      sim = await startSimulator({ tls: trustedSimulatorTls() });
      client = graphFor(sim).client;
      // One member in each hostile department, so a filter that matched anything else shows up.
      HOSTILE_DEPARTMENTS.forEach((department, i) => {
        const n = String(i + 1).padStart(12, "0");
        const user = simUser(`71000000-0000-4000-8000-${n}`, {
          displayName: `Hostile ${i}`,
          userPrincipalName: `hostile.${i}@contoso.com`,
          mailNickname: `hostile.${i}`,
          department,
          signInSessionsValidFromDateTime: null,
        });
        sim.tenant.addUser(user);
      });
    });
    after(async () => {
      await sim.close();
    });
    beforeEach(() => {
      sim.clearRequests();
      sim.setRoles([...ALL_GRAPH_ROLES]);
    });

    const listRequests = () => sim.requests.filter((r) => r.method === "GET" && r.path === "/v1.0/users");

    /** Lists a department through the real Graph client; returns the users and the filters the simulator received. */
    async function listDepartment(name: string): Promise<{ users: DirectoryUser[]; received: string[] }> {
      sim.clearRequests();
      const users = await collect(listUsers(client, departmentFilter(name)));
      const received = listRequests().map((r) => r.query.$filter ?? "<none>");
      return { users, received };
    }

    it("the simulator receives exactly `department eq '<typed>'` for every hostile name, and only its members come back", async () => {
      for (const name of HOSTILE_DEPARTMENTS) {
        const { users, received } = await listDepartment(name);
        assert.ok(received.length >= 1, name);
        for (const filter of received) {
          assert.deepEqual(parseFilter(filter), departmentComparison(name), `${name} → ${filter}`);
        }
        const expected = sim.tenant
          .listUsers()
          .filter((u) => u.department?.toLowerCase() === name.toLowerCase())
          .map((u) => u.id)
          .sort();
        assert.deepEqual(users.map((u) => u.id).sort(), expected, name);
        assert.ok(users.every((u) => u.department?.toLowerCase() === name.toLowerCase()), name);
      }
    });

    it("sends the DESIGN.md $select and $top=999 with the filter", async () => {
      const { received } = await listDepartment("Sales");
      assert.equal(received.length, 1);
      const request = listRequests()[0];
      assert.equal(request?.query.$select, "id,displayName,userPrincipalName,accountEnabled,department,userType,signInSessionsValidFromDateTime");
      assert.equal(request?.query.$top, "999");
      assert.ok(request?.authenticated);
    });

    it("what a person types reaches Graph as parseCommand read it, look-alike quotes included", async () => {
      const typed: [string, string][] = [
        ["revoke department O'Brien Logistics", "O'Brien Logistics"],
        ['revoke department "\' or 1 eq 1 or department eq \'"', "' or 1 eq 1 or department eq '"],
        ["revoke department %27", "%27"],
        ["revoke department O\u02bcBrien", "O\u02bcBrien"],
        ["revoke department O\uff07Brien", "O\uff07Brien"],
        // Teams' curly apostrophe is straightened by normalizeText: it is the ASCII one that reaches Graph.
        ["revoke department O\u2019Brien Logistics", "O'Brien Logistics"],
        ["revoke department Research &amp; Development --disable", "Research & Development"],
      ];
      for (const [text, department] of typed) {
        const parsed = parseCommand(text);
        assert.ok(parsed?.kind === "revokeDepartment", `${text} → ${JSON.stringify(parsed)}`);
        assert.equal(parsed.department, department, text);
        const { received } = await listDepartment(parsed.department);
        for (const filter of received) assert.deepEqual(parseFilter(filter), departmentComparison(department), text);
      }
    });

    it("refuses a too-long or control-character name before any request is made", async () => {
      sim.clearRequests();
      for (const name of ["x".repeat(MAX_DEPARTMENT_LENGTH + 1), "x".repeat(50_000), "Sales\u0000", "Sales\u001b[2J", "Sales\ud800"]) {
        assert.throws(() => listUsers(client, departmentFilter(name)), AppError, JSON.stringify(name.slice(0, 20)));
        const parsed = parseCommand(`revoke department ${name}`);
        assert.equal(parsed?.kind, "error", JSON.stringify(name.slice(0, 20)));
      }
      // Give any stray request time to arrive before asserting there was none.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(sim.requests.length, 0);
    });

    it("the disabled filter reaches Graph as `accountEnabled eq false`", async () => {
      const users = await collect(listUsers(client, DISABLED_FILTER));
      assert.ok(users.some((u) => u.id === WELL_KNOWN.disabled.id));
      assert.ok(users.every((u) => u.accountEnabled === false));
      const filters = listRequests().map((r) => parseFilter(r.query.$filter ?? ""));
      assert.deepEqual(filters[0], {
        type: "comparison",
        operator: "eq",
        left: { type: "property", path: "accountEnabled", position: 0 },
        right: { type: "literal", kind: "boolean", value: false, position: "accountEnabled eq ".length },
      });
    });

    it("the sign-ins filter reaches Graph as ipAddress eq '…' and createdDateTime ge <unquoted UTC> and status/errorCode eq 0", async () => {
      const since = new Date(Date.now() - 24 * 3_600_000);
      await collect(listSignInUsers(client, "2001:db8::50", since));
      const request = sim.requests.find((r) => r.path === "/v1.0/auditLogs/signIns");
      assert.ok(request !== undefined);
      assert.equal(request.query.$top, "999");
      // (a and b) and c: the successful-only clause is the right side of the outer and.
      const parsed = parseFilter(request.query.$filter ?? "");
      assert.ok(parsed.type === "logical" && parsed.operator === "and");
      assert.ok(parsed.left.type === "logical" && parsed.left.operator === "and");
      const flat = (side: FilterExpression) =>
        side.type === "comparison" && side.left.type === "property" && side.right.type === "literal" ? [side.left.path, side.operator, side.right.kind, side.right.value] : side.type;
      assert.deepEqual(
        [parsed.left.left, parsed.left.right, parsed.right].map(flat),
        [
          ["ipAddress", "eq", "string", "2001:db8::50"],
          ["createdDateTime", "ge", "datetime", since.toISOString().replace(/\.\d{3}Z$/, "Z")],
          ["status/errorCode", "eq", "number", 0],
        ],
      );
    });
  });
});
