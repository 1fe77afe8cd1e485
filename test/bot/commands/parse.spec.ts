import assert from "node:assert/strict";
import { normalizeText, parseCommand, type ParseError } from "../../../src/bot/commands/parse.js";
import { DEFAULT_SINCE_HOURS, isValidTarget, MAX_DEPARTMENT_LENGTH, MAX_NAMED_USERS, MAX_REASON_LENGTH } from "../../../src/requests/input-rules.js";

/** The parse result, asserted to be a refusal whose message matches and whose hint is a command to type. */
function refusal(text: string, message: RegExp, hint: RegExp = /^revoke /): ParseError {
  const parsed = parseCommand(text);
  assert.ok(parsed?.kind === "error", `${text} → ${JSON.stringify(parsed)}`);
  assert.match(parsed.message, message, text);
  assert.match(parsed.hint, hint, text);
  return parsed;
}


/** No containment option (--reset-password, --confirm-compromised) given. */
const NONE = { resetPassword: false, confirmCompromised: false };
describe("parseCommand", () => {
  it("reads help and ignores a leading mention", () => {
    assert.deepEqual(parseCommand("<at>Revoke Bot</at> help"), { kind: "help" });
    assert.deepEqual(parseCommand("HELP"), { kind: "help" });
    assert.deepEqual(parseCommand("help Revoke IP"), { kind: "help", topic: "revoke" });
    assert.deepEqual(parseCommand("help --reset-password"), { kind: "help", topic: "options" });
    assert.deepEqual(parseCommand("help cancel"), { kind: "help", topic: "pending" });
    for (const text of ["help toString", "help __proto__", "help revoke user alice@contoso.com"]) {
      assert.equal((parseCommand(text) as { kind: string }).kind, "error", text);
    }
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
        containment: NONE,
      },
    );
  });

  it("accepts smart quotes, comma lists, and removes duplicates case-insensitively", () => {
    const parsed = parseCommand("revoke user alice@contoso.com,Alice@Contoso.com;bob@contoso.com --reason \u201cticket 42\u201d");
    assert.deepEqual(parsed, { kind: "revokeUsers", targets: ["alice@contoso.com", "bob@contoso.com"], reason: "ticket 42", disable: false, containment: NONE });
  });

  it("reads revoke <upn> as revoke user <upn>", () => {
    assert.deepEqual(parseCommand("revoke alice@contoso.com"), {
      kind: "revokeUsers",
      targets: ["alice@contoso.com"],
      reason: "",
      disable: false,
      containment: NONE,
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
    assert.deepEqual(parseCommand("cancel app Contoso Sentinel Playbook"), { kind: "cancelApp", app: "Contoso Sentinel Playbook" });
    assert.deepEqual(parseCommand("CANCEL APP 30000000-0000-4000-8000-000000000001"), { kind: "cancelApp", app: "30000000-0000-4000-8000-000000000001" });
    assert.equal(parseCommand("cancel app")?.kind, "error");
    assert.equal(parseCommand(`cancel app ${"x".repeat(121)}`)?.kind, "error");
    assert.deepEqual(parseCommand("history"), { kind: "history", count: 10 });
    assert.deepEqual(parseCommand("history 25"), { kind: "history", count: 25 });
    assert.equal(parseCommand("history 0")?.kind, "error");
    assert.deepEqual(parseCommand("<at>bot</at>&nbsp;audit here"), { kind: "auditHere" });
    assert.equal(parseCommand("audit there")?.kind, "error");
  });

  it("normalizes Teams markup", () => {
    assert.equal(normalizeText("<p>revoke&nbsp;user <b>a@b.com</b></p>"), "revoke user a@b.com");
  });

  describe("revoke department", () => {
    it("reads an unquoted name up to the first option, case and punctuation kept", () => {
      assert.deepEqual(parseCommand('revoke department Research & Development --reason "phishing wave" --disable'), {
        kind: "revokeDepartment",
        department: "Research & Development",
        reason: "phishing wave",
        disable: true,
        containment: NONE,
      });
      assert.deepEqual(parseCommand("Revoke Department sALES"), {
        kind: "revokeDepartment",
        department: "sALES",
        reason: "",
        disable: false,
        containment: NONE,
      });
    });

    it("reads a quoted name whole, even one that looks like an option", () => {
      assert.deepEqual(parseCommand('revoke department "Research & Development" --disable'), {
        kind: "revokeDepartment",
        department: "Research & Development",
        reason: "",
        disable: true,
        containment: NONE,
      });
      assert.deepEqual(parseCommand('revoke department "--disable" --reason=x'), {
        kind: "revokeDepartment",
        department: "--disable",
        reason: "x",
        disable: false,
        containment: NONE,
      });
      assert.equal(parseCommand('revoke department " Sales "')?.kind, "revokeDepartment");
    });

    it("keeps apostrophes, OData-looking text and look-alike quotes exactly as typed", () => {
      const cases: [string, string][] = [
        ["O'Brien Logistics", "O'Brien Logistics"],
        ["' or 1 eq 1 or department eq '", "' or 1 eq 1 or department eq '"],
        ["Sales%27", "Sales%27"],
        ["O\u02bcBrien", "O\u02bcBrien"],
        ["O\uff07Brien", "O\uff07Brien"],
        // normalizeText straightens the curly quotes phones type for ' (U+2018, U+2019).
        ["O\u2019Brien", "O'Brien"],
        ["Ventes & Marketing (EMEA)", "Ventes & Marketing (EMEA)"],
      ];
      for (const [typed, department] of cases) {
        const parsed = parseCommand(`revoke department ${typed}`);
        assert.deepEqual(parsed, { kind: "revokeDepartment", department, reason: "", disable: false, containment: NONE }, typed);
      }
      // Teams sends & and quotes as HTML entities.
      assert.equal(
        (parseCommand("revoke department Research &amp; Development") as { department?: string }).department,
        "Research & Development",
      );
    });

    it("accepts names of 1 and 64 characters and refuses 65", () => {
      assert.equal(parseCommand("revoke department X")?.kind, "revokeDepartment");
      assert.equal(parseCommand(`revoke department ${"x".repeat(MAX_DEPARTMENT_LENGTH)}`)?.kind, "revokeDepartment");
      refusal(`revoke department ${"x".repeat(MAX_DEPARTMENT_LENGTH + 1)}`, /65 characters.*at most 64/, /^revoke department "/);
      refusal(`revoke department "${"a ".repeat(40)}"`, /at most 64/);
    });

    it("refuses an empty or blank name, control characters, and half-quoted names", () => {
      refusal("revoke department", /Name the department/, /^revoke department "/);
      refusal("revoke department --disable", /Name the department/);
      refusal('revoke department "   "', /empty/);
      refusal('revoke department ""', /empty/);
      refusal("revoke department Sales\u0000", /control characters/);
      refusal("revoke department Sa\u001bles", /control characters/);
      refusal("revoke department Sales\u202e", /control characters/);
      refusal("revoke department Sales\u0085", /control characters/);
      refusal("revoke department Sales\ud800", /control characters/);
      refusal('revoke department Research "& Development"', /one pair of quotes/);
      refusal('revoke department "Research & Development', /not closed/, /^revoke department "/);
    });

    it("refuses unknown options, stray words, dashes for hyphens, and a bad reason", () => {
      refusal("revoke department Sales --since 24h", /Unknown option --since.*--reason "…", --disable/);
      refusal("revoke department Sales --force", /Unknown option --force/);
      refusal('revoke department Sales --reason "a" extra', /did not understand "extra"/);
      refusal("revoke department Sales \u2014reason phished", /two hyphens/);
      refusal("revoke department Sales --reason", /--reason needs a text/);
      refusal('revoke department Sales --reason "a" --reason "b"', /twice/);
      refusal(`revoke department Sales --reason "${"r".repeat(MAX_REASON_LENGTH + 1)}"`, /longer than 500/);
      refusal('revoke department Sales --reason "a\u0007b"', /control characters/);
      // A dash standing alone is part of the name, not an option.
      assert.deepEqual(parseCommand("revoke department Research \u2013 Development"), {
        kind: "revokeDepartment",
        department: "Research \u2013 Development",
        reason: "",
        disable: false,
        containment: NONE,
      });
    });
  });

  describe("revoke disabled", () => {
    it("parses with and without a reason", () => {
      assert.deepEqual(parseCommand("revoke disabled"), { kind: "revokeDisabled", reason: "" });
      assert.deepEqual(parseCommand('REVOKE DISABLED --reason "leaver clean-up"'), { kind: "revokeDisabled", reason: "leaver clean-up" });
    });

    it("refuses --disable, saying the accounts are disabled already", () => {
      refusal("revoke disabled --disable", /no --disable.*disabled already/, /^revoke disabled --reason/);
      refusal('revoke disabled --reason "x" --disable', /disabled already/);
    });

    it("refuses names, stray words and other options", () => {
      refusal("revoke disabled users", /takes no names \("users"\)/, /^revoke disabled/);
      refusal("revoke disabled alice@contoso.com", /takes no names/);
      refusal('revoke disabled --reason "x" now', /did not understand "now"/);
      refusal("revoke disabled --since 24h", /Unknown option --since/);
    });
  });

  describe("revoke ip", () => {
    it("parses an IPv4 address with the default 24h window", () => {
      assert.equal(DEFAULT_SINCE_HOURS, 24);
      assert.deepEqual(parseCommand("revoke ip 203.0.113.50"), {
        kind: "revokeIp",
        ip: "203.0.113.50",
        sinceHours: 24,
        reason: "",
        disable: false,
        containment: NONE,
      });
    });

    it("parses --since in hours or days, --reason and --disable in any order", () => {
      assert.deepEqual(parseCommand('revoke ip 203.0.113.50 --disable --reason "password spray" --since 7d'), {
        kind: "revokeIp",
        ip: "203.0.113.50",
        sinceHours: 168,
        reason: "password spray",
        disable: true,
        containment: NONE,
      });
      const hours = (since: string) => (parseCommand(`revoke ip 198.51.100.7 --since ${since}`) as { sinceHours?: number }).sinceHours;
      assert.equal(hours("1h"), 1);
      assert.equal(hours("48H"), 48);
      assert.equal(hours("720h"), 720);
      assert.equal(hours("30d"), 720);
      assert.equal(hours("1d"), 24);
      assert.equal((parseCommand("revoke ip 198.51.100.7 --since=12h") as { sinceHours?: number }).sinceHours, 12);
    });

    it("normalises IPv6 to the compressed lower-case form node:net prints", () => {
      const ip = (text: string) => (parseCommand(`revoke ip ${text}`) as { ip?: string }).ip;
      assert.equal(ip("2001:db8::50"), "2001:db8::50");
      assert.equal(ip("2001:DB8:0:0:0:0:0:50"), "2001:db8::50");
      assert.equal(ip("2001:0db8:0000:0000:0000:0000:0000:0050"), "2001:db8::50");
      assert.equal(ip("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
      assert.equal(ip("FE80::1"), "fe80::1");
      assert.equal(ip("::1"), "::1");
    });

    it("refuses ranges, zone IDs, ports, brackets and host names, saying what to type", () => {
      refusal("revoke ip 203.0.113.0/24", /range \(CIDR\)/, /^revoke ip 203\.0\.113\.50/);
      refusal("revoke ip 2001:db8::/32", /range \(CIDR\)/);
      refusal("revoke ip fe80::1%eth0", /zone ID \(%eth0\)/, /^revoke ip fe80::1 --since 24h$/);
      refusal("revoke ip fe80::1%25eth0", /zone ID/);
      refusal("revoke ip 203.0.113.50:443", /port/);
      refusal("revoke ip [2001:db8::50]", /brackets/);
      refusal("revoke ip evil.example.com", /host name/);
      refusal("revoke ip localhost", /host name/);
    });

    it("refuses IPv4 with leading zeros, short forms and out-of-range parts", () => {
      refusal("revoke ip 010.0.0.1", /leading zeros.*ambiguous/, /^revoke ip 10\.0\.0\.1 /);
      refusal("revoke ip 203.000.113.050", /leading zeros/, /^revoke ip 203\.0\.113\.50 /);
      refusal("revoke ip 0300.0.0.1", /leading zeros/, /^revoke ip 203\.0\.113\.50 --since 24h --reason/);
      for (const bad of ["10.1", "256.1.1.1", "1.2.3.4.5", "0x7f.0.0.1", "2130706433", "1:2:3:4:5:6:7:8:9", "2001:db8:::1", "::g"]) {
        refusal(`revoke ip ${bad}`, /not an IPv4 or IPv6 address/);
      }
    });

    it("refuses IPv4-mapped IPv6, pointing at the IPv4 form the log records", () => {
      refusal("revoke ip ::ffff:203.0.113.50", /IPv4 address written as IPv6/, /^revoke ip 203\.0\.113\.50 --since 24h$/);
      refusal("revoke ip ::FFFF:cb00:7132", /IPv4 address written as IPv6/, /^revoke ip 203\.0\.113\.50 /);
    });

    it("refuses quotes, spaces and anything that would smuggle OData", () => {
      refusal("revoke ip '203.0.113.50'", /no spaces or quotes/);
      refusal("revoke ip 203.0.113.50'", /no spaces or quotes/);
      refusal('revoke ip "203.0.113.50 or 1 eq 1"', /no spaces or quotes/);
      refusal("revoke ip 203.0.113.50%27", /zone ID/);
      refusal("revoke ip 203.0.113.50 198.51.100.7", /one address at a time.*"198\.51\.100\.7"/);
      refusal("revoke ip", /Name the IP address/);
      refusal("revoke ip --since 24h", /Name the IP address/);
    });

    it("refuses --since outside 1h…30d, fractions, minutes, weeks and missing units", () => {
      refusal("revoke ip 203.0.113.50 --since 90m", /not minutes/, /^revoke ip 203\.0\.113\.50 --since 2h$/);
      refusal("revoke ip 203.0.113.50 --since 30min", /not minutes/, /--since 1h$/);
      refusal("revoke ip 203.0.113.50 --since 1.5h", /whole numbers only/, /--since 2h$/);
      refusal("revoke ip 203.0.113.50 --since 0.5d", /whole numbers only/, /--since 12h$/);
      refusal("revoke ip 203.0.113.50 --since 0h", /at least 1h/, /--since 1h$/);
      refusal("revoke ip 203.0.113.50 --since 0d", /at least 1h/);
      refusal("revoke ip 203.0.113.50 --since 31d", /at most 30 days/, /--since 30d$/);
      refusal("revoke ip 203.0.113.50 --since 721h", /at most 30 days/);
      refusal("revoke ip 203.0.113.50 --since 24", /needs a unit/, /--since 24h$/);
      refusal("revoke ip 203.0.113.50 --since 2w", /not weeks/, /--since 14d$/);
      refusal("revoke ip 203.0.113.50 --since 3days", /unit "days"/);
      refusal("revoke ip 203.0.113.50 --since -5h", /not a window/);
      refusal("revoke ip 203.0.113.50 --since", /--since needs a window/);
      refusal("revoke ip 203.0.113.50 --since 1h --since 2h", /twice/);
      // The hint repeats the address the person typed, canonical.
      refusal("revoke ip 2001:DB8::50 --since 90m", /minutes/, /^revoke ip 2001:db8::50 --since 2h$/);
    });

    it("refuses an unknown option", () => {
      refusal("revoke ip 203.0.113.50 --force", /Unknown option --force.*--since 24h, --disable/);
    });
  });

  it("gives each bulk selector its own command", () => {
    assert.equal(parseCommand("revoke department Sales")?.kind, "revokeDepartment");
    assert.equal(parseCommand("revoke DISABLED")?.kind, "revokeDisabled");
    assert.equal(parseCommand("revoke Ip 203.0.113.50")?.kind, "revokeIp");
    // A department, an address or "disabled" as a user name still goes to revoke user.
    assert.equal(parseCommand("revoke user disabled")?.kind, "error");
  });
});

describe("parseCommand: containment options", () => {
  const BOTH = { resetPassword: true, confirmCompromised: true };

  it("revoke user, department and ip take --reset-password and --confirm-compromised, in any order and case, beside --disable", () => {
    const user = parseCommand('revoke user alice@contoso.com --Reset-Password --reason "phished" --confirm-compromised --disable');
    assert.deepEqual(user, { kind: "revokeUsers", targets: ["alice@contoso.com"], reason: "phished", disable: true, containment: BOTH });
    const department = parseCommand("revoke department Sales --confirm-compromised");
    assert.deepEqual(department, { kind: "revokeDepartment", department: "Sales", reason: "", disable: false, containment: { resetPassword: false, confirmCompromised: true } });
    const ip = parseCommand("revoke ip 203.0.113.50 --reset-password --since 2h");
    assert.deepEqual(ip, { kind: "revokeIp", ip: "203.0.113.50", sinceHours: 2, reason: "", disable: false, containment: { resetPassword: true, confirmCompromised: false } });
  });

  it("refuses them on revoke disabled, twice, or with a value, saying what to type", () => {
    refusal("revoke disabled --reset-password", /revoke disabled takes no --reset-password/);
    refusal("revoke disabled --confirm-compromised", /revoke disabled takes no --confirm-compromised/);
    refusal("revoke user alice@contoso.com --reset-password --reset-password", /--reset-password is given twice/);
    refusal("revoke department Sales --confirm-compromised --confirm-compromised", /--confirm-compromised is given twice/);
    refusal("revoke ip 203.0.113.50 --reset-password=yes", /--reset-password takes no value/);
    refusal("revoke user alice@contoso.com --reset-passwords", /revoke user takes --reason "…", --disable, --reset-password and --confirm-compromised/);
  });
});

describe("parseCommand: enable", () => {
  it("reads one account (UPN or object ID) and an optional reason", () => {
    assert.deepEqual(parseCommand('enable alice@contoso.com --reason "device wiped"'), { kind: "enable", target: "alice@contoso.com", reason: "device wiped" });
    assert.deepEqual(parseCommand("ENABLE 10000000-0000-4000-8000-000000000005"), { kind: "enable", target: "10000000-0000-4000-8000-000000000005", reason: "" });
  });

  it("refuses no account, two accounts, a non-account, --disable and containment options, saying what to type", () => {
    refusal("enable", /Name the account to enable/, /^enable /);
    refusal("enable --reason x", /Name the account to enable/, /^enable /);
    refusal("enable alice@contoso.com bob@contoso.com", /one account at a time/, /^enable /);
    refusal("enable not-a-user", /"not-a-user" is not a user principal name/, /^enable /);
    refusal("enable alice@contoso.com --disable", /enable takes no --disable/, /^enable /);
    refusal("enable alice@contoso.com --reset-password", /enable takes no --reset-password/, /^enable /);
    refusal("enable alice@contoso.com --reason", /--reason needs a text/, /^enable /);
  });
});
