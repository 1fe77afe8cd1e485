import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import { main as outboxMain } from "../../src/cli/audit-outbox.js";
import { liveMarkdown, shownTexts } from "../cards/live-markdown.js";
import { messageActivity } from "../fakes/activities.js";
import type { ConnectorCall } from "../fakes/connector.js";
import { captureOutput } from "../support/captured-output.js";
import { answerMessage, cardIn, lastConfirmCard } from "./cards.js";
import { useWorld, type Harness } from "./harness.js";

/**
 * The audit channel through the real endpoints: what outsiders put in an entry cannot become a
 * link in its post (issue 22 #4), and posts are neither lost nor reordered while the channel
 * cannot be reached, nor silently missing when Teams refuses one for its content (issue 22 #8).
 */

const AUDIT_CHANNEL = "19:secops-audit@thread.tacv2";
const LINK = "[x](https://evil.example)";
/** LINK as the escaped text shows it inside a card's JSON. */
const ESCAPED_LINK = JSON.stringify("\\[x\\]\\(https://evil.example\\)").slice(1, -1);

/** The audit posts (cards with an "audit #N" subtitle, and text notes) delivered to the audit channel, in order. */
function auditPosts(h: Harness): Array<{ call: ConnectorCall; seq: number | undefined; text: string }> {
  return h.connector
    .in(AUDIT_CHANNEL)
    .filter((c) => c.kind !== "update")
    .map((call) => {
      const text = JSON.stringify(cardIn(call) ?? call.activity.text ?? "");
      const seq = /audit \\\\?#(\d+)/.exec(text)?.[1] ?? /^"Audit entry #(\d+)/.exec(text)?.[1];
      return { call, seq: seq === undefined ? undefined : Number(seq), text };
    })
    .filter((p) => p.seq !== undefined);
}

/** The bot installed in the audit channel, and idle (its install posted). */
function useWorldWithAuditChannel(lifetime: "suite" | "test"): Harness {
  const h = useWorld({ env: { AUDIT_CHANNEL_ID: AUDIT_CHANNEL }, installedIn: ["secops-audit"] }, lifetime);
  (lifetime === "test" ? beforeEach : before)(() => h.bot.idle());
  return h;
}

describe("e2e: audit posts show outside values as typed, never as links", function () {
  this.timeout(30_000);
  const h = useWorldWithAuditChannel("suite");

  it("a forged click naming [x](https://evil.example) and a foreign tenant named with markdown: their audit posts carry no live link or markdown", async () => {
    await h.say("sam", "revoke user alice@contoso.com");
    const { call } = lastConfirmCard(h, h.personal("sam").id);
    const forged = await h.click("riley", Verbs.approve, { requestId: LINK }, call.id, h.personal("riley"));
    assert.equal(forged.status, 200);
    answerMessage(forged.body);
    const tenant = `# ${LINK}`;
    const foreign = messageActivity(h.connector.url, h.user("sam"), { ...h.personal("sam"), tenantId: tenant }, "revoke user alice@contoso.com");
    assert.equal((await h.post(foreign)).status, 403);
    await h.bot.idle();
    const entries = await h.auditEntries();
    assert.ok(entries.some((e) => e.action === "decision.refused" && e.details.claimedRequestId === LINK), "the forged ID is recorded as sent");
    assert.ok(entries.some((e) => e.action === "activity.refused" && e.details.tenantId === tenant), "the foreign tenant is recorded as sent");

    await h.connector.waitFor(() => auditPosts(h).filter((p) => p.text.includes("evil.example")).length >= 2, 10_000, "both refusals posted");
    const posts = auditPosts(h);
    const refusedClick = posts.find((p) => p.text.includes("click on Approve was refused"));
    const refusedTenant = posts.find((p) => p.text.includes("outside the allowed tenants"));
    assert.ok(refusedClick !== undefined && refusedTenant !== undefined, JSON.stringify(posts.map((p) => p.text)));
    assert.ok(refusedClick.text.includes(`"title":"Request named","value":"${ESCAPED_LINK}"`), refusedClick.text);
    assert.ok(refusedTenant.text.includes(`"title":"Tenant","value":"\\\\# ${ESCAPED_LINK}"`), refusedTenant.text);
    for (const post of posts) {
      for (const { at, text } of shownTexts(cardIn(post.call))) assert.equal(liveMarkdown(text), undefined, `audit #${post.seq} ${at}: ${text}`);
    }
  });
});

