import assert from "node:assert/strict";
import { FilterSyntaxError, parseFilter, toODataStringLiteral } from "../src/odata-filter.js";
import { compileUserFilter, UnsupportedFilterError } from "../src/user-filter.js";
import type { SimUser } from "../src/index.js";
import { simUser } from "../src/fixtures.js";

const user = (overrides: Partial<SimUser>): SimUser =>
  simUser("10000000-0000-4000-8000-000000000099", {
    displayName: "Test",
    userPrincipalName: "test@contoso.com",
    mailNickname: "test",
    signInSessionsValidFromDateTime: null,
    ...overrides,
  });


describe("simulator: OData $filter", () => {
  it("parses a string literal with a doubled quote", () => {
    assert.deepEqual(parseFilter("department eq 'O''Brien Logistics'"), {
      type: "comparison",
      operator: "eq",
      left: { type: "property", path: "department", position: 0 },
      right: { type: "literal", kind: "string", value: "O'Brien Logistics", position: 14 },
    });
  });

  it("round-trips toODataStringLiteral", () => {
    for (const value of ["plain", "O'Brien", "''", "it's 'quoted'", ""]) {
      const parsed = parseFilter(`department eq ${toODataStringLiteral(value)}`);
      assert.equal(parsed.type === "comparison" && parsed.right.type === "literal" ? parsed.right.value : undefined, value);
    }
  });

  it("parses and/or/not with the usual precedence, parentheses, calls, GUIDs and date-times", () => {
    const parsed = parseFilter(
      "not (a eq 1) or b eq true and startswith(c,'x') and id eq 10000000-0000-4000-8000-000000000001 and t ge 2026-01-01T00:00:00Z",
    );
    assert.equal(parsed.type, "logical");
    assert.equal(parsed.type === "logical" ? parsed.operator : "", "or");
  });

  it("reports syntax errors with a position", () => {
    for (const [filter, position] of [
      ["department eq 'O'Brien Logistics'", 32],
      ["department eq", 13],
      ["department eq 'open", 14],
      ["(department eq 'x'", 18],
      ["department 'x'", 11],
      ["department eq 'x' #", 18],
    ] as const) {
      assert.throws(
        () => parseFilter(filter),
        (error: unknown) => error instanceof FilterSyntaxError && error.position === position,
        filter,
      );
    }
  });

  it("evaluates department eq case-insensitively and accountEnabled eq", () => {
    const byDepartment = compileUserFilter(parseFilter("department eq 'o''brien logistics'"));
    assert.equal(byDepartment(user({ department: "O'Brien Logistics" })), true);
    assert.equal(byDepartment(user({ department: "Sales" })), false);
    assert.equal(byDepartment(user({ department: null })), false);
    const disabled = compileUserFilter(parseFilter("accountEnabled eq false"));
    assert.equal(disabled(user({ accountEnabled: false })), true);
    assert.equal(disabled(user({ accountEnabled: true })), false);
  });

  it("refuses everything else as unsupported rather than ignoring it", () => {
    for (const filter of [
      "department eq 'a' or department eq 'b'",
      "not (accountEnabled eq true)",
      "department ne 'Sales'",
      "accountEnabled eq 'false'",
      "'Sales' eq department",
      "startswith(department,'S')",
      "userType eq 'Guest'",
    ]) {
      assert.throws(() => compileUserFilter(parseFilter(filter)), UnsupportedFilterError, filter);
    }
  });
});
