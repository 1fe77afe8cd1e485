import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditKeyOf, canonicalJson, entryHash, entryMac, headMac } from "../../src/audit/chain.js";
import { AUDIT_CLIP } from "../../src/audit/clip.js";
import { main as verifyMain } from "../../src/cli/audit-verify.js";
import { main as rotateMain } from "../../src/cli/audit-rotate-key.js";
import { AuditKeyError, SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { captureOutput } from "../support/captured-output.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { runTypeScript } from "../support/run-process.js";
import { auditEntry, ManualClock } from "../support/store-fixtures.js";

const KEY = "k".repeat(16) + "0123456789abcdef0123456789abcdef";
const OTHER_KEY = "o".repeat(48);
const NEW_KEY = "n".repeat(48);

interface Verified {
  code: number;
  stdout: string;
  stderr: string;
}

async function verify(url: string, env: Record<string, string> = {}, argv: string[] = []): Promise<Verified> {
  const out = captureOutput();
  const code = await verifyMain(argv, out.streams, { DATABASE_URL: url, ...env });
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

for (const dialect of testDialects()) {
  describe(`keyed audit chain and audit:verify with the key (${dialect.name})`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let opened: OpenDatabase;
    let clock: ManualClock;
    let dir: string;

    // #1–#3 written without a key (an existing deployment), #4 audit.keyed (the bot started with
    // AUDIT_KEY), #5–#7 keyed.
    beforeEach(async () => {
      database = await dialect.create();
      opened = await openDatabase(database.url);
      dir = mkdtempSync(join(tmpdir(), "audit-key-"));
      clock = new ManualClock("2026-11-03T10:00:00.000Z");
      const unkeyed = new SqlAuditStore(opened.db, opened.kind, clock.now);
      for (const action of ["request.created", "request.approved", "revocation.completed"] as const) {
        await unkeyed.append(auditEntry(action, "R-OLD", { step: action }));
        clock.advance(60_000);
      }
      const keyed = new SqlAuditStore(opened.db, opened.kind, clock.now, auditKeyOf(Buffer.from(KEY)));
      const marker = await keyed.prepareKey();
      assert.equal(marker?.seq, 4);
      assert.equal(marker?.action, "audit.keyed");
      for (const action of ["request.created", "request.approved", "revocation.completed"] as const) {
        clock.advance(60_000);
        await keyed.append(auditEntry(action, "R-NEW", { step: action, targets: ["a@contoso.test"] }));
      }
    });
    afterEach(async () => {
      await opened.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * What an attacker with write access to the database (and no key) does: changes entry `from`,
     * recomputes every hash from there on with plain sha256 and moves the head to match.
     * `algorithm` is what the rows then claim to be; `headMacKept` leaves the old head MAC in place.
     */
    async function rewriteFrom(from: number, algorithm: "sha256" | "hmac-sha256", options: { headMacKept?: boolean } = {}): Promise<void> {
      const rows = await opened.db.selectFrom("audit_log").selectAll().where("seq", ">=", from).orderBy("seq", "asc").execute();
      const before = await opened.db.selectFrom("audit_log").select("hash").where("seq", "=", from - 1).executeTakeFirst();
      let prev = before?.hash ?? "0".repeat(64);
      for (const row of rows) {
        const details = Number(row.seq) === from ? { step: "request.created", targets: ["ceo@contoso.test"] } : (JSON.parse(row.details) as Record<string, unknown>);
        const actor = row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" };
        const hash = entryHash(prev, { seq: Number(row.seq), at: row.at, actor, action: row.action, requestId: row.request_id, details });
        await opened.db.updateTable("audit_log").set({ details: canonicalJson(details), prev_hash: prev, hash, hash_alg: algorithm }).where("seq", "=", row.seq).execute();
        prev = hash;
      }
      const last = rows[rows.length - 1];
      assert.ok(last);
      await opened.db
        .updateTable("audit_head")
        .set({ seq: Number(last.seq), hash: prev, ...(options.headMacKept === true ? {} : { key_id: null, mac: null }) })
        .where("id", "=", 1)
        .execute();
    }

    it("an old unkeyed chain, then keyed: intact with the key, exit 0 (also as npm run audit:verify with AUDIT_KEY_FILE)", async () => {
      const result = await verify(database.url, { AUDIT_KEY: KEY });
      assert.deepEqual(result, {
        code: 0,
        stdout: "7 entries, chain intact\nkeyed (HMAC-SHA256) from entry #4 on; the entries before it are plain sha256\n",
        stderr: "",
      });
      const keyFile = join(dir, "audit.key");
      writeFileSync(keyFile, `${KEY}\n`);
      const run = await runTypeScript("src/cli/audit-verify.ts", [], { DATABASE_URL: database.url, AUDIT_KEY_FILE: keyFile });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(firstLine(run.stdout), "7 entries, chain intact");
    });

    it("the keying entry names the key by its ID only, and the entries after it are HMAC-SHA256", async () => {
      const rows = await opened.db.selectFrom("audit_log").select(["seq", "hash_alg", "details"]).orderBy("seq", "asc").execute();
      assert.deepEqual(rows.map((r) => r.hash_alg), ["sha256", "sha256", "sha256", "hmac-sha256", "hmac-sha256", "hmac-sha256", "hmac-sha256"]);
      assert.deepEqual(JSON.parse(rows[3]?.details ?? ""), { keyId: auditKeyOf(Buffer.from(KEY)).id });
      for (const row of rows) assert.ok(!row.details.includes(KEY));
      const head = await opened.db.selectFrom("audit_head").selectAll().executeTakeFirstOrThrow();
      assert.equal(head.key_id, auditKeyOf(Buffer.from(KEY)).id);
      assert.equal(head.mac, headMac(Buffer.from(KEY), { seq: 7, hash: head.hash, keyId: head.key_id }));
    });

    it("an entry edited with every hash and the head recomputed with sha256 fails with the key, exit 1", async () => {
      await rewriteFrom(5, "hmac-sha256", { headMacKept: true });
      const result = await verify(database.url, { AUDIT_KEY: KEY });
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #5: its content does not match its keyed hash (altered, or rewritten without the key)");
    });

    it("the same rewritten as unkeyed (a downgrade) fails, with the key and without it, exit 1", async () => {
      await rewriteFrom(5, "sha256");
      for (const env of [{ AUDIT_KEY: KEY }, {}] as Record<string, string>[]) {
        const result = await verify(database.url, env);
        assert.equal(result.code, 1, JSON.stringify(env));
        assert.equal(
          firstLine(result.stdout),
          "audit chain broken at entry #5: it is unkeyed (plain sha256) but the chain is keyed from entry #4 on: a keyed entry was rewritten as unkeyed (downgrade)",
        );
      }
    });

    it("every keyed entry rewritten as unkeyed, the keying entry too, fails with the key, exit 1", async () => {
      await rewriteFrom(4, "sha256");
      const result = await verify(database.url, { AUDIT_KEY: KEY });
      assert.equal(result.code, 1);
      assert.match(firstLine(result.stdout), /^audit chain broken at entry #7: a key was given but no entry is keyed: .*downgrade/);
      // The head still keyed shows it even without the key.
      await rewriteFrom(4, "sha256", { headMacKept: true });
      await opened.db.updateTable("audit_head").set({ key_id: auditKeyOf(Buffer.from(KEY)).id, mac: "f".repeat(64) }).execute();
      const withoutKey = await verify(database.url);
      assert.equal(withoutKey.code, 1);
      assert.match(firstLine(withoutKey.stdout), /the head is keyed .* but no entry is: keyed entries were rewritten as unkeyed \(downgrade\)$/);
    });

    it("with the wrong key it fails, exit 1, naming both key IDs", async () => {
      const result = await verify(database.url, { AUDIT_KEY: OTHER_KEY });
      assert.equal(result.code, 1);
      assert.equal(
        firstLine(result.stdout),
        `audit chain broken at entry #4: it is keyed with key ID ${auditKeyOf(Buffer.from(KEY)).id}, not with the key given (key ID ${auditKeyOf(Buffer.from(OTHER_KEY)).id}): the wrong key was given, or the chain was re-keyed by someone else`,
      );
    });

    it("without a key on a keyed chain it says it cannot verify the keyed entries, exit 2", async () => {
      const result = await verify(database.url);
      assert.equal(result.code, 2);
      assert.equal(
        result.stdout,
        `cannot verify the whole chain: entries from #4 on are keyed (HMAC-SHA256, key ID ${auditKeyOf(Buffer.from(KEY)).id}) and no key was given: set AUDIT_KEY_FILE or AUDIT_KEY to check them\n` +
          "entries #1 to #3 (before keying began) check out; the keyed ones are in order and linked, but their MACs need the key\n",
      );
      assert.doesNotMatch(result.stdout, /intact/);
    });

    it("entries cut off the end with the head moved back fail by the head's MAC, exit 1", async () => {
      const six = await opened.db.selectFrom("audit_log").select("hash").where("seq", "=", 6).executeTakeFirstOrThrow();
      await opened.db.deleteFrom("outbox").where("audit_seq", "=", 7).execute();
      await opened.db.deleteFrom("audit_log").where("seq", "=", 7).execute();
      await opened.db.updateTable("audit_head").set({ seq: 6, hash: six.hash }).execute();
      const result = await verify(database.url, { AUDIT_KEY: KEY });
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #6: the head's MAC does not check out with the key: the head was moved or rewritten without the key");
    });

    it("a forged keyed entry (MAC'd with a key the attacker chose) fails", async () => {
      const row = await opened.db.selectFrom("audit_log").selectAll().where("seq", "=", 7).executeTakeFirstOrThrow();
      const details = { step: "forged" };
      const actor = row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" };
      const hash = entryMac(Buffer.from(OTHER_KEY), row.prev_hash, { seq: 7, at: row.at, actor, action: row.action, requestId: row.request_id, details });
      await opened.db.updateTable("audit_log").set({ details: canonicalJson(details), hash }).where("seq", "=", 7).execute();
      const result = await verify(database.url, { AUDIT_KEY: KEY });
      assert.equal(result.code, 1);
      assert.equal(firstLine(result.stdout), "audit chain broken at entry #7: its content does not match its keyed hash (altered, or rewritten without the key)");
    });

    it("the bot refuses to append to a keyed chain without the key or with another key", async () => {
      await assert.rejects(new SqlAuditStore(opened.db, opened.kind).append(auditEntry("request.created")), AuditKeyError);
      await assert.rejects(new SqlAuditStore(opened.db, opened.kind).prepareKey(), /keyed \(key ID \w+\) but no audit key is configured/);
      await assert.rejects(new SqlAuditStore(opened.db, opened.kind, clock.now, auditKeyOf(Buffer.from(OTHER_KEY))).prepareKey(), /npm run audit:rotate-key/);
      assert.equal((await verify(database.url, { AUDIT_KEY: KEY })).code, 0);
    });

    it("a key change (audit:rotate-key) is MAC'd with the old key; verify needs both keys", async () => {
      const newKeyFile = join(dir, "new.key");
      const oldKeyFile = join(dir, "old.key");
      writeFileSync(newKeyFile, NEW_KEY);
      writeFileSync(oldKeyFile, KEY);
      const out = captureOutput();
      const code = await rotateMain(["--new-key-file", newKeyFile], out.streams, { DATABASE_URL: database.url, AUDIT_KEY: KEY });
      assert.equal(code, 0, out.stderr());
      assert.match(out.stdout(), /^audit key changed: entry #8 marks the change from key ID \w{16} to key ID \w{16}\n/);
      const rotated = new SqlAuditStore(opened.db, opened.kind, clock.now, auditKeyOf(Buffer.from(NEW_KEY)));
      assert.equal(await rotated.prepareKey(), undefined);
      await rotated.append(auditEntry("request.created", "R-AFTER"));
      // The old key may no longer append.
      await assert.rejects(new SqlAuditStore(opened.db, opened.kind, clock.now, auditKeyOf(Buffer.from(KEY))).append(auditEntry("request.created")), AuditKeyError);

      const both = await verify(database.url, { AUDIT_KEY: NEW_KEY }, ["--key-file", oldKeyFile]);
      assert.equal(both.code, 0, both.stdout + both.stderr);
      assert.equal(firstLine(both.stdout), "9 entries, chain intact");
      const newOnly = await verify(database.url, { AUDIT_KEY: NEW_KEY });
      assert.equal(newOnly.code, 1);
      assert.match(firstLine(newOnly.stdout), /^audit chain broken at entry #4: it is keyed with key ID/);
      // A key change marker forged without the old key (MAC'd with the new one) fails.
      const marker = await opened.db.selectFrom("audit_log").selectAll().where("seq", "=", 8).executeTakeFirstOrThrow();
      const forged = entryMac(Buffer.from(NEW_KEY), marker.prev_hash, {
        seq: 8,
        at: marker.at,
        actor: null,
        action: marker.action,
        requestId: null,
        details: JSON.parse(marker.details) as Record<string, unknown>,
      });
      await opened.db.updateTable("audit_log").set({ hash: forged }).where("seq", "=", 8).execute();
      assert.equal(firstLine((await verify(database.url, { AUDIT_KEY: NEW_KEY }, ["--key-file", oldKeyFile])).stdout).startsWith("audit chain broken at entry #8"), true);
    });

    it("long strings and lists in details are clipped before hashing; the chain checks out with them", async () => {
      const store = new SqlAuditStore(opened.db, opened.kind, clock.now, auditKeyOf(Buffer.from(KEY)));
      const reason = "x".repeat(5000);
      const entry = await store.append({
        actor: { aadObjectId: "a".repeat(2000), name: "N".repeat(3000) },
        action: "request.refused",
        requestId: null,
        details: { reason, nested: { list: Array.from({ length: 1000 }, (_, i) => i) } },
      });
      const stored = await opened.db.selectFrom("audit_log").selectAll().where("seq", "=", entry.seq).executeTakeFirstOrThrow();
      const details = JSON.parse(stored.details) as { reason: string; nested: { list: unknown[] } };
      assert.equal(details.reason, `${"x".repeat(AUDIT_CLIP.maxString)}… [clipped: 5000 characters]`);
      assert.equal(details.nested.list.length, AUDIT_CLIP.maxItems + 1);
      assert.equal(details.nested.list[AUDIT_CLIP.maxItems], "… and 900 more");
      assert.ok((stored.actor_name ?? "").length < 600);
      assert.ok(stored.details.length < 2000);
      assert.deepEqual(entry.details, details);
      assert.equal((await verify(database.url, { AUDIT_KEY: KEY })).code, 0);
    });
  });
}
