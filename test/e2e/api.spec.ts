/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- the API's JSON answers are read as parsed: the assertions (and test/api/openapi.spec.ts) are what check their shape */
import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import {
  JwtSigner,
  PAYROLL_APP_ID,
  PAYROLL_CLIENT_SECRET,
  REPORTING_APP_ID,
  REPORTING_CLIENT_SECRET,
  SENTINEL_APP_ID,
  SENTINEL_CLIENT_SECRET,
  WELL_KNOWN,
  decodeJwt,
} from "@teams-revoke-bot/graph-simulator";
import { entraToken, type ApiAnswer } from "../support/api-client.js";
import { cardText, lastConfirmCard } from "./cards.js";
import { useWorld, type Harness } from "./harness.js";

/** The approval channel: APPROVAL_CHANNEL_ID in these tests. */
const APPROVAL = "19:soc-approvals@thread.tacv2";
const HOSTILE_IP = "203.0.113.50";
const { alice, bob, oneil, riley, val, breakglass } = WELL_KNOWN;

const incident = { source: "Microsoft Sentinel", id: "4711", title: "Password spray against Sales", url: "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/4711" };

let keyCounter = 0;
function proposal(selection: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  keyCounter++;
  return { selection, reason: "Sentinel: password spray", incident, idempotencyKey: `sentinel-4711-${keyCounter}-${Date.now()}`, ...extra };
}

function assertProblem(res: ApiAnswer, status: number, type: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal(res.body.type, `urn:teams-revoke-bot:problem:${type}`, JSON.stringify(res.body));
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.title, "string");
  assert.equal(typeof res.body.detail, "string");
}

/** Graph calls the simulator has seen (authorization must come before any). */
function graphCalls(h: Harness): number {
  return h.sim.requests.filter((r) => r.path.startsWith("/v1.0")).length;
}

