/**
 * Inbound authentication and the channel/tenant guard, through the real HTTP endpoint with channel
 * authentication ON against the simulator's channel metadata: a genuine token is accepted; every
 * forged kind is a 401 that runs no handler (no reply, no audit entry, no Graph call); a genuine
 * activity from another channel or tenant is a 403, audited once, with no reply and no Graph call.
 */
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import type { Activity } from "botbuilder";
import { JwtSigner } from "@teams-revoke-bot/graph-simulator";
import { installActivity, messageActivity } from "../fakes/activities.js";
import { openTestStore } from "../support/store.js";
import { useWorld } from "./harness.js";

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A Microsoft-owned tenant whose tokens botbuilder takes as emulator tokens. */
const EMULATOR_TENANT = "d6d49420-f39b-4df7-a1dc-d59a935871db";

describe("e2e: inbound channel authentication (auth ON against the simulator)", function () {
  this.timeout(30_000);
  let stranger: JwtSigner;
  const refusedKinds: string[] = [];
  // Declared before the world: the count is printed before the bot closes.
  after(() => {
    process.stdout.write(`      forged kinds refused with 401 and no effect: ${refusedKinds.length} (${refusedKinds.join(", ")})\n`);
  });
  const h = useWorld();
  before(async () => {
    stranger = await JwtSigner.generate();
  });

  const botId = (): string => h.sim.channel.registration.appId;
  /** A request that would call Graph (role check), write audit entries and reply, if any handler ran. */
  const revokeActivity = (): Partial<Activity> =>
    messageActivity(h.connector.url, h.user("sam"), h.personal("sam"), `revoke user alice@contoso.com --reason "inbound ${randomUUID()}"`);
  const graphCalls = (): number => h.sim.requests.filter((r) => r.path.startsWith("/v1.0")).length;
  const now = (): number => Math.floor(Date.now() / 1000);
  const genuineClaims = (activity: Partial<Activity>) => ({
    iss: h.sim.channel.issuer,
    aud: botId(),
    serviceurl: activity.serviceUrl,
    nbf: now() - 300,
    exp: now() + 3600,
  });

  /** Posts the activity with the given Authorization header and asserts nothing at all happened. */
  async function assertRefused(kind: string, authorization: string | undefined, activity = revokeActivity(), status = 401): Promise<void> {
    const calls = h.connector.calls.length;
    const graph = graphCalls();
    const audit = (await h.auditEntries()).length;
    const res = await h.post(activity, authorization === undefined ? { authorization: "" } : { authorization });
    assert.equal(res.status, status, `${kind}: HTTP ${res.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.bot.idle();
    assert.equal(h.connector.calls.length, calls, `${kind}: nothing is sent to the connector`);
    assert.equal(graphCalls(), graph, `${kind}: Graph is not called`);
    assert.equal((await h.auditEntries()).length, audit, `${kind}: nothing is audited`);
    if (status === 401) refusedKinds.push(kind);
  }

  it("accepts a genuine channel token (and the bot's reply carries its own connector token)", async () => {
    const res = await h.say("sam", "help");
    assert.equal(res.status, 200);
    await h.connector.waitFor((calls) => calls.some((c) => (c.activity.text ?? "").length > 0));
    const reply = h.connector.calls.at(-1);
    assert.match(reply?.authorization ?? "", /^Bearer ey/);
    assert.equal(h.connector.unauthorized.length, 0);
  });

  it("refuses a request without an Authorization header", async () => {
    await assertRefused("no header", undefined);
  });

  it("refuses an empty bearer and a non-Bearer scheme", async () => {
    await assertRefused("empty bearer", "Bearer ");
    const activity = revokeActivity();
    await assertRefused("Basic scheme", `Basic ${h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl })}`, activity);
  });

  it("refuses alg: none", async () => {
    const activity = revokeActivity();
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64(genuineClaims(activity))}.`;
    await assertRefused("alg none", `Bearer ${token}`, activity);
  });

  it("refuses a token signed with a key the channel never published (unknown kid)", async () => {
    const activity = revokeActivity();
    await assertRefused("unknown kid", `Bearer ${stranger.sign(genuineClaims(activity))}`, activity);
  });

  it("refuses a token signed with the wrong key under a published kid", async () => {
    const activity = revokeActivity();
    await assertRefused("wrong key, known kid", `Bearer ${stranger.sign(genuineClaims(activity), { kid: h.sim.channel.keyId })}`, activity);
  });

  it("refuses HS256 signed with the channel's public key as the secret", async () => {
    const activity = revokeActivity();
    const input = `${b64({ alg: "HS256", typ: "JWT", kid: h.sim.channel.keyId })}.${b64(genuineClaims(activity))}`;
    const signature = createHmac("sha256", h.sim.channel.publicKeyPem()).update(input).digest("base64url");
    await assertRefused("HS256 with public key", `Bearer ${input}.${signature}`, activity);
  });

  it("refuses an expired token and one not yet valid (beyond the 5-minute skew)", async () => {
    let activity = revokeActivity();
    const expired = h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl, notBeforeSeconds: -7200, expiresInSeconds: -600 });
    await assertRefused("expired", `Bearer ${expired}`, activity);
    activity = revokeActivity();
    const early = h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl, notBeforeSeconds: 900, expiresInSeconds: 7200 });
    await assertRefused("not yet valid", `Bearer ${early}`, activity);
  });

  it("refuses a token for another bot (wrong audience)", async () => {
    const activity = revokeActivity();
    await assertRefused("wrong audience", `Bearer ${h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl, audience: randomUUID() })}`, activity);
  });

  it("refuses a token from another issuer, even signed with the channel's key", async () => {
    const activity = revokeActivity();
    const token = h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl, claims: { iss: "https://api.botframework.com" } });
    await assertRefused("wrong issuer", `Bearer ${token}`, activity);
  });

  it("refuses a token whose serviceurl differs from the activity's, or that has none", async () => {
    let activity = revokeActivity();
    await assertRefused("serviceurl differs", `Bearer ${h.sim.channel.issueChannelToken({ serviceUrl: "https://smba.evil.example/amer/" })}`, activity);
    activity = revokeActivity();
    await assertRefused("serviceurl missing", `Bearer ${h.sim.channel.issueChannelToken({})}`, activity);
    // The token is genuine for the connector; the activity names another one to be answered at.
    activity = { ...revokeActivity(), serviceUrl: "https://smba.evil.example/amer/" };
    await assertRefused("activity serviceUrl differs", `Bearer ${h.sim.channel.issueChannelToken({ serviceUrl: h.connector.url })}`, activity);
    // botbuilder compares the claim only when the activity names a service URL.
    activity = { ...revokeActivity(), serviceUrl: undefined };
    await assertRefused("activity without serviceUrl", `Bearer ${h.sim.channel.issueChannelToken({ serviceUrl: h.connector.url })}`, activity);
  });

  it("refuses a token signed with a key endorsed only for other channels", async () => {
    const activity = revokeActivity();
    await assertRefused("key endorsed for another channel", `Bearer ${h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl, key: "other-channel" })}`, activity);
  });

  it("refuses garbage, a stripped signature and a tampered payload", async () => {
    await assertRefused("garbage", "Bearer not-a-jwt");
    await assertRefused("garbage JWT shape", "Bearer a.b.c");
    let activity = revokeActivity();
    const genuine = h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl });
    const [header, payload] = genuine.split(".");
    await assertRefused("stripped signature", `Bearer ${header}.${payload}.`, activity);
    activity = revokeActivity();
    const tampered = `${header}.${b64({ ...genuineClaims(activity), exp: now() + 10 * 365 * 86400 })}.${genuine.split(".")[2]}`;
    await assertRefused("tampered payload", `Bearer ${tampered}`, activity);
  });

  it("refuses emulator-style tokens (Entra-signed, appid/azp = BOT_ID), v1 and v2", async () => {
    let activity = revokeActivity();
    const v1 = h.sim.channel.signAsEntra({
      iss: `https://sts.windows.net/${EMULATOR_TENANT}/`,
      aud: botId(),
      appid: botId(),
      ver: "1.0",
      serviceurl: activity.serviceUrl,
      nbf: now() - 300,
      exp: now() + 3600,
    });
    await assertRefused("emulator token v1", `Bearer ${v1}`, activity);
    activity = revokeActivity();
    const v2 = h.sim.channel.signAsEntra({
      iss: `https://login.microsoftonline.com/${EMULATOR_TENANT}/v2.0`,
      aud: botId(),
      azp: botId(),
      ver: "2.0",
      serviceurl: activity.serviceUrl,
      nbf: now() - 300,
      exp: now() + 3600,
    });
    await assertRefused("emulator token v2", `Bearer ${v2}`, activity);
  });

  it("refuses the bot's own connector token replayed inbound, also on botbuilder's AseChannel path (no audience check there)", async () => {
    const own = h.sim.channel.issueConnectorToken();
    await assertRefused("own outbound token replayed", `Bearer ${own}`);
    await assertRefused("own outbound token, channelId AseChannel", `Bearer ${own}`, { ...revokeActivity(), channelId: "AseChannel" });
  });

  it("refuses a skill-style token (another app calling the bot with an Entra token)", async () => {
    const activity = revokeActivity();
    const skill = h.sim.channel.signAsEntra({
      iss: `https://sts.windows.net/${h.tenantId}/`,
      aud: botId(),
      appid: randomUUID(),
      ver: "1.0",
      serviceurl: activity.serviceUrl,
      nbf: now() - 300,
      exp: now() + 3600,
    });
    await assertRefused("skill token", `Bearer ${skill}`, activity);
  });
});

