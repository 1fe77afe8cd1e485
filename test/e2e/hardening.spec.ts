/**
 * Issue 10's protections through the real HTTP endpoint: the message cap, the pending cap,
 * markdown escaping of user-controlled text, `status` auditing, and the audit channel's move.
 */
import assert from "node:assert/strict";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { MAX_MESSAGE_LENGTH } from "../../src/bot/commands/parse.js";
import { WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { cardText, lastConfirmCard } from "./cards.js";
import { startHarness, useWorld, type Harness } from "./harness.js";

/** 200,000 characters of each shape that once made a pattern backtrack, or could. */
const LONG_SHAPES: Record<string, string> = {
  "<": "<",
  "<a": "<a",
  '"': '"',
  '--reason "': '--reason "',
  // Spaces alone are trimmed to an empty message by Teams' SDK; between words they are kept.
  "spaces between words": "revoke                                                  x",
  "<at>": "<at>",
  "<at>x</at": "<at>x</at",
  "revoke user a@": "revoke user a@",
  "&lt;": "&lt;",
  "[](": "[](",
};
const LONG = 200_000;

function fill(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

describe("e2e: hardening (issue 10)", function () {
  this.timeout(60_000);

  describe("messages longer than the cap", () => {
    const h = useWorld({}, "test");

    it("a 200,000-character message of any shape is answered 'too long' and nothing else happens; the event loop never stalls long", async () => {
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      const handling: string[] = [];
      for (const [name, unit] of Object.entries(LONG_SHAPES)) {
        for (const [who, conversation] of [
          ["sam", h.personal("sam")],
          ["nina", h.channel("incident")],
        ] as const) {
          const text = fill(unit, LONG);
          // Graph calls only: the bot's reply fetches its connector token from the simulator's login.
          const graphCalls = () => h.sim.requests.filter((r) => r.path.startsWith("/v1.0/")).length;
          const graphBefore = graphCalls();
          const auditBefore = (await h.auditEntries()).length;
          const repliesBefore = h.connector.in(conversation.id).length;
          histogram.enable();
          const started = performance.now();
          const res = await h.say(who, text, conversation);
          handling.push(`${(performance.now() - started).toFixed(0)} ms ${JSON.stringify(name)}`);
          histogram.disable();
          const replies = h.connector.in(conversation.id).slice(repliesBefore);
          if (res.status === 413) {
            // Escaped in JSON (a `"` is two bytes), the body is over the endpoint's 256 KB: refused
            // before it is read, which is earlier still.
            assert.equal(replies.length, 0, `${name}: a refused body gets no reply`);
            assert.equal(graphCalls(), graphBefore, `${name}: Graph was not called`);
            assert.equal((await h.auditEntries()).length, auditBefore, `${name}: nothing was audited or changed`);
            continue;
          }
          assert.equal(res.status, 200, name);
          assert.equal(replies.length, 1, `${name}: exactly one reply`);
          const reply = replies[0]?.activity.text ?? "";
          assert.match(reply, /characters long; I read messages of at most 16,384 characters/, `${name}: says the limit`);
          assert.match(reply, /nothing was done/, `${name}: says nothing happened`);
          assert.match(reply, /Send one command per message, and split a long list of users over several requests/, `${name}: says what to do`);
          assert.equal(graphCalls(), graphBefore, `${name}: Graph was not called (not even for a role)`);
          assert.equal((await h.auditEntries()).length, auditBefore, `${name}: nothing was audited or changed`);
        }
      }
      const worstMs = histogram.max / 1e6;
      console.log(
        `      worst event-loop stall over ${Object.keys(LONG_SHAPES).length * 2} messages of ${LONG.toLocaleString("en-US")} characters: ${worstMs.toFixed(1)} ms ` +
          `(p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms); slowest round trips: ${handling.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a)).slice(0, 3).join(", ")}`,
      );
      // A command at the cap is still read: the cap is not a blanket refusal.
      await h.say("sam", `help${" ".repeat(MAX_MESSAGE_LENGTH - 10)}`);
      assert.ok(h.connector.texts(h.personal("sam").id).at(-1)?.includes("**Commands**"));
    });
  });

  describe("the pending cap", () => {
    const h = useWorld({ env: { MAX_PENDING_PER_REQUESTER: "5" } }, "test");

    it("refuses the 6th pending request with a clear reply, audits it as request.refused, and allows one again after a withdrawal", async () => {
      const conv = h.personal("sam");
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        await h.say("sam", `revoke user alice@contoso.com --reason "cap ${i}"`);
        ids.push(lastConfirmCard(h, conv.id).requestId);
      }
      assert.equal(new Set(ids).size, 5, "five requests");
      const graphBefore = h.sim.requests.filter((r) => r.path.includes("/users/alice")).length;
      await h.say("sam", 'revoke user alice@contoso.com --reason "the sixth"');
      const reply = h.connector.texts(conv.id).at(-1) ?? "";
      assert.match(reply, /Nothing was requested: you already have 5 pending requests, the most one person may have open at once\./);
      assert.match(reply, /Type `pending` to see them \(each with its ID\), and withdraw one with `cancel` and its ID/, "says what to do");
      assert.ok(!reply.includes("<request-id>"), "no placeholder");
      assert.equal(lastConfirmCard(h, conv.id).requestId, ids[4], "no sixth card");
      assert.equal(h.sim.requests.filter((r) => r.path.includes("/users/alice")).length, graphBefore, "no target was looked up");
      const refused = (await h.auditEntries()).filter((e) => e.action === "request.refused");
      assert.equal(refused.length, 1);
      assert.equal(refused[0]?.actor?.aadObjectId, WELL_KNOWN.sam.id);
      assert.match(String(refused[0]?.details.reason), /MAX_PENDING_PER_REQUESTER=5/);

      // Other people are not affected, and a withdrawal makes room.
      await h.say("val", "revoke user alice@contoso.com");
      assert.ok(lastConfirmCard(h, h.personal("val").id).requestId.startsWith("R-"));
      await h.say("sam", `cancel ${ids[0]}`);
      await h.say("sam", 'revoke user alice@contoso.com --reason "room again"');
      assert.notEqual(lastConfirmCard(h, conv.id).requestId, ids[4], "a new request after the withdrawal");
    });
  });

  describe("user-controlled text in chat and on cards", () => {
    const h = useWorld({}, "test");

    it("a reason like [click here](https://evil) shows escaped on the card and in `pending`; display names and departments are escaped in `status`", async () => {
      const reason = "[click here](https://evil.example/phish) **urgent** <b>x</b>";
      await h.say("sam", `revoke user alice@contoso.com --reason "${reason}"`);
      const { card } = lastConfirmCard(h, h.personal("sam").id);
      const text = cardText(card);
      assert.ok(!text.includes("[click here](https://"), "no link on the card");
      // (Teams markup such as <b> is stripped from typed text before anything else.)
      assert.ok(text.includes(JSON.stringify("\\[click here\\]\\(https://evil.example/phish\\) \\*\\*urgent\\*\\* x").slice(1, -1)), text);

      await h.say("sam", "pending");
      const listed = h.lastText("sam");
      assert.ok(listed.includes("reason: \\[click here\\]\\(https://evil.example/phish\\)"), listed);

      const alice = h.sim.tenant.userById(WELL_KNOWN.alice.id);
      assert.ok(alice !== undefined);
      alice.displayName = "[Approve](https://evil.example) #admin";
      alice.department = "Sales\n# Heading | x";
      await h.say("sam", "status alice@contoso.com");
      const status = h.lastText("sam");
      assert.ok(status.startsWith("**\\[Approve\\]\\(https://evil.example\\) \\#admin** (alice@contoso.com)"), status);
      assert.ok(status.includes("department Sales \\# Heading \\| x"), status);
    });

    it("status lookups are audited as status.viewed: who looked up whom, found or not", async () => {
      await h.say("riley", "status alice@contoso.com");
      await h.say("riley", "status nobody@contoso.com");
      await h.say("nina", "status alice@contoso.com"); // no role: refused, not a lookup
      const viewed = (await h.auditEntries()).filter((e) => e.action === "status.viewed");
      assert.equal(viewed.length, 2);
      assert.equal(viewed[0]?.actor?.aadObjectId, WELL_KNOWN.riley.id);
      assert.deepEqual(
        viewed.map((e) => [e.details.lookedUp, e.details.found, e.details.userId]),
        [
          ["alice@contoso.com", true, WELL_KNOWN.alice.id],
          ["nobody@contoso.com", false, undefined],
        ],
      );
    });
  });

  describe("the audit channel", () => {
    // Each test starts the bot with the audit channel it is about.
    let h: Harness;
    afterEach(async () => {
      await h?.close();
    });

    it("with AUDIT_CHANNEL_ID set, `audit here` changes nothing and says why; the refusal is audited", async () => {
      const configured = "19:configured-audit@thread.tacv2";
      h = await startHarness({ env: { AUDIT_CHANNEL_ID: configured } });
      const elsewhere = h.channel("elsewhere");
      await h.say("riley", "audit here", elsewhere);
      const reply = h.connector.texts(elsewhere.id).at(-1) ?? "";
      assert.match(reply, /Nothing was changed: the audit channel is fixed in the bot's configuration/);
      assert.match(reply, /an administrator changes the bot's configuration/);
      const entries = await h.auditEntries();
      assert.ok(!entries.some((e) => e.action === "audit.channel.set" || e.action === "audit.channel.moved"));
      assert.ok(entries.some((e) => e.action === "request.refused" && String(e.details.reason).includes("AUDIT_CHANNEL_ID")));
      // Audit posts still go to the configured channel, not here.
      await h.say("nina", "revoke user alice@contoso.com");
      await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === configured && c.activity.attachments !== undefined), 10_000, "an audit post in the configured channel");
      assert.ok(!h.connector.in(elsewhere.id).some((c) => c.activity.attachments !== undefined), "none in the channel where audit here was said");
    });

    it("a move is announced in the old channel (where posts go now, who moved them) and audited as audit.channel.moved", async () => {
      h = await startHarness();
      const first = h.channel("secops-old");
      const second = h.channel("secops-new");
      await h.say("riley", "audit here", first);
      await h.say("sam", "audit here", second);
      assert.ok(h.connector.texts(second.id).some((t) => t.includes("now receives the audit posts")));
      const notice = h.connector.texts(first.id).find((t) => t.startsWith("Audit posts have moved"));
      assert.ok(notice !== undefined, "the old channel is told");
      assert.ok(notice.includes(WELL_KNOWN.sam.displayName) && notice.includes("typed `audit here`"), notice);
      assert.ok(!notice.includes(second.id) && !notice.includes("@thread"), `channels by name, never by thread ID: ${notice}`);
      const moved = (await h.auditEntries()).filter((e) => e.action === "audit.channel.moved");
      assert.equal(moved.length, 1);
      assert.deepEqual([moved[0]?.actor?.aadObjectId, moved[0]?.details.from, moved[0]?.details.to], [WELL_KNOWN.sam.id, first.id, second.id]);
      // Saying it again where it already is changes nothing.
      await h.say("sam", "audit here", second);
      assert.ok(h.connector.texts(second.id).at(-1)?.includes("already receives"));
      assert.equal((await h.auditEntries()).filter((e) => e.action === "audit.channel.moved").length, 1);
    });
  });
});