describe("e2e: audit posts while the bot cannot reach the audit channel", function () {
  this.timeout(60_000);
  const h = useWorldWithAuditChannel("test");

  it("403 from the channel: posts are held in order, /readyz and audit:outbox say since when, the requester's thread is told; added back, all are posted in order at once", async () => {
    const before = auditPosts(h).length;
    // A team owner removes the bot from the team: Teams answers every post into the channel with 403.
    h.connector.refuseConversation(AUDIT_CHANNEL, 403);
    await h.say("sam", 'revoke user alice@contoso.com --reason "phished"');
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    await h.bot.idle();

    // The requester's chat hears why the audit channel shows nothing, once.
    await h.connector.waitFor(() => h.connector.texts(h.personal("sam").id).some((t) => t.includes("audit channel cannot be reached")), 10_000, "the alert in sam's chat");
    const alerts = h.connector.in(h.personal("sam").id).filter((c) => (c.activity.text ?? "").includes("audit channel cannot be reached"));
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.activityId, call.id, "a reply to the request's card");

    const ready = await fetch(`${h.bot.url}/readyz`);
    assert.equal(ready.status, 200, "the bot still serves: only its audit posts wait");
    const report = (await ready.json()) as { checks: Record<string, string>; auditPosts?: { waiting: number; setAside: number; blocked?: { since: string; status: number } } };
    assert.equal(report.auditPosts?.setAside, 0);
    assert.ok((report.auditPosts?.waiting ?? 0) >= 3, JSON.stringify(report));
    assert.equal(report.auditPosts?.blocked?.status, 403);
    assert.ok(Date.now() - Date.parse(report.auditPosts?.blocked?.since ?? "") < 30_000, JSON.stringify(report));
    assert.match(report.checks.auditChannel ?? "", /^blocked: the audit channel cannot be reached \(Teams answered 403\)/);

    const listed = captureOutput();
    assert.equal(await outboxMain([], listed.streams, { DATABASE_URL: h.databaseUrl }), 0, listed.stderr());
    assert.match(listed.stdout(), /\nblocked since \d{4}-\d\d-\d\d \d\d:\d\d UTC: the bot cannot reach the audit channel \(Teams answered 403\)/);

    // Let the retries back off (1 s, 2 s, then 4 s): the next one is seconds away.
    await h.connector.waitFor(() => h.connector.refused.length >= 3, 10_000, "three refused tries");
    assert.equal(auditPosts(h).length, before, "nothing reached the channel meanwhile");

    // The bot is added back to the team: Teams sends conversationUpdate; the held posts go at once, in order.
    h.connector.allowConversation(AUDIT_CHANNEL);
    const addedBack = Date.now();
    await h.install("secops-audit");
    const posted = (await h.auditEntries()).filter((e) => ["request.created", "request.approved", "revocation.started", "revocation.completed"].includes(e.action));
    assert.equal(posted.length, 4, JSON.stringify(posted.map((e) => e.action)));
    await h.connector.waitFor(() => auditPosts(h).length >= before + posted.length, 2000, "the held posts, at once");
    assert.ok(Date.now() - addedBack < 2500);
    const seqs = auditPosts(h).slice(before).map((p) => p.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)), "in the order of the audit log");
    assert.deepEqual(seqs, posted.map((e) => e.seq));
    await h.bot.idle();
    const cleared = captureOutput();
    assert.equal(await outboxMain([], cleared.streams, { DATABASE_URL: h.databaseUrl }), 0, cleared.stderr());
    assert.equal(cleared.stdout(), "0 waiting, 0 set aside\n", "no longer blocked");
  });

  it("413 for one post's content: it is set aside after a retry and a note takes its place; later posts go ahead in order", async () => {
    const tooBig = (activity: { summary?: string }) => /^Audit #\d+: .* asked to revoke/.test(activity.summary ?? "");
    h.connector.failNext.push({ status: 413, when: tooBig }, { status: 413, when: tooBig });
    const before = auditPosts(h).length;
    await h.say("sam", "revoke user alice@contoso.com");
    const { call, requestId } = lastConfirmCard(h, h.personal("sam").id);
    await h.click("sam", Verbs.approve, { requestId }, call.id);
    const created = (await h.auditEntries()).find((e) => e.action === "request.created" && e.requestId === requestId);
    assert.ok(created !== undefined);
    await h.connector.waitFor(() => auditPosts(h).length >= before + 4, 15_000, "the note and the later posts");
    const after = auditPosts(h).slice(before);
    assert.equal(after[0]?.seq, created.seq);
    assert.match(after[0]?.call.activity.text ?? "", new RegExp(`^Audit entry #${created.seq} could not be posted: Teams refused it as too large for one message\\.`));
    assert.deepEqual(after.map((p) => p.seq), [...after.map((p) => p.seq)].sort((a, b) => (a ?? 0) - (b ?? 0)));
    // The job's last posts may still be on their way (a loaded machine): the listing is read once they are.
    await h.bot.idle();
    const listed = captureOutput();
    assert.equal(await outboxMain([], listed.streams, { DATABASE_URL: h.databaseUrl }), 0, listed.stderr());
    assert.match(listed.stdout(), new RegExp(`^0 waiting, 1 set aside\\n#${created.seq} request\\.created .* after 2 attempts; Teams answered: HTTP 413`));
  });
});
