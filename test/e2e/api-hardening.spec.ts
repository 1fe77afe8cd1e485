/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- the API's JSON answers are read as parsed: the assertions are what check their shape */
/**
 * Issue 22 (second security review) #6, #7 and the low findings on the automation API, each
 * through the real server (inbound auth on), the local connector and the simulator.
 */
import assert from "node:assert/strict";
import BetterSqlite3 from "better-sqlite3";
import { PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET, REPORTING_APP_ID, REPORTING_CLIENT_SECRET, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, WELL_KNOWN, decodeJwt } from "@teams-revoke-bot/graph-simulator";
import type { ApiAnswer } from "../support/api-client.js";
import { testDialects, type TestDatabase } from "../support/databases.js";
import { cardText, lastConfirmCard } from "./cards.js";
import { useWorld, type Harness } from "./harness.js";

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
    let database: TestDatabase | undefined;
    before(async () => {
      database = await dialect.create();
    });
    const h = useWorld(() => {
      assert.ok(database !== undefined, "the database is made before the world");
      return { env: { APPROVAL_CHANNEL_ID: APPROVAL, MAX_PENDING_PER_REQUESTER: "2", API_REQUESTS_PER_MINUTE: "100", DATABASE_URL: database.url }, installedIn: ["soc-approvals"] };
    });
    // Declared after the world: it is dropped once the bot is closed.
    after(async () => {
      await database?.drop();
    });

    it("API: five concurrent proposals of one app with MAX_PENDING_PER_REQUESTER=2 make two requests and two cards; three get 429, audited", async () => {
      const token = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
      const before = newCards(h, APPROVAL);
      const answers = await Promise.all(Array.from({ length: 5 }, () => h.api("POST", "/api/requests", { token, body: proposal({ users: [alice.userPrincipalName] }) })));
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

/** Waits out the last seconds of a minute, so a per-minute window does not roll over mid-test. */
async function startOfAMinute(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
}

describe("e2e: apps without a role cannot grow the audit log or the log without bound", function () {
  this.timeout(120_000);
  const logLines: string[] = [];
  // Proposals: 3 per minute per app; reads: ten times that.
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL, API_REQUESTS_PER_MINUTE: "3" }, logLines });

  it("rate before audit: an app without the role gets 403 for its rate, then 429 without an audit entry; its refusals are budgeted per minute", async () => {
    await startOfAMinute();
    const payroll = await h.apiToken(PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET);
    const actor = `app:${PAYROLL_APP_ID}`;
    const audited = async () => (await h.auditEntries()).filter((e) => e.action === "request.refused" && e.actor?.aadObjectId === actor).length;

    const posts = [];
    for (let i = 0; i < 8; i++) posts.push(await h.api("POST", "/api/requests", { token: payroll, body: proposal({ users: [alice.userPrincipalName] }) }));
    assert.deepEqual(posts.map((p) => p.status), [403, 403, 403, 429, 429, 429, 429, 429]);
    assertProblem(posts[7], 429, "rate-limited");
    assert.equal(await audited(), 3, "only the calls within the rate are audited");

    // Reads are allowed 30 a minute: more than the 10 refusal entries one app may write a minute.
    const reads = [];
    for (let i = 0; i < 25; i++) reads.push((await h.api("GET", "/api/requests/R-0000000000", { token: payroll })).status);
    assert.ok(reads.every((s) => s === 403), JSON.stringify(reads));
    assert.equal(await audited(), 10, "at most 10 refusal entries per app per minute");
    const budgetLines = logLines.filter((l) => l.includes("audit budget for this minute is spent"));
    assert.ok(budgetLines.length >= 1 && budgetLines.length <= 11, String(budgetLines.length));
  });

  it("bad tokens: 300 calls write at most a dozen log lines (the first ten, then every hundredth)", async () => {
    const before = logLines.filter((l) => l.includes("API: token refused")).length;
    for (let i = 0; i < 300; i++) {
      const res = await h.api("GET", "/api/requests/R-0000000000", { authorization: `Bearer e30.e30.${i}` });
      assert.equal(res.status, 401);
    }
    const lines = logLines.filter((l) => l.includes("API: token refused")).length - before;
    assert.ok(lines >= 1 && lines <= 13, `${lines} log lines for 300 refused tokens`);
  });
});

