/**
 * The post-revocation sign-in watch through /api/messages: a revocation job ends, the revoked
 * users' sign-in log is read (many users per request, successful sign-ins only, paced under the
 * reports API's limit), and a sign-in after the revocation is reported in the request's thread and
 * the audit; from the incident's address (`revoke ip`) as an alarm. `watch` lists, `watch stop`
 * ends one. Without AuditLog.Read.All or an Entra ID P1 licence the thread is told once.
 */
import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { ALL_GRAPH_ROLES, GRAPH_ROLES, HOSTILE_IPV4, recordSignIn, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { countsInWords } from "../../src/cards/audit-card.js";
import { inThread, installActivity, type TeamsConversation } from "../fakes/activities.js";
import { answerMessage, cardText, lastConfirmCard, storedRequest, waitForState } from "./cards.js";
import { startHarness, type Harness } from "./harness.js";

const FAST_WATCH = { tickMs: 50, sweepIntervalMs: 4000, postIntervalMs: 60_000 };
const WATCH_ON = { WATCH_HOURS: "24" };
/** The watch's ALARM cards go to an audit channel, so they pass the raw-data check like every post. */
const AUDIT_CHANNEL = "19:secops-audit@thread.tacv2";
const WATCH_AND_AUDIT = { ...WATCH_ON, AUDIT_CHANNEL_ID: AUDIT_CHANNEL };

/** Texts the bot sent into a conversation (any thread of it) that contain `text`, waiting for one. */
async function waitForText(h: Harness, conversationId: string, text: string, timeoutMs = 20_000): Promise<string> {
  await h.connector.waitFor((calls) => calls.some((c) => c.conversationId.split(";")[0] === conversationId.split(";")[0] && (c.activity.text ?? "").includes(text)), timeoutMs, `"${text}" in ${conversationId}`);
  return h.connector.texts(conversationId).find((t) => t.includes(text)) ?? "";
}

const signInReads = (h: Harness) => h.sim.requests.filter((r) => r.method === "GET" && r.path === "/v1.0/auditLogs/signIns");

describe("e2e: sign-in watch after a revocation", function () {
  this.timeout(60_000);

  describe("revoke ip: the attacker signs in again from the incident's address", () => {
    let h: Harness;
    let channel: TeamsConversation;
    before(async () => {
      h = await startHarness({ sim: { attackerReturns: { delayMs: 200 } }, watchOptions: FAST_WATCH, env: WATCH_AND_AUDIT });
      channel = h.channel("incident");
      assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("secops-audit")))).status, 200);
    });
    after(async () => {
      await h.close();
    });

    it("reports the alarm in the request's thread and the audit, lists the watch, and a requester stops it", async () => {
      await h.say("val", `revoke ip ${HOSTILE_IPV4} --reason "password spray"`, channel);
      const { call, requestId } = lastConfirmCard(h, channel.id);
      const approved = await h.click("riley", Verbs.approve, { requestId }, call.id, inThread(channel, call.id));
      assert.equal(approved.status, 200);
      await waitForState(h, requestId, ["completed", "failed"]);

      const thread = inThread(channel, call.id).id;
      const started = await waitForText(h, thread, "Watching the sign-in log");
      assert.ok(started.includes(requestId) && started.includes("24 hours") && started.includes(HOSTILE_IPV4), started);

      const alarm = await waitForText(h, thread, "ALARM");
      const alice = WELL_KNOWN.alice;
      assert.ok(alarm.includes(alice.displayName) && alarm.includes(alice.userPrincipalName), alarm);
      assert.ok(alarm.includes(HOSTILE_IPV4) && alarm.includes(`the incident address of ${requestId} (this request)`), alarm);
      assert.ok(alarm.includes("Tallinn") && alarm.includes("Office 365 Exchange Online"), alarm);
      // The v1.0 log holds interactive sign-ins only: no interactive / non-interactive label to show.
      assert.ok(!alarm.includes("interactive"), alarm);
      assert.ok(/\d{1,2} [A-Z][a-z]{2}(?: \d{4})?, \d\d:\d\d UTC/.test(alarm), `a time in words: ${alarm}`);
      assert.ok(!/\d\dT\d\d:\d\d/.test(alarm), `no ISO timestamp: ${alarm}`);
      // Posted as a reply to the request's card, in its thread.
      const post = h.connector.calls.find((c) => (c.activity.text ?? "").includes("ALARM"));
      assert.equal(post?.conversationId, thread);

      // Many users per request, successful sign-ins only, after the revocation; under the reports limit.
      const reads = signInReads(h).filter((r) => (r.query.$filter ?? "").includes("userId eq"));
      assert.ok(reads.length > 0);
      const filter = reads[0]?.query.$filter ?? "";
      assert.ok(/\(userId eq '[0-9a-f-]{36}'( or userId eq '[0-9a-f-]{36}')+\) and createdDateTime ge \S+Z and status\/errorCode eq 0/.test(filter), filter);
      assert.equal(h.sim.stats().reports.throttled, 0, "the bot never went past the reports API's limit");

      await h.bot.idle();
      const entries = (await h.auditEntries()).filter((e) => e.requestId === requestId);
      assert.ok(entries.some((e) => e.action === "watch.started"));
      const alarms = entries.filter((e) => e.action === "watch.alarm");
      assert.ok(alarms.some((e) => String(e.details.user).includes(alice.userPrincipalName)), JSON.stringify(alarms.map((e) => e.details)));
      assert.ok(alarms.every((e) => String(e.details.address).includes("the address this request named")));
      assert.ok(entries.some((e) => e.action === "watch.signin"));
      assert.ok(entries.some((e) => e.action === "watch.report"));
      // The ALARM card reached the audit channel, its time in the cards' one format.
      await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("ALARM")), 15_000, "the ALARM card");
      const alarmCard = cardText(h.connector.calls.find((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("ALARM"))?.activity);
      assert.match(alarmCard, /\d{1,2} [A-Z][a-z]{2}(?: \d{4})?, \d\d:\d\d UTC/);
      assert.ok(!/\d{4}-\d\d-\d\d/.test(alarmCard), `no ISO-like date on the card: ${alarmCard}`);

      // `watch` lists it (approver); a viewer outside the groups is refused and changes nothing.
      await h.say("sam", "watch");
      const list = h.connector.texts(h.personal("sam").id).find((t) => t.includes("active sign-in watch")) ?? "";
      assert.ok(list.includes(requestId) && list.includes(HOSTILE_IPV4) && list.includes("from the incident's address"), list);
      // It names the watched users (the first few, then how many more), and its hint the real ID.
      const watched = (await storedRequest(h, requestId))?.targets ?? [];
      assert.ok(watched.length > 0 && list.includes(watched[0]?.displayName ?? "-"), list);
      if (watched.length > 3) assert.match(list, new RegExp(`and ${watched.length - 3} more`));
      assert.ok(list.includes(`watch stop ${requestId}`) && !list.includes("<request-id>"), list);
      await h.say("nina", `watch stop ${requestId}`);
      assert.ok(h.connector.texts(h.personal("nina").id).some((t) => t.includes("Only an approver, or the person who asked")));
      assert.equal((await storedWatchState(h, requestId)), "active");

      // The requester (a revoker, not an approver) stops her own request's watch.
      await h.say("val", `watch stop ${requestId}`);
      assert.ok(h.connector.texts(h.personal("val").id).some((t) => t.includes(`The sign-in watch of ${requestId} is stopped`)));
      await waitForText(h, thread, "stopped the sign-in watch");
      await h.bot.idle();
      const after = (await h.auditEntries()).filter((e) => e.requestId === requestId);
      const stopped = after.filter((e) => e.action === "watch.stopped");
      assert.equal(stopped.length, 1);
      assert.equal(stopped[0]?.actor?.aadObjectId, WELL_KNOWN.val.id);
      assert.ok(after.some((e) => e.action === "watch.refused" && e.actor?.aadObjectId === WELL_KNOWN.nina.id));

      // Stopped: no further reads of the log for it.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const count = signInReads(h).length;
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(signInReads(h).length, count, "a stopped watch reads nothing more");
      await h.say("sam", "watch");
      assert.ok(h.connector.texts(h.personal("sam").id).some((t) => t.includes("No sign-in watch is active")));
      await h.say("sam", "watch stop R-0000000000");
      assert.ok(h.connector.texts(h.personal("sam").id).some((t) => t.includes("Request R-0000000000 has no sign-in watch")));
    });
  });

  describe("the attacker scripts 40 sign-ins from the incident's address", () => {
    let h: Harness;
    let channel: TeamsConversation;
    before(async () => {
      h = await startHarness({ watchOptions: FAST_WATCH, env: WATCH_AND_AUDIT });
      channel = h.channel("incident");
      assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("secops-audit")))).status, 200);
    });
    after(async () => {
      await h.close();
    });

    it("posts one ALARM card at once and gathers the rest into one post; all 40 are in the audit chain", async () => {
      await h.say("val", `revoke ip ${HOSTILE_IPV4} --reason "scripted"`, channel);
      const { call, requestId } = lastConfirmCard(h, channel.id);
      await h.click("riley", Verbs.approve, { requestId }, call.id, inThread(channel, call.id));
      await waitForState(h, requestId, ["completed", "failed"]);
      const thread = inThread(channel, call.id).id;
      await waitForText(h, thread, "Watching the sign-in log");
      // Whole seconds in the log: a second later, every record is after the revocation.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      for (let i = 0; i < 40; i++) recordSignIn(h.sim.tenant, WELL_KNOWN.alice.id, Date.now(), { ip: HOSTILE_IPV4 });
      await waitForText(h, thread, "ALARM");
      await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("ALARM")), 15_000, "the first ALARM card");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await h.bot.idle();

      const entries = (await h.auditEntries()).filter((e) => e.requestId === requestId);
      const alarms = entries.filter((e) => e.action === "watch.alarm");
      const counted = alarms.reduce((n, e) => n + (typeof e.details.signIns === "number" ? e.details.signIns : 1), 0);
      assert.equal(counted, 40, `all 40 in the chain: ${JSON.stringify(alarms.map((e) => e.details))}`);
      assert.ok(alarms.length < 40, "past the cap per user and sweep, one counted entry stands for the rest");
      const aggregated = alarms.find((e) => typeof e.details.signIns === "number");
      assert.ok(typeof aggregated?.details.first === "string" && typeof aggregated.details.last === "string", "the counted entry names the first and the last");

      // The channel: one ALARM card now; the rest wait in one gathered post (its minute is not up yet).
      const cards = h.connector.calls.filter((c) => c.conversationId === AUDIT_CHANNEL && cardText(c.activity).includes("ALARM"));
      assert.equal(cards.length, 1, "one ALARM card, not 40");
      const gathered = await outboxRows(h, `alarm:${requestId}`);
      assert.deepEqual(gathered.map((r) => [r.delivered, r.count]), [[true, 1], [false, 39]]);
      // The thread lists them in one report (at most one message a minute).
      assert.equal(h.connector.texts(thread).filter((t) => t.includes("ALARM")).length, 1);
    });
  });

  describe("revoke user --reset-password: the reset of one user is refused", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ watchOptions: FAST_WATCH, env: WATCH_AND_AUDIT });
      assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("secops-audit")))).status, 200);
    });
    after(async () => {
      await h.close();
    });

    it("watches both revoked users, names the failed step in the watch's first message, and counts the user as revoked", async () => {
      const { alice, dollar } = WELL_KNOWN;
      await h.say("val", `revoke user ${alice.userPrincipalName} ${dollar.userPrincipalName} --reset-password`);
      const mine = lastConfirmCard(h, h.personal("val").id);
      const shared = lastConfirmCard(h, AUDIT_CHANNEL);
      const own = await h.click("val", Verbs.approve, { requestId: mine.requestId }, mine.call.id);
      assert.match(answerMessage(own.body), /someone else must approve/);
      await h.click("riley", Verbs.approve, { requestId: mine.requestId }, shared.call.id, inThread(h.channel("secops-audit"), shared.call.id));
      await waitForState(h, mine.requestId, ["completed", "failed"]);
      const started = await waitForText(h, h.personal("val").id, "Watching the sign-in log");
      assert.ok(started.includes("2 revoked users"), started);
      assert.ok(started.includes(dollar.userPrincipalName.replace("$", "\\$")) || started.includes(dollar.userPrincipalName), started);
      assert.ok(started.includes("the password was not reset"), started);
      await h.bot.idle();
      const entries = (await h.auditEntries()).filter((e) => e.requestId === mine.requestId);
      const end = entries.find((e) => e.action === "revocation.failed" || e.action === "revocation.completed");
      const words = countsInWords(end?.details.counts);
      assert.ok(words.includes("1 revoked, a later step not done") && !words.includes("failed"), words);
      const watchStarted = entries.find((e) => e.action === "watch.started");
      assert.equal(watchStarted?.details.watched, "2 revoked users");
    });
  });

  describe("revoke user, then a restart: the watch resumes and reports a known address", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ sim: { attackerReturns: { delayMs: 1500 } }, watchOptions: FAST_WATCH, env: WATCH_ON });
    });
    after(async () => {
      await h.close();
    });

    it("survives the restart, reports the sign-in once, as an address the user used before", async () => {
      const conv = h.personal("sam");
      await h.say("sam", "revoke user alice@contoso.com");
      const { call, requestId } = lastConfirmCard(h, conv.id);
      await h.click("sam", Verbs.approve, { requestId }, call.id);
      await waitForState(h, requestId, ["completed", "failed"]);
      await waitForText(h, conv.id, "Watching the sign-in log");
      // The bot restarts before the attacker is back; the new process resumes the watch.
      await h.restart();
      const report = await waitForText(h, conv.id, "Sign-in watch of");
      assert.ok(!report.includes("ALARM"), "revoke user names no incident address");
      assert.ok(report.includes(HOSTILE_IPV4) && report.includes("an address this user signed in from before the revocation"), report);
      await new Promise((resolve) => setTimeout(resolve, 700));
      await h.bot.idle();
      const signIns = (await h.auditEntries()).filter((e) => e.requestId === requestId && e.action === "watch.signin");
      assert.equal(signIns.length, 1, "the sign-in is recorded once");
      // A seen-before look-up asked for that user and address before the revocation.
      assert.ok(signInReads(h).some((r) => (r.query.$filter ?? "").includes(`ipAddress eq '${HOSTILE_IPV4}'`) && (r.query.$filter ?? "").includes("createdDateTime le")));

      // `status` now tells the last sign-ins, the sign-ins since the revocation and the requests.
      await h.say("sam", "status alice@contoso.com");
      const status = h.connector.texts(conv.id).find((t) => t.includes("Last interactive sign-in")) ?? "";
      assert.match(status, /Last interactive sign-in: \d{1,2} [A-Z][a-z]{2}(?: \d{4})?, \d\d:\d\d UTC; last non-interactive sign-in: (none recorded|\d{1,2} [A-Z][a-z]{2}(?: \d{4})?, \d\d:\d\d UTC)/);
      assert.match(status, new RegExp(`Successful sign-ins since the last revocation \\(\\d{1,2} [A-Z][a-z]{2}(?: \\d{4})?, \\d\\d:\\d\\d UTC\\): 1; the latest from ${HOSTILE_IPV4.replace(/\./g, "\\.")} with Office 365 Exchange Online`));
      assert.ok(status.includes(`${requestId}, asked `) && status.includes(": revoked and verified"), status);
      assert.ok(!/\d\dT\d\d:\d\d|true|false|revoked_verified/.test(status), `no raw values: ${status}`);
      const activityRead = h.sim.requests.find((r) => r.path === `/v1.0/users/${WELL_KNOWN.alice.id}` && (r.query.$select ?? "").includes("signInActivity"));
      assert.equal(activityRead?.status, 200);
    });
  });

  describe("without AuditLog.Read.All", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ sim: { roles: ALL_GRAPH_ROLES.filter((r) => r !== GRAPH_ROLES.auditLogReadAll) }, watchOptions: FAST_WATCH, env: WATCH_ON });
    });
    after(async () => {
      await h.close();
    });

    it("says once that watching is unavailable and why, and stops reading", async () => {
      const conv = h.personal("sam");
      await h.say("sam", "revoke user alice@contoso.com");
      const { call, requestId } = lastConfirmCard(h, conv.id);
      await h.click("sam", Verbs.approve, { requestId }, call.id);
      await waitForState(h, requestId, ["completed", "failed"]);
      const said = await waitForText(h, conv.id, "cannot be watched");
      assert.ok(said.includes("AuditLog.Read.All") && said.includes("nothing will be retried"), said);
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(signInReads(h).length, 1, "one refused read, no retry");
      assert.equal(h.connector.texts(conv.id).filter((t) => t.includes("cannot be watched")).length, 1);
      await h.bot.idle();
      assert.equal((await h.auditEntries()).filter((e) => e.action === "watch.unavailable").length, 1);
      assert.equal(await storedWatchState(h, requestId), "unavailable");

      // `status` says which part it cannot show and why, and shows the rest.
      await h.say("sam", "status alice@contoso.com");
      const status = h.connector.texts(conv.id).find((t) => t.includes("Last sign-ins: not shown")) ?? "";
      assert.ok(status.includes("AuditLog.Read.All"), status);
      assert.ok(status.includes("Successful sign-ins since the last revocation") && status.includes(`${requestId}, asked `), status);
    });
  });

  describe("without an Entra ID P1 licence", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ watchOptions: FAST_WATCH, env: WATCH_ON });
    });
    after(async () => {
      await h.close();
    });

    it("names the licence", async () => {
      h.sim.injectFault({
        path: /auditLogs\/signIns$/,
        status: 403,
        times: 5,
        body: {
          error: {
            code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            message: "Neither tenant is B2C or tenant doesn't have premium license",
            innerError: { date: new Date().toISOString(), "request-id": "00000000-0000-4000-8000-000000000000" },
          },
        },
      });
      const conv = h.personal("sam");
      await h.say("sam", "revoke user bob.stone@contoso.com");
      const { call, requestId } = lastConfirmCard(h, conv.id);
      await h.click("sam", Verbs.approve, { requestId }, call.id);
      await waitForState(h, requestId, ["completed", "failed"]);
      const said = await waitForText(h, conv.id, "cannot be watched");
      assert.ok(said.includes("Entra ID P1"), said);
      assert.ok(!said.includes("Neither tenant"), "Graph's own words stay in the log");
      assert.ok(cardText(said).length > 0);
    });
  });
});

