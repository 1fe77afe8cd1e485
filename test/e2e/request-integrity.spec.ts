import assert from "node:assert/strict";
import { entryHash } from "../../src/audit/chain.js";
import { Verbs } from "../../src/cards/verbs.js";
import { targetSetHash } from "../../src/revocation/target-set.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { openTestStore } from "../support/store.js";
import { cardText, lastCardWithVerb, lastConfirmCard, revokedUserIds, waitForState as stateReached } from "./cards.js";
import { startHarness, type Harness } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const AUDIT_KEY = "integrity-test-key-0123456789abcdef0123456789";
const { alice, bob, disabled } = WELL_KNOWN;

/** The PATCH /users/{id} calls that change accountEnabled (either way). */
const accountPatches = (h: Harness) =>
  h.sim.requests.filter((r) => r.method === "PATCH" && /^\/v1\.0\/users\//.test(r.path) && JSON.stringify(r.body ?? "").includes('"accountEnabled"'));

/**
 * Issue 22 #9: what a job runs must be what was asked for and approved. Someone with write access
 * to the database (and not the audit key) changes requests; the job runner compares each request
 * with its HMAC-checked `request.created` and `request.approved` entries at start and at resume,
 * and refuses, audits and raises an alert on any difference.
 */
describe("e2e: a job runs only what was asked for and approved (issue 22 #9)", function () {
  this.timeout(90_000);
  let h: Harness;
  let logLines: string[];

  async function start(env: Record<string, string>): Promise<void> {
    logLines = [];
    h = await startHarness({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL, ...env }, logLines, installedIn: ["secops-audit"] });
  }
  afterEach(async () => {
    await h.close();
  });

  async function waitForState(requestId: string, state: "completed" | "failed"): Promise<void> {
    await stateReached(h, requestId, state);
    await h.bot.idle();
  }

  /** Writes to the bot's database as an attacker with write access would. */
  async function tamper(change: (db: Awaited<ReturnType<typeof openTestStore>>["database"]["db"]) => Promise<void>): Promise<void> {
    const store = await openTestStore(h.databaseUrl);
    try {
      await change(store.database.db);
    } finally {
      await store.close();
    }
  }

  const refusals = async (requestId: string) => (await h.auditEntries()).filter((e) => e.requestId === requestId && e.action === "revocation.refused");
  const alerts = () => logLines.filter((l) => l.includes("request-integrity"));

  it("a completed one-person revocation turned into an enable of another account is refused, audited and alerted, and enables nobody", async () => {
    await start({ AUDIT_KEY });
    // Val revokes alice's sessions on her own (a one-person request) and it completes.
    assert.equal((await h.say("val", 'revoke user alice@contoso.com --reason "phished"')).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    assert.equal((await h.click("val", Verbs.approve, { requestId: mine.requestId }, mine.call.id)).status, 200);
    await waitForState(mine.requestId, "completed");
    assert.equal(h.sim.tenant.userById(disabled.id)?.accountEnabled, false);
    const patchesBefore = accountPatches(h).length;

    // The attacker makes it an approved `enable` of a disabled account and queues its job again.
    await tamper(async (db) => {
      await db.updateTable("requests").set({ action: "enable", state: "approved" }).where("id", "=", mine.requestId).execute();
      await db
        .updateTable("request_targets")
        .set({ user_id: disabled.id, snapshot: JSON.stringify({ id: disabled.id, userPrincipalName: disabled.userPrincipalName, displayName: disabled.displayName, accountEnabled: false, department: null, userType: "Member", signInSessionsValidFromDateTime: null }) })
        .where("request_id", "=", mine.requestId)
        .execute();
      await db.deleteFrom("target_outcomes").where("request_id", "=", mine.requestId).execute();
      await db.updateTable("jobs").set({ finished_at: null, lease_owner: null, lease_expires_at: null }).where("request_id", "=", mine.requestId).execute();
    });
    await waitForState(mine.requestId, "failed");

    assert.equal(h.sim.tenant.userById(disabled.id)?.accountEnabled, false, "the other account stays disabled");
    assert.equal(accountPatches(h).length, patchesBefore, "no accountEnabled change was sent");
    const refused = await refusals(mine.requestId);
    assert.equal(refused.length, 1);
    assert.match(String(refused[0]?.details.reason), /already finished, so it never runs again/);
    assert.ok(alerts().length > 0, "an error-level alert in the log");
    assert.ok(alerts().every((l) => (JSON.parse(l) as { level: number }).level >= 50), "the alert is logged as an error");
    // The audit channel is told (the refusal is posted there).
    await h.connector.waitFor(
      (calls) =>
        calls.some((c) => {
          const text = `${c.activity.text ?? ""} ${cardText(c.activity)}`;
          return c.conversationId.startsWith(APPROVAL_CHANNEL) && text.includes(mine.requestId) && /Not run/.test(text);
        }),
      10_000,
      "the refusal's post in the audit channel",
    );
  });

  it("a pending request whose targets and request entry were rewritten (without the audit key) is refused when approved: nobody is revoked", async () => {
    await start({ AUDIT_KEY });
    assert.equal((await h.say("val", 'revoke user alice@contoso.com --disable --reason "phished"')).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const bobSnapshot = JSON.stringify({ id: bob.id, userPrincipalName: bob.userPrincipalName, displayName: bob.displayName, accountEnabled: true, department: null, userType: "Member", signInSessionsValidFromDateTime: null });
    // The attacker swaps alice for bob, and rewrites the request entry to match, as plain sha256
    // (the only hash they can compute without the key).
    await tamper(async (db) => {
      await db.updateTable("request_targets").set({ user_id: bob.id, snapshot: bobSnapshot }).where("request_id", "=", mine.requestId).execute();
      const row = await db.selectFrom("audit_log").selectAll().where("request_id", "=", mine.requestId).where("action", "=", "request.created").executeTakeFirstOrThrow();
      const details = { ...(JSON.parse(row.details) as Record<string, unknown>), targetsSha256: targetSetHash([{ id: bob.id }]), targets: [{ id: bob.id, upn: bob.userPrincipalName }] };
      const fields = { seq: Number(row.seq), at: row.at, actor: row.actor_id === null ? null : { aadObjectId: row.actor_id, name: row.actor_name ?? "" }, action: row.action, requestId: row.request_id, details };
      await db
        .updateTable("audit_log")
        .set({ details: JSON.stringify(details), hash: entryHash(row.prev_hash, fields), hash_alg: "sha256" })
        .where("seq", "=", row.seq)
        .execute();
    });
    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, Verbs.approve);
    assert.equal((await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call)).status, 200);
    await waitForState(mine.requestId, "failed");

    assert.deepEqual(revokedUserIds(h), [], "nobody revoked");
    assert.equal(accountPatches(h).length, 0, "nobody disabled");
    const refused = await refusals(mine.requestId);
    assert.equal(refused.length, 1);
    assert.match(String(refused[0]?.details.reason), /does not check out with the audit key/);
    assert.ok(alerts().length > 0);
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind === "update" && c.activityId === mine.call.id && /does not check out with the audit key/.test(cardText(c.activity))),
      10_000,
      "the requester's card to say why it did not run",
    );
  });

  it("without the audit key too: a target set changed after the request was made is refused (its fingerprint is in the request entry)", async () => {
    await start({});
    assert.equal((await h.say("val", 'revoke user alice@contoso.com --disable --reason "phished"')).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    await tamper(async (db) => {
      await db
        .updateTable("request_targets")
        .set({ user_id: bob.id, snapshot: JSON.stringify({ id: bob.id, userPrincipalName: bob.userPrincipalName, displayName: bob.displayName, accountEnabled: true, department: null, userType: "Member", signInSessionsValidFromDateTime: null }) })
        .where("request_id", "=", mine.requestId)
        .execute();
      await db.updateTable("requests").set({ disable: 0, reset_password: 1 }).where("id", "=", mine.requestId).execute();
    });
    const shared = lastCardWithVerb(h, APPROVAL_CHANNEL, Verbs.approve);
    assert.equal((await h.clickInThread("riley", Verbs.approve, { requestId: mine.requestId }, shared.call)).status, 200);
    await waitForState(mine.requestId, "failed");
    assert.deepEqual(revokedUserIds(h), []);
    assert.equal(h.sim.tenant.passwordResets.length, 0);
    const reason = String((await refusals(mine.requestId))[0]?.details.reason);
    assert.match(reason, /whether the accounts are disabled; whether passwords are reset; which users it names/);
    assert.ok(alerts().length > 0);
    assert.equal(h.sim.tenant.userById(alice.id)?.accountEnabled, true);
  });
});
