/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- the API's JSON answers are read as parsed: the assertions are what check their shape */
/**
 * Issue 22 (second security review) #6, #7 and the low findings on the automation API, each
 * through the real server (inbound auth on), the local connector and the simulator.
 */
import assert from "node:assert/strict";
import { SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { installActivity } from "../fakes/activities.js";
import { callApi, entraToken, type ApiAnswer } from "../support/api-client.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { startHarness, type Harness } from "./harness.js";

const APPROVAL = "19:soc-approvals@thread.tacv2";
const { alice, bob, oneil } = WELL_KNOWN;
const incident = { source: "Microsoft Sentinel", id: "4711", title: "Password spray against Sales", url: "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/4711" };

let keyCounter = 0;
function proposal(selection: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  keyCounter++;
  return { selection, reason: "Sentinel: password spray", incident, idempotencyKey: `hardening-${keyCounter}-${Date.now()}`, ...extra };
}

function assertProblem(res: ApiAnswer, status: number, type: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal(res.body.type, `urn:teams-revoke-bot:problem:${type}`, JSON.stringify(res.body));
}

function newCards(h: Harness, conversationId: string): number {
  return h.connector.in(conversationId).filter((c) => c.kind !== "update").length;
}

for (const dialect of testDialects()) {
  describe(`e2e: the pending cap holds under concurrency (${dialect.name})`, function () {
    this.timeout(60_000);
    let h: Harness;
    let database: TestDatabase;

    before(async () => {
      database = await dialect.create();
      h = await startHarness({ env: { APPROVAL_CHANNEL_ID: APPROVAL, MAX_PENDING_PER_REQUESTER: "2", API_REQUESTS_PER_MINUTE: "100", DATABASE_URL: database.url } });
      assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("soc-approvals")))).status, 200);
    });
    after(async () => {
      await h?.close();
      await database?.drop();
    });

    it("API: five concurrent proposals of one app with MAX_PENDING_PER_REQUESTER=2 make two requests and two cards; three get 429, audited", async () => {
      const token = await entraToken(h.sim, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${h.sim.clientId}/.default`);
      const before = newCards(h, APPROVAL);
      const answers = await Promise.all(Array.from({ length: 5 }, () => callApi(h.bot.url, "POST", "/api/requests", { token, body: proposal({ users: [alice.userPrincipalName] }) })));
      const accepted = answers.filter((a) => a.status === 202);
      assert.equal(accepted.length, 2, JSON.stringify(answers.map((a) => [a.status, a.body?.type])));
      for (const a of answers.filter((x) => x.status !== 202)) assertProblem(a, 429, "too-many-pending");
      await h.bot.idle();
      assert.equal(newCards(h, APPROVAL) - before, 2, "one card per request made");
      const entries = await h.auditEntries();
      assert.equal(entries.filter((e) => e.action === "request.created" && e.actor?.aadObjectId === `app:${SENTINEL_APP_ID}`).length, 2);
      const refused = entries.filter((e) => e.action === "request.refused" && /MAX_PENDING_PER_REQUESTER=2/.test(String(e.details.reason)));
      assert.equal(refused.length, 3);
    });

    it("chat: five concurrent revoke messages of one person make two requests; the others are told why", async () => {
      const targets = [alice, bob, oneil, alice, bob];
      const answers = await Promise.all(targets.map((t, i) => h.say("sam", `revoke user ${t.userPrincipalName} --reason "spray ${i}"`)));
      for (const a of answers) assert.equal(a.status, 200);
      await h.bot.idle();
      const sam = WELL_KNOWN.sam.id;
      const entries = await h.auditEntries();
      assert.equal(entries.filter((e) => e.action === "request.created" && e.actor?.aadObjectId === sam).length, 2);
      assert.equal(entries.filter((e) => e.action === "request.refused" && e.actor?.aadObjectId === sam).length, 3);
      const replies = h.connector.in(h.personal("sam").id).map((c) => c.activity.text ?? "");
      assert.equal(replies.filter((t) => t.includes("you already have 2 pending requests")).length, 3, JSON.stringify(replies));
    });
  });
}