describe("e2e: WATCH_HOURS=0 turns the watch off", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await startHarness({ watchOptions: FAST_WATCH, env: { WATCH_HOURS: "0" } });
  });
  after(async () => {
    await h.close();
  });

  it("starts no watch and reads no sign-in log after a revocation", async () => {
    const conv = h.personal("sam");
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, conv.id);
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    await waitForState(h, requestId, ["completed", "failed"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await h.bot.idle();
    assert.equal(signInReads(h).filter((r) => (r.query.$filter ?? "").includes("createdDateTime ge")).length, 0);
    assert.ok(!(await h.auditEntries()).some((e) => e.action.startsWith("watch.")));
    await h.say("sam", "watch");
    assert.ok(h.connector.texts(conv.id).some((t) => t.includes("Sign-in watching is turned off")));
  });
});

async function storedWatchState(h: Harness, requestId: string): Promise<string | undefined> {
  const { openDatabase } = await import("../../src/store/database.js");
  const { SqlWatchStore } = await import("../../src/store/watch-store.js");
  const opened = await openDatabase(h.databaseUrl);
  try {
    return (await new SqlWatchStore(opened.db).get(requestId))?.state;
  } finally {
    await opened.close();
  }
}

/** The audit outbox rows of a flood key, oldest first: delivered or not, and the count each stands for. */
async function outboxRows(h: Harness, key: string): Promise<Array<{ delivered: boolean; count: number }>> {
  const { openDatabase } = await import("../../src/store/database.js");
  const opened = await openDatabase(h.databaseUrl);
  try {
    const rows = await opened.db.selectFrom("outbox").select(["delivered_at", "flood_count"]).where("flood_key", "=", key).orderBy("audit_seq").execute();
    return rows.map((r) => ({ delivered: r.delivered_at !== null, count: Number(r.flood_count) }));
  } finally {
    await opened.close();
  }
}
