import assert from "node:assert/strict";
import { parseCommand } from "../../src/bot/commands/parse.js";
import { ConfigError, readConfig } from "../../src/config.js";

const TENANT = "33333333-3333-4333-8333-333333333333";
const env = {
  BOT_ID: "44444444-4444-4444-8444-444444444444",
  BOT_PASSWORD: "bot-secret",
  BOT_TENANT_ID: TENANT,
  BOT_TYPE: "SingleTenant",
  AZURE_TENANT_ID: TENANT,
  AZURE_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
  AZURE_CLIENT_SECRET: "graph-secret",
  REVOKER_GROUP_IDS: "11111111-1111-4111-8111-111111111111",
  APPROVER_GROUP_IDS: "22222222-2222-4222-8222-222222222222",
};

describe("watch: commands and configuration", () => {
  it("parses `watch` and `watch stop <request-id>`, and says what to type otherwise", () => {
    assert.deepEqual(parseCommand("watch"), { kind: "watch" });
    assert.deepEqual(parseCommand("<at>Revoke</at> Watch STOP r-7k2m9qx4tb"), { kind: "watchStop", requestId: "R-7K2M9QX4TB" });
    for (const text of ["watch stop", "watch stop R-1", "watch end R-7K2M9QX4TB", "watch stop R-7K2M9QX4TB now"]) {
      const parsed = parseCommand(text);
      assert.equal(parsed?.kind, "error", text);
      assert.ok(parsed?.kind === "error" && parsed.hint === "watch stop R-7K2M9QX4TB", text);
    }
  });

  it("WATCH_HOURS: 24 by default, 0 turns watching off, whole hours up to 30 days", () => {
    assert.equal(readConfig(env).watchHours, 24);
    assert.equal(readConfig({ ...env, WATCH_HOURS: "0" }).watchHours, 0);
    assert.equal(readConfig({ ...env, WATCH_HOURS: "720" }).watchHours, 720);
    for (const bad of ["-1", "1.5", "721", "a day"]) {
      assert.throws(() => readConfig({ ...env, WATCH_HOURS: bad }), (err: unknown) => err instanceof ConfigError && err.message.includes("WATCH_HOURS"), bad);
    }
  });
});
