import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson, entryHash, GENESIS_HASH } from "../../src/audit/chain.js";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { main } from "../../src/cli/audit-export.js";
import { csvField, csvRecord } from "../../src/cli/csv.js";
import { parseSince } from "../../src/cli/since-date.js";
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { captureOutput } from "../support/captured-output.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { ManualClock } from "../support/store-fixtures.js";

/** One element of the JSON export. */
interface ExportedEntry {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

interface Exported {
  code: number;
  stdout: string;
  stderr: string;
}

async function exportLog(url: string, argv: string[]): Promise<Exported> {
  const out = captureOutput();
  const code = await main(argv, out.streams, { DATABASE_URL: url });
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

/** An RFC 4180 reader, strict enough to catch quoting mistakes: records of fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        assert.ok(quote >= 0, "unterminated quoted field");
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") {
        assert.notEqual(text[i], '"', "a quote in an unquoted field");
        assert.notEqual(text[i], "\n", "a bare line feed in an unquoted field");
        field += text[i];
        i++;
      }
    }
    record.push(field);
    if (text[i] === ",") {
      i++;
    } else {
      assert.equal(text.slice(i, i + 2), "\r\n", `a record ends with CRLF (at ${i})`);
      i += 2;
      records.push(record);
      record = [];
    }
  }
  return records;
}

describe("CSV fields", () => {
  it("quotes per RFC 4180 only when needed", () => {
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField("two\nlines"), '"two\nlines"');
    assert.equal(csvRecord([1, null, "x"]), "1,,x\r\n");
  });

  it("puts a ' before anything a spreadsheet would run as a formula", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
      const field = csvField(`${start}SUM(A1:A9)`);
      assert.ok(field.startsWith("'") || field.startsWith(`"'`), JSON.stringify(field));
    }
    assert.equal(csvField("=HYPERLINK(\"http://evil.example\",\"open\")"), '"\'=HYPERLINK(""http://evil.example"",""open"")"');
    assert.equal(csvField("\rcmd"), "\"'\rcmd\"");
    assert.equal(csvField("a=1"), "a=1");
    assert.equal(csvField("2026-11-01T09:00:00.000Z"), "2026-11-01T09:00:00.000Z");
  });
});

describe("--since", () => {
  it("reads a date as midnight UTC and a date-time with its zone", () => {
    assert.equal(parseSince("2026-11-01"), "2026-11-01T00:00:00.000Z");
    assert.equal(parseSince("2026-11-01T09:30Z"), "2026-11-01T09:30:00.000Z");
    assert.equal(parseSince("2026-11-01T10:30:15.25+01:00"), "2026-11-01T09:30:15.250Z");
    assert.equal(parseSince("2026-11-01T04:30:00-0500"), "2026-11-01T09:30:00.000Z");
    // Finer than the stored milliseconds: rounded up, so "at or after" still holds.
    assert.equal(parseSince("2026-11-01T09:30:00.0001Z"), "2026-11-01T09:30:00.001Z");
  });

  it("refuses garbage, impossible dates and date-times without a zone, saying what to type", () => {
    assert.throws(() => parseSince("yesterday"), /--since "yesterday" is not a date: use an ISO date such as 2026-11-01/);
    assert.throws(() => parseSince("2026-02-30"), /--since "2026-02-30" is not a real date or time/);
    assert.throws(() => parseSince("2026-11-01T25:00Z"), /is not a real date or time/);
    assert.throws(() => parseSince("2026-11-01T09:30"), /--since "2026-11-01T09:30" has no time zone: add Z for UTC \(e\.g\. 2026-11-01T09:30Z\)/);
    assert.throws(() => parseSince("2026-11-01T09:30+25:00"), /impossible offset/);
    assert.throws(() => parseSince("01/11/2026"), /is not a date/);
  });
});

for (const dialect of testDialects()) {
  describe(`audit:export (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let opened: OpenDatabase;
    let appended: AuditEntry[];
    let dir: string;

    // #1 just before 1 November (UTC), #2 at midnight, #3 with a formula for a name and awkward
    // details, #4 by the bot itself.
    beforeEach(async () => {
      database = await dialect.create();
      opened = await openDatabase(database.url);
      dir = mkdtempSync(join(tmpdir(), "revoke-bot-export-"));
      const clock = new ManualClock("2026-10-31T23:59:59.999Z");
      const store = new SqlAuditStore(opened.db, opened.kind, clock.now);
      appended = [];
      appended.push(await store.append({ actor: { aadObjectId: "id-1", name: "Riley" }, action: "request.created", requestId: "R-1", details: { targets: 1 } }));
      clock.advance(1);
      appended.push(await store.append({ actor: { aadObjectId: "id-2", name: "Ann" }, action: "request.approved", requestId: "R-1", details: {} }));
      clock.advance(36 * 3600_000);
      appended.push(
        await store.append({
          actor: { aadObjectId: "id-3", name: '=HYPERLINK("http://evil.example","open")' },
          action: "request.created",
          requestId: "-R-2",
          details: { z: "last", reason: 'phish, "urgent"\nsee ticket', a: { y: 2, x: 1 } },
        }),
      );
      clock.advance(60_000);
      appended.push(await store.append({ actor: null, action: "request.expired", requestId: null, details: { after: "30 min" } }));
    });
    afterEach(async () => {
      await opened.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("writes every entry as one JSON array by default", async () => {
      const result = await exportLog(database.url, []);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "exported 4 entries\n");
      const parsed = JSON.parse(result.stdout) as ExportedEntry[];
      assert.deepEqual(
        parsed,
        appended.map((e) => ({
          seq: e.seq,
          at: e.at,
          actorId: e.actor?.aadObjectId ?? null,
          actorName: e.actor?.name ?? null,
          action: e.action,
          requestId: e.requestId,
          details: e.details,
          prevHash: e.prevHash,
          hash: e.hash,
          hashAlg: "sha256",
        })),
      );
      assert.deepEqual(Object.keys(parsed[0] ?? {}), ["seq", "at", "actorId", "actorName", "action", "requestId", "details", "prevHash", "hash", "hashAlg"]);
      // Exact enough to re-check the chain from the export alone.
      let prev = GENESIS_HASH;
      for (const e of parsed) {
        const actor = e.actorId === null ? null : { aadObjectId: e.actorId, name: e.actorName ?? "" };
        assert.equal(e.prevHash, prev);
        assert.equal(entryHash(prev, { seq: e.seq, at: e.at, actor, action: e.action, requestId: e.requestId, details: e.details }), e.hash);
        prev = e.hash;
      }
      // One element per line, so a reader can follow the stream.
      assert.equal(result.stdout.split("\n").length, 4 + 3);
    });

    it("writes CSV: the header, one RFC 4180 record per entry, details as canonical JSON, formulas defused", async () => {
      const result = await exportLog(database.url, ["--format", "csv"]);
      assert.equal(result.code, 0, result.stderr);
      const records = parseCsv(result.stdout);
      assert.deepEqual(records[0], ["seq", "at", "actor_id", "actor_name", "action", "request_id", "details", "prev_hash", "hash", "hash_alg"]);
      assert.equal(records.length, 5);
      const third = appended[2];
      assert.ok(third !== undefined);
      assert.deepEqual(records[3], [
        "3",
        third.at,
        "id-3",
        `'=HYPERLINK("http://evil.example","open")`,
        "request.created",
        "'-R-2",
        canonicalJson(third.details),
        third.prevHash,
        third.hash,
        "sha256",
      ]);
      assert.equal(records[3]?.[6], '{"a":{"x":1,"y":2},"reason":"phish, \\"urgent\\"\\nsee ticket","z":"last"}');
      assert.deepEqual(records[4]?.slice(2, 6), ["", "", "request.expired", ""]);
      assert.ok(result.stdout.startsWith("seq,at,actor_id,actor_name,action,request_id,details,prev_hash,hash,hash_alg\r\n"));
    });

    it("writes only the entries at or after --since", async () => {
      const seqsOf = async (argv: string[]) => {
        const result = await exportLog(database.url, argv);
        assert.equal(result.code, 0, result.stderr);
        return (JSON.parse(result.stdout) as { seq: number }[]).map((e) => e.seq);
      };
      assert.deepEqual(await seqsOf(["--since", "2026-11-01"]), [2, 3, 4]);
      // #3 is at 2026-11-02T12:00:00.000Z: "at or after" includes it exactly, not a millisecond later.
      assert.deepEqual(await seqsOf(["--since=2026-11-02T13:00:00.000+01:00"]), [3, 4]);
      assert.deepEqual(await seqsOf(["--since", "2026-11-02T12:00:00.001Z"]), [4]);
      assert.deepEqual(await seqsOf(["--since", "2027-01-01"]), []);
      const csv = await exportLog(database.url, ["--since", "2026-11-01", "--format", "csv"]);
      assert.deepEqual(
        parseCsv(csv.stdout)
          .slice(1)
          .map((r) => r[0]),
        ["2", "3", "4"],
      );
    });

    it("writes an empty array, or the header alone, when nothing matches", async () => {
      const json = await exportLog(database.url, ["--since", "2030-01-01"]);
      assert.equal(json.stdout, "[]\n");
      assert.equal(json.stderr, "exported 0 entries\n");
      const csv = await exportLog(database.url, ["--since", "2030-01-01", "--format", "csv"]);
      assert.equal(csv.stdout, "seq,at,actor_id,actor_name,action,request_id,details,prev_hash,hash,hash_alg\r\n");
    });

    it("writes to --out instead of standard output", async () => {
      const file = join(dir, "audit.csv");
      const result = await exportLog(database.url, ["--format", "csv", "--out", file]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "");
      assert.equal(result.stderr, `exported 4 entries to ${file}\n`);
      assert.equal(parseCsv(readFileSync(file, "utf8")).length, 5);
    });

    it("streams a log longer than one page, in order", async () => {
      const rows = Array.from({ length: 2100 }, (_, i) => ({
        seq: i + 5,
        at: new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString(),
        actor_id: null,
        actor_name: null,
        action: "target.outcome",
        request_id: "R-9",
        details: canonicalJson({ i }),
        prev_hash: GENESIS_HASH,
        hash: GENESIS_HASH,
      }));
      for (let i = 0; i < rows.length; i += 500) await opened.db.insertInto("audit_log").values(rows.slice(i, i + 500)).execute();
      const result = await exportLog(database.url, ["--since", "2026-11-01"]);
      assert.equal(result.code, 0, result.stderr);
      const seqs = (JSON.parse(result.stdout) as { seq: number }[]).map((e) => e.seq);
      assert.deepEqual(seqs, Array.from({ length: 2103 }, (_, i) => i + 2));
      assert.equal(result.stderr, "exported 2103 entries\n");
    });

    it("refuses bad arguments with exit 2, naming the problem and what to type", async () => {
      const cases: [string[], RegExp][] = [
        [["--format", "xml"], /--format must be json or csv, got "xml": type --format json or --format csv/],
        [["--since", "last week"], /--since "last week" is not a date: use an ISO date such as 2026-11-01/],
        [["--since", "2026-13-01"], /--since "2026-13-01" is not a real date or time/],
        [["--since", "2026-11-01 10:00"], /has no time zone: add Z for UTC/],
        [["--since"], /--since/],
        [["--until", "2026-11-01"], /Unknown option '--until'/],
        [["2026-11-01"], /positional argument/],
        [["--out", ""], /--out needs a file name/],
      ];
      for (const [argv, message] of cases) {
        const result = await exportLog(database.url, argv);
        assert.equal(result.code, 2, argv.join(" "));
        assert.match(result.stderr, message, argv.join(" "));
        assert.match(result.stderr, /npm run audit:export -- --help shows every option/);
        assert.equal(result.stdout, "");
      }
    });

    it("fails with exit 1 when --out cannot be written", async () => {
      const result = await exportLog(database.url, ["--out", join(dir, "no-such-folder", "audit.json")]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot write --out .*no-such-folder.*ENOENT/);
    });
  });
}

describe("audit:export's configuration and help", () => {
  it("refuses a DATABASE_URL it cannot use, exit 2", async () => {
    const result = await exportLog("redis://cache", []);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /DATABASE_URL: expected sqlite:<path> or postgres:/);
  });

  it("documents the formula guard in its help", async () => {
    const result = await exportLog("sqlite::memory:", ["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /begins with =, \+, -, @, a tab or a carriage return is written\nwith a ' in front/);
  });
});
