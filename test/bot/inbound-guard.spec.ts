import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Activity } from "botbuilder";
import { activityFrom } from "../../scripts/demo/banner.js";
import { clip, refusalOf } from "../../src/bot/inbound-guard.js";
import { readConfig } from "../../src/config.js";
import { listenHost } from "../../src/index.js";
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_TENANT_ID } from "@teams-revoke-bot/graph-simulator";

/** env/.env.local as the demo reads it, plus the simulator's Graph settings the demo adds. */
function demoConfig() {
  const fileEnv = Object.fromEntries(
    readFileSync("env/.env.local", "utf8")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return readConfig({ ...fileEnv, AZURE_TENANT_ID: SIM_TENANT_ID, AZURE_CLIENT_ID: SIM_CLIENT_ID, AZURE_CLIENT_SECRET: SIM_CLIENT_SECRET });
}

describe("inbound guard: channel and tenant", () => {
  const teams = (tenant: string, extra: Partial<Activity> = {}): Activity =>
    ({ type: "message", channelId: "msteams", channelData: { tenant: { id: tenant } }, conversation: { id: "a:1", tenantId: tenant }, ...extra }) as Activity;
  const allowed = ["c0ffee00-7e4a-4e57-9d1c-5e55104b0d1e"];

  it("lets Teams from an allowed tenant pass (tenant IDs compared case-insensitively)", () => {
    assert.equal(refusalOf(teams(allowed[0] ?? ""), allowed), undefined);
    assert.equal(refusalOf(teams((allowed[0] ?? "").toUpperCase()), allowed), undefined);
  });

  it("refuses other channels, other tenants, a missing tenant and a conversation naming another tenant", () => {
    assert.equal(refusalOf(teams(allowed[0] ?? "", { channelId: "directline" }), allowed), "channel");
    assert.equal(refusalOf(teams(allowed[0] ?? "", { channelId: "emulator" }), allowed), "channel");
    assert.equal(refusalOf(teams("11111111-1111-4111-8111-111111111111"), allowed), "tenant-not-allowed");
    assert.equal(refusalOf(teams(allowed[0] ?? "", { channelData: {} }), allowed), "tenant-missing");
    assert.equal(refusalOf(teams(allowed[0] ?? "", { channelData: { tenant: { id: 42 } } }), allowed), "tenant-missing");
    const mixed = teams(allowed[0] ?? "", { conversation: { id: "a:1", tenantId: "11111111-1111-4111-8111-111111111111" } as Activity["conversation"] });
    assert.equal(refusalOf(mixed, allowed), "tenant-mismatch");
  });

  it("lets the demo's traffic through: the Playground's tenant is the one env/.env.local allows", () => {
    const config = demoConfig();
    assert.equal(config.bot.inboundAuth, false);
    assert.deepEqual(config.bot.allowedTenantIds, [SIM_TENANT_ID]);
    for (const key of ["nina", "val"] as const) {
      assert.equal(refusalOf(activityFrom(key, "http://localhost:56150/_connector", "help") as unknown as Activity, config.bot.allowedTenantIds), undefined);
    }
  });

  it("clips outside text for logs and audit details", () => {
    assert.equal(clip("a\u202eb\u0000c\nd", 10), "abcd");
    assert.equal(clip("x".repeat(100), 8), "xxxxxxxx");
    assert.equal(clip(42, 8), "");
  });
});

describe("listen host", () => {
  const bot = (inboundAuth: boolean) => ({ bot: { inboundAuth } }) as Parameters<typeof listenHost>[0];

  it("is loopback only without inbound authentication", () => {
    assert.equal(listenHost(bot(false), undefined), "127.0.0.1");
    assert.equal(listenHost(bot(false), "::1"), "::1");
    assert.throws(() => listenHost(bot(false), "0.0.0.0"), /127\.0\.0\.1 only/);
    assert.throws(() => listenHost(bot(false), "192.0.2.2"), /127\.0\.0\.1 only/);
  });

  it("is what was asked for (default every interface) with inbound authentication", () => {
    assert.equal(listenHost(bot(true), undefined), undefined);
    assert.equal(listenHost(bot(true), "0.0.0.0"), "0.0.0.0");
  });
});
