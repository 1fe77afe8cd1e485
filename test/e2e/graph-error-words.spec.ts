import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { REPORTING_APP_ID, REPORTING_CLIENT_SECRET, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { cardText, lastConfirmCard, storedRequest } from "./cards.js";
import { useWorld } from "./harness.js";

const { alice, bob, oneil } = WELL_KNOWN;

/** Text Graph's error messages carry in this test: it must reach the log only. */
const MARKER = "GRAPH-SAYS-7Q3Z";

const graphError = (code: string, suffix: string) => ({
  error: { code, message: `${MARKER} ${suffix}`, innerError: { date: new Date().toISOString(), "request-id": "00000000-0000-4000-8000-00000000e22a" } },
});

/**
 * Issue 22 (low): Graph's own error messages are for the log. A person reads fixed sentences (the
 * cause and the fix) in chat, on cards and in the API's outcome details, whatever Graph wrote.
 */
describe("e2e: Graph's own error messages never reach a person (issue 22, low)", function () {
  this.timeout(60_000);
  let logLines: string[] = [];
  const h = useWorld(() => {
    logLines = [];
    return { env: { FOUR_EYES_MIN_TARGETS: "5", DISABLE_NEEDS_SECOND_PERSON: "false" }, logLines };
  }, "test");

  it("a 400 and a 409 from Graph (in a $batch and on a plain read) show fixed sentences in chat, on the card and in the API; Graph's words are in the log", async () => {
    // `status`: the user read fails with a 400 carrying the marker.
    h.sim.injectFault({ method: "GET", path: new RegExp(`/users/(${oneil.id}|${encodeURIComponent(oneil.userPrincipalName)}|${oneil.userPrincipalName.replace(/[.$']/g, "\\$&")})`, "i"), status: 400, times: 5, body: graphError("Request_BadRequest", "status read") });
    assert.equal((await h.say("val", `status ${oneil.id}`)).status, 200);

    // A revocation: alice's revocation is refused with a 400, bob's disable with a 409, each
    // inside the $batch (an item's error), with the marker in Graph's message.
    h.sim.injectFault({ method: "POST", path: new RegExp(`/users/${alice.id}/revokeSignInSessions$`, "i"), status: 400, times: 5, body: graphError("Request_BadRequest", "<b>revoke</b>") });
    h.sim.injectFault({ method: "PATCH", path: new RegExp(`/users/${bob.id}$`, "i"), status: 409, times: 5, body: graphError("Request_Conflict", "disable") });
    assert.equal((await h.say("val", `revoke user ${alice.userPrincipalName} ${bob.userPrincipalName} --disable --reason "marker test"`)).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    assert.equal((await h.click("val", Verbs.approve, { requestId: mine.requestId }, mine.call.id)).status, 200);
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind === "update" && c.activityId === mine.call.id && /finished with failures|could not|failed/i.test(cardText(c.activity)) && !/Starting|of 2 done/.test(cardText(c.activity))),
      20_000,
      "the final card",
    );
    await h.bot.idle();

    const stored = await storedRequest(h, mine.requestId);
    const aliceOutcome = stored?.outcomes.find((o) => o.userId === alice.id);
    const bobOutcome = stored?.outcomes.find((o) => o.userId === bob.id);
    assert.equal(aliceOutcome?.status, "failed");
    assert.match(aliceOutcome?.detail ?? "", /as invalid \(400\); Graph's own explanation is in the bot's log/);
    assert.match(bobOutcome?.detail ?? "", /could not be disabled: Microsoft Graph answered 409/);

    // The API's outcome details.
    const reporting = await h.apiToken(REPORTING_APP_ID, REPORTING_CLIENT_SECRET);
    const read = await h.api("GET", `/api/requests/${mine.requestId}`, { token: reporting });
    assert.equal(read.status, 200);
    assert.ok(!JSON.stringify(read.body).includes(MARKER), `the API answer quotes Graph: ${JSON.stringify(read.body)}`);

    // Everything a person read: chat messages, cards, invoke answers.
    const shown = h.connector.calls.map((c) => `${c.activity.text ?? ""} ${cardText(c.activity)} ${JSON.stringify(c.activity.attachments ?? [])}`);
    assert.ok(shown.length > 0);
    assert.deepEqual(shown.filter((s) => s.includes(MARKER)), [], "no message or card quotes Graph");
    const statusReply = h.connector.texts(h.personal("val").id).find((t) => /Microsoft Graph/.test(t)) ?? "";
    assert.match(statusReply, /Microsoft Graph/, "the status reply names Graph's refusal");
    // The audit trail's posts are for people too.
    const entries = await h.auditEntries();
    assert.ok(entries.length > 0);
    assert.ok(!JSON.stringify(entries.map((e) => e.details)).includes(MARKER), "the audit entries (posted to the channel) do not quote Graph");
    // Graph's words are kept for the operators, in the log.
    assert.ok(logLines.some((l) => l.includes(MARKER)), "Graph's message is in the log");
  });
});
