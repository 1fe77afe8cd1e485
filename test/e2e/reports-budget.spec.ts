/**
 * One reports budget through the real server: Microsoft documents the identity and access reports
 * API (the sign-in log) at 5 requests per 10 s per app and tenant, and the simulator answers 429
 * with Retry-After past that. With the watch sweeping a department as fast as its share allows,
 * two `status` and a `revoke ip` in the same seconds must not take the bot past the 5: status
 * takes the place the watch leaves or says when to ask again, and revoke ip goes first.
 */
import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { HOSTILE_IPV4 } from "@teams-revoke-bot/graph-simulator";
import { lastConfirmCard, waitForState } from "./cards.js";
import { useWorld, type Harness } from "./harness.js";

const DEPARTMENT = "Field Sales";

const signInReads = (h: Harness) => h.sim.requests.filter((r) => r.method === "GET" && r.path === "/v1.0/auditLogs/signIns");

describe("e2e: every sign-in log reader shares the reports API's 5 per 10 s", function () {
  this.timeout(90_000);
  const h = useWorld({
    sim: { bulkDepartment: { name: DEPARTMENT, count: 300, guestRate: 0 } },
    watchOptions: { tickMs: 50, sweepIntervalMs: 4000, postIntervalMs: 60_000 },
    env: { WATCH_HOURS: "24" },
  });
  const channel = () => h.channel("incident");

  it("a sweeping watch, two status and a revoke ip in the same seconds: no 429; status says when to ask again; the card comes", async () => {
    await h.say("val", `revoke department "${DEPARTMENT}" --reason "phishing wave"`, channel());
    const { call, requestId } = lastConfirmCard(h, channel().id);
    assert.equal((await h.clickInThread("riley", Verbs.approve, { requestId }, call)).status, 200);
    await waitForState(h, requestId, ["completed", "failed"], 30_000);

    // The watch reads 15 users a request: 20 requests a sweep, at its share (3 per window) for a minute.
    const until = Date.now() + 20_000;
    while (signInReads(h).filter((r) => (r.query.$filter ?? "").includes("userId eq")).length < 4) {
      assert.ok(Date.now() < until, "the watch did not start reading");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = h.sim.stats().reports;
    await h.say("sam", "status alice@contoso.com");
    await h.say("sam", "status bob.stone@contoso.com");
    await h.say("val", `revoke ip ${HOSTILE_IPV4} --reason "same campaign"`, channel());
    const card = lastConfirmCard(h, channel().id);
    assert.notEqual(card.requestId, requestId, "revoke ip's card came");

    const after = h.sim.stats().reports;
    assert.ok(after.accepted > before.accepted, "reads went on");
    assert.equal(after.throttled, 0, "no reader went past Microsoft's 5 per 10 s");
    const statusTexts = h.connector.texts(h.personal("sam").id).join("\n");
    assert.ok(/ask again in \d+ s/.test(statusTexts), `one status is told when to ask again: ${statusTexts}`);
    assert.ok(!/\d\dT\d\d:\d\d/.test(statusTexts), "no ISO stamp in what sam reads");
  });
});
