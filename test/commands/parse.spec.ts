import assert from "node:assert/strict";
import { isValidTarget, MAX_NAMED_USERS, normalizeText, parseCommand } from "../../src/commands/parse.js";

describe("parseCommand", () => {
  it("reads help and ignores a leading mention", () => {
    assert.deepEqual(parseCommand("<at>Revoke Bot</at> help"), { kind: "help" });
    assert.deepEqual(parseCommand("HELP"), { kind: "help" });
  });

  it("returns undefined for text that is no command", () => {
    assert.equal(parseCommand("good morning"), undefined);
    assert.equal(parseCommand("   "), undefined);
  });

  it("asks for the target when revoke stands alone", () => {
    assert.deepEqual(parseCommand("revoke"), { kind: "askTarget" });
  });

  it("parses revoke user with several targets, a quoted reason and --disable", () => {
    assert.deepEqual(
      parseCommand('Revoke user alice@contoso.com 6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b --reason "phished via fake login" --disable'),
      {
        kind: "revokeUsers",
        targets: ["alice@contoso.com", "6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"],
        reason: "phished via fake login",
        disable: true,
      },
    );
  });

  it("accepts smart quotes, comma lists, and removes duplicates case-insensitively", () => {
    const parsed = parseCommand("revoke user alice@contoso.com,Alice@Contoso.com;bob@contoso.com --reason \u201cticket 42\u201d");
    assert.deepEqual(parsed, { kind: "revokeUsers", targets: ["alice@contoso.com", "bob@contoso.com"], reason: "ticket 42", disable: false });
  });

  it("reads revoke <upn> as revoke user <upn>", () => {
    assert.deepEqual(parseCommand("revoke alice@contoso.com"), {
      kind: "revokeUsers",
      targets: ["alice@contoso.com"],
      reason: "",
      disable: false,
    });
  });

  it("accepts UPNs with $, # and apostrophes", () => {
    for (const upn of ["$svc-backup@contoso.com", "gil_fabrikam.com#EXT#@contoso.onmicrosoft.com", "pat.o'neil@contoso.com"]) {
      assert.ok(isValidTarget(upn), upn);
    }
  });

  it("refuses a target that is neither a UPN nor a GUID, naming it", () => {
    for (const bad of ["alice", "alice@", "@contoso.com", "alice@contoso", "not-a-guid-1234", "a b@contoso.com", "x@contoso.com'or'1'='1"]) {
      const parsed = parseCommand(`revoke user ${bad}`);
      assert.equal(parsed?.kind, "error", bad);
    }
    const parsed = parseCommand("revoke user alice");
    assert.ok(parsed?.kind === "error" && parsed.message.includes('"alice"'));
    assert.ok(parsed.kind === "error" && parsed.hint.startsWith("revoke user"));
  });

  it("refuses unknown options, a missing reason and an unclosed quote", () => {
    assert.equal(parseCommand("revoke user alice@contoso.com --force")?.kind, "error");
    assert.equal(parseCommand("revoke user alice@contoso.com --reason")?.kind, "error");
    assert.equal(parseCommand('revoke user alice@contoso.com --reason "open')?.kind, "error");
    assert.equal(parseCommand("revoke user --reason x")?.kind, "error");
  });

  it("caps the number of named users", () => {
    const many = Array.from({ length: MAX_NAMED_USERS + 1 }, (_, i) => `u${i}@contoso.com`).join(" ");
    assert.equal(parseCommand(`revoke user ${many}`)?.kind, "error");
  });

  it("parses status, pending, cancel, history and audit here", () => {
    assert.deepEqual(parseCommand("status alice@contoso.com"), { kind: "status", target: "alice@contoso.com" });
    assert.deepEqual(parseCommand("pending"), { kind: "pending" });
    assert.deepEqual(parseCommand("cancel r-7k2m9qx4ab"), { kind: "cancel", requestId: "R-7K2M9QX4AB" });
    assert.deepEqual(parseCommand("history"), { kind: "history", count: 10 });
    assert.deepEqual(parseCommand("history 25"), { kind: "history", count: 25 });
    assert.equal(parseCommand("history 0")?.kind, "error");
    assert.deepEqual(parseCommand("<at>bot</at>&nbsp;audit here"), { kind: "auditHere" });
    assert.equal(parseCommand("audit there")?.kind, "error");
  });

  it("normalizes Teams markup", () => {
    assert.equal(normalizeText("<p>revoke&nbsp;user <b>a@b.com</b></p>"), "revoke user a@b.com");
  });
});