describe("e2e: only Teams, only the allowed tenants (genuine tokens)", function () {
  this.timeout(30_000);
  const h = useWorld();

  const graphCalls = (): number => h.sim.requests.filter((r) => r.path.startsWith("/v1.0")).length;

  /** Posts a genuinely signed activity and asserts a bare 403, one `activity.refused` entry, no Graph call and no reply. */
  async function assertForbidden(activity: Partial<Activity>, reason: string, key: "msteams" | "other-channel" = "msteams"): Promise<void> {
    const calls = h.connector.calls.length;
    const graph = graphCalls();
    const before = await h.auditEntries();
    const token = h.sim.channel.issueChannelToken({ serviceUrl: activity.serviceUrl, key });
    const res = await h.post(activity, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 403);
    assert.equal(res.body, undefined, "a bare 403");
    await h.bot.idle();
    assert.equal(h.connector.calls.length, calls, "no reply, least of all into a foreign tenant");
    assert.equal(graphCalls(), graph, "no Graph call");
    const added = (await h.auditEntries()).slice(before.length);
    assert.equal(added.length, 1, JSON.stringify(added));
    assert.equal(added[0]?.action, "activity.refused");
    assert.equal(added[0]?.details.reason, reason);
    assert.equal(added[0]?.details.activityType, activity.type);
  }

  const revoke = (): Partial<Activity> => messageActivity(h.connector.url, h.user("sam"), h.personal("sam"), "revoke user alice@contoso.com");

  it("refuses an activity from another tenant: 403, audited once, no Graph call, no reply", async () => {
    const foreign = randomUUID();
    const activity = messageActivity(h.connector.url, h.user("sam"), { ...h.personal("sam"), tenantId: foreign }, "revoke user alice@contoso.com");
    await assertForbidden(activity, "tenant-not-allowed");
    const entry = (await h.auditEntries()).at(-1);
    assert.equal(entry?.details.tenantId, foreign);
  });

  it("refuses channel directline and webchat (with a key endorsed for them)", async () => {
    await assertForbidden({ ...revoke(), channelId: "directline" }, "channel", "other-channel");
    await assertForbidden({ ...revoke(), channelId: "webchat" }, "channel", "other-channel");
  });

  it("refuses a Teams-endorsed token on an activity claiming another channel (401: the endorsement does not match)", async () => {
    const activity = { ...revoke(), channelId: "directline" };
    const res = await h.post(activity);
    assert.equal(res.status, 401);
  });

  it("refuses an activity without a tenant, or whose conversation names another tenant", async () => {
    await assertForbidden({ ...revoke(), channelData: {} }, "tenant-missing");
    const mixed = revoke();
    await assertForbidden({ ...mixed, conversation: { ...mixed.conversation, tenantId: randomUUID() } as Activity["conversation"] }, "tenant-mismatch");
  });

  it("remembers no conversation of a refused activity (proactive posts never go there)", async () => {
    const foreignChannel = { id: "19:foreign@thread.tacv2", conversationType: "channel" as const, tenantId: randomUUID() };
    await assertForbidden(installActivity(h.connector.url, h.user("sam"), foreignChannel), "tenant-not-allowed");
    const store = await openTestStore(h.databaseUrl);
    try {
      const rows = await store.database.db.selectFrom("conversations").select("id").execute();
      assert.ok(!rows.some((r) => r.id.includes("foreign")), JSON.stringify(rows));
    } finally {
      await store.close();
    }
  });

  it("counts refusals on /readyz as a number", async () => {
    const res = await fetch(`${h.bot.url}/readyz`);
    const body = (await res.json()) as { refusedActivities?: unknown };
    assert.equal(typeof body.refusedActivities, "number");
    assert.ok((body.refusedActivities as number) >= 5, JSON.stringify(body));
    assert.ok(!JSON.stringify(body).includes("127.0.0.1"), "no addresses");
  });

  it("still accepts Teams from the allowed tenant afterwards", async () => {
    const res = await h.say("sam", "help");
    assert.equal(res.status, 200);
  });
});