describe("e2e: no exception text reaches a caller", function () {
  this.timeout(60_000);
  const logLines: string[] = [];
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL }, logLines });

  it("a JWT header whose alg is not ASCII: 401 problem, not Node's header error", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "RS256\u00e9\u2028", kid: "x" })).toString("base64url");
    const res = await h.api("GET", "/api/requests/R-0000000000", { authorization: `Bearer ${header}.e30.c2ln` });
    assertProblem(res, 401, "invalid-token");
    assert.match(res.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  });

  it("a database failure: one problem+json 500 with a reference, on POST and GET; the details only in the log", async () => {
    const token = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
    const path = h.databaseUrl.slice("sqlite:".length);
    const db = new BetterSqlite3(path);
    try {
      db.exec("alter table api_idempotency rename to api_idempotency_gone");
      db.exec("alter table requests rename to requests_gone");
    } finally {
      db.close();
    }
    const made = await h.api("POST", "/api/requests", { token, body: proposal({ users: [alice.userPrincipalName] }) });
    const read = await h.api("GET", "/api/requests/R-0000000000", { token });
    for (const res of [made, read]) {
      assertProblem(res, 500, "internal");
      const text = JSON.stringify(res.body);
      assert.ok(!/api_idempotency|requests_gone|sqlite|revoke-bot\.db|no such table|SqliteError/i.test(text), text);
      assert.equal(typeof res.body.correlationId, "string");
      assert.ok(logLines.some((l) => l.includes(res.body.correlationId as string) && /no such table/.test(l)), "the details are in the log under the reference");
    }
  });
});

describe("e2e: app-only means idtyp=app, and each token version has its own issuer", function () {
  this.timeout(60_000);
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL } });
  let sentinel: string;
  before(async () => {
    sentinel = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
  });

  const claimsOf = (token: string): Record<string, unknown> => {
    const decoded = decodeJwt(token);
    assert.ok(decoded !== undefined);
    return decoded.payload;
  };
  const read = (token: string) => h.api("GET", "/api/requests/R-0000000000", { token });

  it("incident.url must be an https URI as RFC 3986 writes one: a space, angle brackets, quotes, non-ASCII or a bad escape are 400", async () => {
    for (const url of ["https://portal.azure.com/a b", "https://portal.azure.com/<script>", 'https://portal.azure.com/"x"', "https://pörtal.azure.com/", "https://portal.azure.com/%zz", "https:///nohost"]) {
      h.sim.clearRequests();
      const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: [alice.userPrincipalName] }, { incident: { ...incident, url } }) });
      assertProblem(res, 400, "invalid-body");
      assert.deepEqual((res.body.errors as Array<{ field: string }>).map((e) => e.field), ["incident.url"], url);
      assert.equal(h.sim.requests.filter((r) => r.path.startsWith("/v1.0")).length, 0);
    }
  });

  it("the approval card shows the incident link's host next to its title", async () => {
    await h.install("soc-approvals");
    const url = "https://contoso-soc.example/incidents/4711?tab=entities";
    const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: [alice.userPrincipalName] }, { incident: { ...incident, url } }) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const text = cardText(lastConfirmCard(h, APPROVAL).card);
    assert.ok(text.includes(`(${url}), a link to contoso-soc.example`), text);
  });

  it("the registration's idtyp claim is there and accepted; a token without idtyp (and without scp) is refused", async () => {
    assert.equal(claimsOf(sentinel).idtyp, "app");
    assertProblem(await read(sentinel), 404, "not-found");
    const withoutIdtyp = { ...claimsOf(sentinel) };
    delete withoutIdtyp.idtyp;
    const res = await read(h.sim.signAsEntra(withoutIdtyp));
    assertProblem(res, 401, "invalid-token");
    assert.match(res.body.detail as string, /idtyp=app/);
  });

  it("a v1.0 token with the v2.0 issuer, and a v2.0 token with the v1.0 issuer, are refused; each with its own is accepted", async () => {
    const v1 = claimsOf(sentinel);
    const v2Issuer = `${h.sim.url}/${h.sim.tenantId}/v2.0`;
    const v1Issuer = `https://sts.windows.net/${h.sim.tenantId}/`;
    assert.equal(v1.iss, v1Issuer);
    assertProblem(await read(h.sim.signAsEntra({ ...v1, iss: v2Issuer })), 401, "invalid-token");
    const app = h.sim.tenant.applicationByAppId(h.sim.clientId);
    assert.ok(app !== undefined);
    (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = 2;
    try {
      const v2 = claimsOf(await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET));
      assert.equal(v2.iss, v2Issuer);
      assertProblem(await read(h.sim.signAsEntra(v2)), 404, "not-found");
      const res = await read(h.sim.signAsEntra({ ...v2, iss: v1Issuer }));
      assertProblem(res, 401, "invalid-token");
      assert.match(res.body.detail as string, /not issued by the bot's tenant/);
    } finally {
      (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = null;
    }
  });
});