describe("e2e: the automation API (POST/GET /api/requests)", function () {
  this.timeout(40_000);
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL, PROTECTED_USER_IDS: breakglass.id, MAX_PENDING_PER_REQUESTER: "50", API_REQUESTS_PER_MINUTE: "1000" }, installedIn: ["soc-approvals"] });
  let sentinel: string;
  let reporting: string;

  before(async () => {
    sentinel = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
    reporting = await h.apiToken(REPORTING_APP_ID, REPORTING_CLIENT_SECRET);
  });

  describe("tokens", () => {
    const body = () => proposal({ users: [alice.userPrincipalName] });

    async function refused(authorization: string | undefined, status: 401 | 403, says: RegExp): Promise<ApiAnswer> {
      h.sim.clearRequests();
      const before = (await h.auditEntries()).length;
      const res = await h.api("POST", "/api/requests", authorization === undefined ? { body: body() } : { authorization, body: body() });
      assertProblem(res, status, status === 401 ? "invalid-token" : "missing-role");
      assert.match(res.body.detail, says);
      assert.equal(graphCalls(h), 0, "no Graph call before the token and its role are checked");
      assert.equal(h.connector.in(APPROVAL).filter((c) => c.kind !== "update").length >= 0, true);
      if (status === 401) assert.equal((await h.auditEntries()).length, before, "a refused token changes nothing");
      return res;
    }

    /** The claims of a genuine token from the simulator, to alter one at a time. */
    function claimsOf(token: string): Record<string, unknown> {
      const decoded = decodeJwt(token);
      assert.ok(decoded !== undefined);
      return decoded.payload;
    }

    it("missing: 401 with a Bearer challenge and no error code", async () => {
      const res = await refused(undefined, 401, /No access token/);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="teams-revoke-bot"');
    });

    it("malformed, and alg none: 401 invalid_token", async () => {
      const res = await refused("Bearer not.a-token", 401, /not a well-formed JWT|not 'Bearer'/);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="teams-revoke-bot", error="invalid_token"/);
      const claims = claimsOf(sentinel);
      const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.x`;
      await refused(`Bearer ${none}`, 401, /only RS256/);
      await refused("Basic c2VudGluZWw6c2VjcmV0", 401, /not 'Bearer'/);
    });

    it("wrong audience: the same app's Graph token is refused", async () => {
      const graphToken = await entraToken(h.sim, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, "https://graph.microsoft.com/.default");
      await refused(`Bearer ${graphToken}`, 401, /another audience.*api:\/\//);
    });

    it("wrong tenant and wrong issuer: tokens signed by Entra for another tenant are refused", async () => {
      const other = "0badc0de-0000-4000-8000-000000000000";
      await refused(`Bearer ${h.sim.signAsEntra({ ...claimsOf(sentinel), tid: other, iss: `https://sts.windows.net/${other}/` })}`, 401, /not issued by the bot's tenant/);
      await refused(`Bearer ${h.sim.signAsEntra({ ...claimsOf(sentinel), iss: `https://sts.windows.net/${other}/` })}`, 401, /not issued by the bot's tenant/);
    });

    it("wrong key: a token signed by another key (named by Entra's key ID or its own) is refused", async () => {
      const forger = await JwtSigner.generate();
      const entraKid = decodeJwt(sentinel)?.header.kid;
      await refused(`Bearer ${forger.sign(claimsOf(sentinel), { kid: entraKid })}`, 401, /signature is not valid/);
      await refused(`Bearer ${forger.sign(claimsOf(sentinel))}`, 401, /key the tenant does not publish/);
    });

    it("expired (past the clock skew) and not yet valid: refused", async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(`Bearer ${h.sim.signAsEntra({ ...claimsOf(sentinel), nbf: now - 7200, iat: now - 7200, exp: now - 120 })}`, 401, /expired/);
      await refused(`Bearer ${h.sim.signAsEntra({ ...claimsOf(sentinel), nbf: now + 600 })}`, 401, /not valid yet/);
    });

    it("a user's delegated token (scp) is refused even with the role", async () => {
      await refused(`Bearer ${h.sim.signAsEntra({ ...claimsOf(sentinel), scp: "user_impersonation", idtyp: "user", oid: riley.id })}`, 401, /delegated/);
    });

    it("no role: an app of the tenant without Revocation.Request gets 403, audited with its app ID", async () => {
      const payroll = await h.apiToken(PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET);
      assert.equal(claimsOf(payroll).roles, undefined, "Entra leaves roles out when none was granted");
      await refused(`Bearer ${payroll}`, 403, /Revocation\.Request/);
      const last = (await h.auditEntries()).at(-1);
      assert.equal(last?.action, "request.refused");
      assert.equal(last?.actor?.aadObjectId, `app:${PAYROLL_APP_ID}`);
      // A reader may read but not propose.
      await refused(`Bearer ${reporting}`, 403, /Revocation\.Request/);
    });

    it("v2.0 tokens (the API set to requestedAccessTokenVersion 2) are accepted: audience is the client ID", async () => {
      const app = h.sim.tenant.applicationByAppId(h.sim.clientId);
      assert.ok(app !== undefined);
      const saved = app.requestedAccessTokenVersion;
      try {
        (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = 2;
        const v2 = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
        const claims = claimsOf(v2);
        assert.equal(claims.ver, "2.0");
        assert.equal(claims.aud, h.sim.clientId);
        const res = await h.api("GET", "/api/requests/R-0000000000", { token: v2 });
        assertProblem(res, 404, "not-found");
      } finally {
        (app as { requestedAccessTokenVersion?: 1 | 2 | null }).requestedAccessTokenVersion = saved;
      }
    });
  });

  describe("bad bodies: 400 problem details naming the field; nothing reaches Graph", () => {
    const cases: Array<{ what: string; body: Record<string, unknown>; fields: string[] }> = [
      { what: "an unknown field", body: proposal({ users: [alice.userPrincipalName] }, { approver: "me" }), fields: ["approver"] },
      { what: "an unknown selection field", body: proposal({ users: [alice.userPrincipalName], group: "x" }), fields: ["selection.group"] },
      { what: "no selection", body: { reason: "x", incident, idempotencyKey: "k-1" }, fields: ["selection"] },
      { what: "two selections", body: proposal({ users: [alice.userPrincipalName], disabled: true }), fields: ["selection"] },
      { what: "a user that is neither UPN nor ID", body: proposal({ users: [alice.userPrincipalName, "not a user"] }), fields: ["selection.users[1]"] },
      { what: "ip without since", body: proposal({ ip: HOSTILE_IP }), fields: ["selection.since"] },
      { what: "since that is not RFC 3339", body: proposal({ ip: HOSTILE_IP, since: "24h" }), fields: ["selection.since"] },
      { what: "since with no time zone", body: proposal({ ip: HOSTILE_IP, since: "2026-11-30T08:00:00" }), fields: ["selection.since"] },
      { what: "since on the 31st of November", body: proposal({ ip: HOSTILE_IP, since: "2026-11-31T08:00:00Z" }), fields: ["selection.since"] },
      { what: "since in the future", body: proposal({ ip: HOSTILE_IP, since: new Date(Date.now() + 3_600_000).toISOString() }), fields: ["selection.since"] },
      { what: "since more than 30 days back", body: proposal({ ip: HOSTILE_IP, since: new Date(Date.now() - 31 * 86_400_000).toISOString() }), fields: ["selection.since"] },
      { what: "since with a selection other than ip", body: proposal({ department: "Sales", since: "2026-11-30T08:00:00Z" }), fields: ["selection.since"] },
      { what: "an IP range", body: proposal({ ip: "203.0.113.0/24", since: new Date(Date.now() - 3_600_000).toISOString() }), fields: ["selection.ip"] },
      { what: "a reason too long", body: proposal({ department: "Sales" }, { reason: "x".repeat(501) }), fields: ["reason"] },
      { what: "a reason with a control character", body: proposal({ department: "Sales" }, { reason: "a\u0007b" }), fields: ["reason"] },
      { what: "options.disable not a boolean", body: proposal({ department: "Sales" }, { options: { disable: "yes" } }), fields: ["options.disable"] },
      { what: "an unknown option", body: proposal({ department: "Sales" }, { options: { wipe: true } }), fields: ["options.wipe"] },
      { what: "options.resetPassword not a boolean", body: proposal({ department: "Sales" }, { options: { resetPassword: 1 } }), fields: ["options.resetPassword"] },
      { what: "a containment option with the disabled accounts", body: proposal({ disabled: true }, { options: { confirmCompromised: true } }), fields: ["options.confirmCompromised"] },
      { what: "an incident without a title and an http URL", body: proposal({ department: "Sales" }, { incident: { source: "Sentinel", id: "1", url: "http://example.com" } }), fields: ["incident.title", "incident.url"] },
      { what: "no idempotency key", body: { selection: { department: "Sales" }, reason: "x", incident }, fields: ["idempotencyKey"] },
      { what: "an idempotency key with spaces", body: proposal({ department: "Sales" }, { idempotencyKey: "a b" }), fields: ["idempotencyKey"] },
    ];
    for (const c of cases) {
      it(c.what, async () => {
        h.sim.clearRequests();
        const res = await h.api("POST", "/api/requests", { token: sentinel, body: c.body });
        assertProblem(res, 400, "invalid-body");
        const fields = (res.body.errors as Array<{ field: string; message: string }>).map((e) => e.field);
        for (const f of c.fields) assert.ok(fields.includes(f), `${f} named in ${JSON.stringify(res.body.errors)}`);
        assert.equal(graphCalls(h), 0);
      });
    }

    it("not JSON: 415; malformed JSON or an array: 400", async () => {
      assertProblem(await h.api("POST", "/api/requests", { token: sentinel, rawBody: "a=b", contentType: "application/x-www-form-urlencoded" }), 415, "unsupported-media-type");
      assertProblem(await h.api("POST", "/api/requests", { token: sentinel, rawBody: "{not json" }), 400, "invalid-body");
      assertProblem(await h.api("POST", "/api/requests", { token: sentinel, rawBody: "[]" }), 400, "invalid-body");
    });

    it("named users the tenant does not have: 400 naming each, after Graph says so", async () => {
      const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: [alice.userPrincipalName, "ghost@contoso.com"] }) });
      assertProblem(res, 400, "invalid-body");
      assert.deepEqual(res.body.errors, [{ field: "selection.users[1]", message: "There is no user ghost@contoso.com in this tenant." }]);
    });
  });

  describe("every selection: 202, the card in the approval channel with the incident, GET shows it pending", () => {
    async function proposes(selection: Record<string, unknown>, expectedIds: string[]) {
      const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal(selection) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const { requestId, statusUrl } = res.body as { requestId: string; statusUrl: string };
      assert.equal(statusUrl, `/api/requests/${requestId}`);
      assert.equal(res.headers.get("location"), statusUrl);
      const card = lastConfirmCard(h, APPROVAL);
      assert.equal(card.requestId, requestId);
      const text = cardText(card.card);
      assert.ok(text.includes(incident.title), text);
      assert.ok(text.includes("Contoso Sentinel Playbook"), text);
      assert.ok(text.includes("proposed by automation"), text);
      assert.ok(text.includes("Automation proposed it and cannot approve it") && !text.includes("cancel R-"), text);
      const read = await h.api("GET", `${statusUrl}?limit=200`, { token: sentinel });
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.state, "pending");
      assert.equal(read.body.decision, null);
      assert.deepEqual(read.body.incident, incident);
      assert.deepEqual(read.body.requestedBy, { kind: "app", id: SENTINEL_APP_ID, name: "Contoso Sentinel Playbook (app)" });
      assert.equal(read.body.targetCount, expectedIds.length);
      assert.equal(read.body.counts.pending, expectedIds.length);
      assert.deepEqual((read.body.targets as Array<{ userId: string }>).map((t) => t.userId).sort(), [...expectedIds].sort());
      return requestId;
    }

    it("users (breakglass left out as protected)", async () => {
      const id = await proposes({ users: [alice.userPrincipalName, bob.id, breakglass.userPrincipalName] }, [alice.id, bob.id]);
      const read = await h.api("GET", `/api/requests/${id}`, { token: sentinel });
      assert.equal(read.body.excludedCount, 1);
    });

    it("department", async () => {
      const expected = h.sim.tenant.listUsers().filter((u) => u.department?.toLowerCase() === "finance" && u.userType === "Member" && u.id !== breakglass.id);
      assert.ok(expected.length >= 2);
      await proposes({ department: "Finance" }, expected.map((u) => u.id));
    });

    it("disabled", async () => {
      const expected = h.sim.tenant.listUsers().filter((u) => !u.accountEnabled && u.userType === "Member" && u.id !== breakglass.id);
      await proposes({ disabled: true }, expected.map((u) => u.id));
    });

    it("containment options: resetPassword and confirmCompromised are stored with the request and audited", async () => {
      const res = await h.api("POST", "/api/requests", {
        token: sentinel,
        body: proposal({ users: [alice.userPrincipalName] }, { options: { resetPassword: true, confirmCompromised: true }, idempotencyKey: `containment-${Date.now()}` }),
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const requestId = res.body.requestId as string;
      await h.bot.idle();
      const created = (await h.auditEntries()).find((e) => e.requestId === requestId && e.action === "request.created");
      assert.equal(created?.details.resetPassword, true, JSON.stringify(created?.details));
      assert.equal(created?.details.confirmCompromised, true, JSON.stringify(created?.details));
    });

    it("ip with since", async () => {
      const since = Date.now() - 24 * 3_600_000;
      // Successful sign-ins only (a failed one never chooses a target), and interactive ones: what Graph v1.0's sign-in log lists.
      const ids = new Set(
        h.sim.tenant.signIns
          .filter((s) => s.isInteractive !== false && s.ipAddress === HOSTILE_IP && Date.parse(s.createdDateTime) >= since && s.status.errorCode === 0)
          .map((s) => s.userId.toLowerCase()),
      );
      const expected = h.sim.tenant.listUsers().filter((u) => ids.has(u.id.toLowerCase()) && u.userType === "Member" && u.id !== breakglass.id);
      assert.ok(expected.some((u) => u.id === alice.id) && !expected.some((u) => u.id === oneil.id));
      await proposes({ ip: HOSTILE_IP, since: new Date(since).toISOString() }, expected.map((u) => u.id));
    });
  });

  describe("idempotency", () => {
    it("the same key returns the same request (one card); the same key with another body is refused", async () => {
      const body = proposal({ users: [alice.userPrincipalName] });
      const cardsBefore = h.connector.in(APPROVAL).filter((c) => c.kind !== "update").length;
      const first = await h.api("POST", "/api/requests", { token: sentinel, body });
      assert.equal(first.status, 202);
      const second = await h.api("POST", "/api/requests", { token: sentinel, body });
      assert.equal(second.status, 202);
      assert.equal(second.body.requestId, first.body.requestId);
      assert.equal(second.headers.get("idempotent-replayed"), "true");
      assert.equal(h.connector.in(APPROVAL).filter((c) => c.kind !== "update").length, cardsBefore + 1, "one card for both calls");
      const other = await h.api("POST", "/api/requests", { token: sentinel, body: { ...body, reason: "another reason" } });
      assertProblem(other, 422, "idempotency-key-reused");
      assert.equal(other.body.errors[0].field, "idempotencyKey");
      const created = (await h.auditEntries()).filter((e) => e.action === "request.created" && e.requestId === first.body.requestId);
      assert.equal(created.length, 1);
    });
  });

  describe("reading", () => {
    it("unknown or malformed IDs: 404 problem; the reader app reads any request, the proposer only its own; bad query: 400", async () => {
      assertProblem(await h.api("GET", "/api/requests/R-ZZZZZZZZZZ", { token: sentinel }), 404, "not-found");
      assertProblem(await h.api("GET", "/api/requests/..%2F..%2Fetc", { token: sentinel }), 404, "not-found");
      const made = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: [bob.userPrincipalName] }) });
      assert.equal(made.status, 202);
      const read = await h.api("GET", made.body.statusUrl, { token: reporting });
      assert.equal(read.status, 200);
      // A chat request is not the Sentinel app's: 404 for it, readable with Revocation.Read.
      assert.equal((await h.say("sam", `revoke user ${oneil.userPrincipalName} --reason "chat"`, h.channel("soc-approvals"))).status, 200);
      const chat = lastConfirmCard(h, APPROVAL);
      assertProblem(await h.api("GET", `/api/requests/${chat.requestId}`, { token: sentinel }), 404, "not-found");
      assert.equal((await h.api("GET", `/api/requests/${chat.requestId}`, { token: reporting })).status, 200);
      const bad = await h.api("GET", `${made.body.statusUrl}?limit=0&page=2`, { token: sentinel });
      assertProblem(bad, 400, "invalid-body");
      assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ["limit", "page"]);
      assertProblem(await h.api("GET", `${made.body.statusUrl}?cursor=bm9wZQ`, { token: sentinel }), 400, "invalid-body");
    });
  });

  describe("a card that cannot be posted", () => {
    it("withdraws its request and answers 502: nothing waits where no approver can see it", async () => {
      h.connector.failNext.push({ status: 403, when: (activity) => (activity.summary ?? "").endsWith("waiting for a decision.") });
      const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: [alice.userPrincipalName] }) });
      assertProblem(res, 502, "approval-post-failed");
      const requestId = /R-[0-9A-Z]{10}/.exec(res.body.detail as string)?.[0];
      assert.ok(requestId !== undefined, res.body.detail);
      const read = await h.api("GET", `/api/requests/${requestId}`, { token: sentinel });
      assert.equal(read.body.state, "cancelled");
      assert.equal(read.body.decision.outcome, "withdrawn");
      const entries = (await h.auditEntries()).filter((e) => e.requestId === requestId).map((e) => e.action);
      assert.deepEqual(entries, ["request.created", "request.cancelled"]);
    });
  });

  describe("the full cycle", () => {
    it("Sentinel proposes; val (a revoker, no approver) cannot approve; riley approves on the card; GET shows every outcome, paged", async () => {
      const targets = [alice, bob, oneil];
      const res = await h.api("POST", "/api/requests", { token: sentinel, body: proposal({ users: targets.map((t) => t.userPrincipalName) }, { options: { disable: false } }) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const requestId = res.body.requestId as string;
      const card = lastConfirmCard(h, APPROVAL);
      assert.equal(card.requestId, requestId);
      const channel = h.channel("soc-approvals");

      const refused = await h.click("val", Verbs.approve, { requestId }, card.call.id, channel);
      assert.equal(refused.status, 200);
      assert.ok(cardText(refused.body).includes("Only members of an approver group"), cardText(refused.body));
      assert.equal((await h.api("GET", `/api/requests/${requestId}`, { token: sentinel })).body.state, "pending");

      const approved = await h.click("riley", Verbs.approve, { requestId, comment: "confirmed with the incident" }, card.call.id, channel);
      assert.equal(approved.status, 200);
      assert.ok(cardText(approved.body).includes(`Approved by ${riley.displayName}`), cardText(approved.body));
      await h.bot.idle();

      let read = await h.api("GET", `/api/requests/${requestId}`, { token: sentinel });
      for (let i = 0; i < 100 && read.body.state !== "completed"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        read = await h.api("GET", `/api/requests/${requestId}`, { token: sentinel });
      }
      assert.equal(read.body.state, "completed", JSON.stringify(read.body.targets));
      assert.equal(read.body.decision.outcome, "approved");
      assert.deepEqual(read.body.decision.by, { kind: "person", id: riley.id, name: riley.displayName });
      assert.equal(read.body.decision.comment, "confirmed with the incident");
      assert.ok(!Number.isNaN(Date.parse(read.body.decision.at)));
      assert.equal(read.body.counts.revokedVerified + read.body.counts.revokedUnverified, 3);
      assert.equal(read.body.counts.pending, 0);
      assert.ok(!JSON.stringify(read.body).includes("@thread"), "no Teams conversation ID in the answer");

      // Paged one at a time: every target once, each with its outcome.
      const seen: string[] = [];
      let path: string | undefined = `/api/requests/${requestId}?limit=1`;
      while (path !== undefined) {
        const page: ApiAnswer = await h.api("GET", path, { token: sentinel });
        assert.equal(page.status, 200);
        assert.equal(page.body.targets.length, 1);
        for (const t of page.body.targets) {
          assert.ok(t.outcome === "revokedVerified" || t.outcome === "revokedUnverified", JSON.stringify(t));
          seen.push(t.userId);
        }
        path = page.body.links.next;
      }
      assert.deepEqual(seen.sort(), targets.map((t) => t.id).sort());
      for (const t of targets) assert.notEqual(h.sim.tenant.userById(t.id)?.signInSessionsValidFromDateTime, "2025-09-01T08:00:00Z");

      // The app is the actor of what it did; riley of the approval.
      const entries = (await h.auditEntries()).filter((e) => e.requestId === requestId);
      const created = entries.find((e) => e.action === "request.created");
      assert.equal(created?.actor?.aadObjectId, `app:${SENTINEL_APP_ID}`);
      assert.deepEqual((created?.details as { incident?: unknown }).incident, incident);
      assert.equal(entries.find((e) => e.action === "request.approved")?.actor?.aadObjectId, riley.id);
      assert.ok(entries.some((e) => e.action === "decision.refused" && e.actor?.aadObjectId === val.id));
    });
  });
});

describe("e2e: the automation API's rate limit", function () {
  this.timeout(30_000);
  const h = useWorld({ env: { APPROVAL_CHANNEL_ID: APPROVAL, API_REQUESTS_PER_MINUTE: "2" } });

  it("the third POST in a minute from one app gets 429 with Retry-After; another app is not held back", async () => {
    const sentinel = await h.apiToken(SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET);
    const bad = { selection: {} };
    for (let i = 0; i < 2; i++) assertProblem(await h.api("POST", "/api/requests", { token: sentinel, body: bad }), 400, "invalid-body");
    const limited = await h.api("POST", "/api/requests", { token: sentinel, body: bad });
    assertProblem(limited, 429, "rate-limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    const reporting = await h.apiToken(REPORTING_APP_ID, REPORTING_CLIENT_SECRET);
    assertProblem(await h.api("POST", "/api/requests", { token: reporting, body: bad }), 403, "missing-role");
  });

  it("without a reachable approval channel nothing is requested: 503 problem", async () => {
    const reporting = await h.apiToken(REPORTING_APP_ID, REPORTING_CLIENT_SECRET);
    assert.ok(reporting.length > 0);
    // The Sentinel app is rate limited here; the Payroll app gets the role for this test.
    h.sim.tenant.assignAppRole(PAYROLL_APP_ID, h.sim.clientId, "Revocation.Request");
    const payroll = await h.apiToken(PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET);
    h.sim.clearRequests();
    const res = await h.api("POST", "/api/requests", { token: payroll, body: proposal({ users: [alice.userPrincipalName] }) });
    assertProblem(res, 503, "no-approval-channel");
    assert.equal(graphCalls(h), 0);
  });
});
