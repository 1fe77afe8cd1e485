import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { readConfig } from "../../src/config.js";
import { startBot, type RunningBot } from "../../src/index.js";
import { startSimulator, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import { botEnvFor } from "../support/bot-env.js";
import { freshPostgres, type TestDatabase } from "../support/databases.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

describe("e2e: /readyz reports the store", function () {
  this.timeout(30_000);
  let sim: StartedSimulator;
  let database: TestDatabase | undefined;
  let bot: RunningBot | undefined;
  let dataDir: string;

  before(async function () {
    const base = process.env.TEST_DATABASE_URL;
    if (base === undefined || base === "") {
      process.stdout.write("  (TEST_DATABASE_URL is not set: the PostgreSQL readiness test is skipped)\n");
      this.skip();
    }
    sim = await startSimulator({ tls: trustedSimulatorTls() });
    database = await freshPostgres(base);
    dataDir = mkdtempSync(join(tmpdir(), "revoke-bot-ready-"));
  });
  after(async () => {
    await bot?.close().catch(() => undefined);
    await database?.drop();
    await sim?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it("is ready on a reachable PostgreSQL, and 503 naming the store (not its address or password) when it goes away", async () => {
    assert.ok(database);
    const url = new URL(database.url);
    // Trust auth ignores every password; none may ever be shown, however it is written.
    url.password = "s3cret@pa:ss/wo?rd";
    url.search = "?password=qu3ry-secret&sslpassword=ssl-s3cret";
    const secrets = ["s3cret", "pa:ss", "wo?rd", encodeURIComponent("s3cret@pa:ss/wo?rd"), "qu3ry-secret", "ssl-s3cret", "password=", "sslpassword"];
    const config = readConfig({ ...botEnvFor(sim, dataDir), DATABASE_URL: url.toString(), ALLOW_UNAUTHENTICATED: "true", LOG_LEVEL: "silent" });
    let log = "";
    const logger = pino({ level: "info" }, { write: (line: string) => void (log += line) });
    bot = await startBot(config, { logger, host: "127.0.0.1" });
    // Start-up says which store it uses: host, database and user only.
    assert.match(log, /"store":"PostgreSQL database revoke_test_\w+ on 127\.0\.0\.1:5432 as postgres"/);
    for (const secret of secrets) assert.ok(!log.includes(secret), `"${secret}" is not in the log`);
    const ok = await fetch(`${bot.url}/readyz`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ready: true, checks: { store: "ok", graph: "ok" }, auditPosts: { waiting: 0, setAside: 0 }, refusedActivities: 0 });

    await database.drop();
    database = undefined;
    // The readiness answer is cached for 5 s so probes cannot hammer Graph and the database.
    await new Promise((r) => setTimeout(r, 5200));
    const down = await fetch(`${bot.url}/readyz`);
    assert.equal(down.status, 503);
    const text = await down.text();
    assert.deepEqual(JSON.parse(text), { ready: false, checks: { store: "failing: the database cannot be written (details in the log)", graph: "ok" }, refusedActivities: 0 });
    for (const secret of [...secrets, "127.0.0.1", "5432", "revoke_test_"]) assert.ok(!text.includes(secret), `"${secret}" is not in /readyz`);
    for (const secret of secrets) assert.ok(!log.includes(secret), `"${secret}" is not in the log`);
    assert.match(log, /readiness: the database cannot be written/);
  });
});