describe("e2e: cancel app, the emergency stop for one automation app", function () {
  this.timeout(60_000);
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL, MAX_PENDING_PER_REQUESTER: "10" }, installedIn: ["soc-approvals"] });
  let sentinel: string;
  before(async () => {
    sentinel = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
  });

  async function propose(): Promise<string> {
    const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: [alice.userPrincipalName, bob.userPrincipalName] }) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.requestId as string;
  }
  const stateOf = async (id: string) => (await h.api("GET", `/api/requests/${id}`, { token: sentinel })).body.state as string;
  const lastReply = (key: "val" | "riley") => h.lastText(key);

  it("a revoker who is no approver is refused (audited); an approver rejects every pending request of the app by name, then by ID; a person's request stays", async () => {
    const first = [await propose(), await propose()];
    assert.equal((await h.say("sam", `revoke user ${oneil.userPrincipalName} --reason "chat"`, h.channel("soc-approvals"))).status, 200);
    const chatId = lastConfirmCard(h, APPROVAL).requestId;

    assert.equal((await h.say("val", "cancel app Contoso Sentinel Playbook")).status, 200);
    assert.match(lastReply("val"), /Only members of an approver group/);
    for (const id of first) assert.equal(await stateOf(id), "pending");
    const refused = (await h.auditEntries()).filter((e) => e.action === "request.refused" && e.actor?.aadObjectId === WELL_KNOWN.val.id);
    assert.equal(refused.length, 1);

    assert.equal((await h.say("riley", "cancel app contoso sentinel playbook")).status, 200);
    const reply = lastReply("riley");
    assert.ok(first.every((id) => reply.includes(id)) && /2 pending requests of Contoso Sentinel Playbook/.test(reply), reply);
    for (const id of first) assert.equal(await stateOf(id), "rejected");
    const read = await h.api("GET", `/api/requests/${first[0]}`, { token: sentinel });
    assert.equal(read.body.decision.outcome, "rejected");
    assert.match(read.body.decision.comment as string, /Emergency stop/);
    const entries = (await h.auditEntries()).filter((e) => e.action === "request.rejected" && first.includes(e.requestId ?? ""));
    assert.deepEqual(entries.map((e) => e.actor?.aadObjectId), [WELL_KNOWN.riley.id, WELL_KNOWN.riley.id]);

    const later = await propose();
    assert.equal((await h.say("riley", `cancel app ${SENTINEL_APP_ID.toUpperCase()}`)).status, 200);
    assert.equal(await stateOf(later), "rejected");
    const chat = await h.api("GET", `/api/requests/${chatId}`, { token: await h.apiToken(REPORTING_APP_ID, REPORTING_CLIENT_SECRET) });
    assert.equal(chat.body.state, "pending", "a person's request is not the app's");

    assert.equal((await h.say("riley", "cancel app Contoso Sentinel Playbook")).status, 200);
    assert.match(lastReply("riley"), /No automation app named Contoso Sentinel Playbook has a pending request/);
  });
});

describe("e2e: an idempotency key is not taken over while its first call still works", function () {
  this.timeout(60_000);
  // Declared before the world: Graph is fast again before the bot is closed.
  after(() => h.sim.setLatency(0));
  // Claims go stale after 1 s here (120 s in production); Graph answers after 2.5 s.
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL }, apiIdempotencyStaleMs: 1000, installedIn: ["soc-approvals"] });

  it("a retry during a slow first call gets 409, not a second request; after it, the retry gets the first call's request", async () => {
    const token = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
    const body = proposal({ users: [oneil.userPrincipalName] });
    h.sim.setLatency(2500);
    const first = h.api("POST", "/api/requests", { token, body });
    await new Promise((r) => setTimeout(r, 1800));
    const retry = await h.api("POST", "/api/requests", { token, body });
    assertProblem(retry, 409, "idempotency-key-in-use");
    const made = await first;
    h.sim.setLatency(0);
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const replay = await h.api("POST", "/api/requests", { token, body });
    assert.equal(replay.status, 202);
    assert.equal(replay.body.requestId, made.body.requestId);
    const created = (await h.auditEntries()).filter((e) => e.action === "request.created");
    assert.equal(created.length, 1);
  });
});
