import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv, promisify } from "node:util";
import pino from "pino";
import { auditKeyOf } from "../../src/audit/chain.js";
import { main as verifyMain } from "../../src/cli/audit-verify.js";
import { readConfig } from "../../src/config.js";
import { startBot, type RunningBot } from "../../src/index.js";
import { captureOutput } from "../support/captured-output.js";
import { useSimulator } from "./harness.js";

const KEY = "e2e-audit-key-0123456789abcdef0123456789";

describe("e2e: the bot keys the audit chain with AUDIT_KEY_FILE", function () {
  this.timeout(30_000);
  let bot: RunningBot | undefined;
  // Declared before the world: the bot is closed before the simulator.
  after(async () => {
    await bot?.close().catch(() => undefined);
  });
  const world = useSimulator("revoke-bot-key-");

  it("marks where keying began at start, logs the key's ID (never the key), and will not start on the keyed chain without it", async () => {
    const keyFile = join(world.dataDir, "audit.key");
    writeFileSync(keyFile, `${KEY}\n`);
    const env: Record<string, string> = { ...world.botEnv(), ALLOW_UNAUTHENTICATED: "true", LOG_LEVEL: "silent" };
    let log = "";
    const logger = pino({ level: "info" }, { write: (line: string) => void (log += line) });
    bot = await startBot(readConfig({ ...env, AUDIT_KEY_FILE: keyFile }), { logger, host: "127.0.0.1" });
    await bot.close();
    bot = undefined;
    const id = auditKeyOf(Buffer.from(KEY)).id;
    assert.match(log, new RegExp(`"auditChain":"key ID ${id} from file [^"]*audit\\.key"`));
    assert.match(log, /"action":"audit\.keyed"/);
    assert.ok(!log.includes(KEY), "the key is never logged");

    const out = captureOutput();
    assert.equal(await verifyMain([], out.streams, { DATABASE_URL: env.DATABASE_URL, AUDIT_KEY_FILE: keyFile }), 0, out.stdout() + out.stderr());
    // Keyed from the start: no word about plain sha256 entries that do not exist.
    assert.equal(out.stdout(), "1 entries, chain intact\nkeyed (HMAC-SHA256) from the first entry on\n");

    await assert.rejects(startBot(readConfig(env), { logger, host: "127.0.0.1" }), /the audit chain is keyed \(key ID \w+\) but no audit key is configured: set AUDIT_KEY_FILE or AUDIT_KEY/);
    await assert.rejects(
      startBot(readConfig({ ...env, AUDIT_KEY: "another-key-0123456789abcdef0123456789" }), { logger, host: "127.0.0.1" }),
      /configure the chain's key, or change keys with npm run audit:rotate-key/,
    );
  });
});

describe("e2e: the demo's audit check line works as the banner prints it", function () {
  this.timeout(60_000);
  const world = useSimulator("revoke-bot-demo-key-");

  it("npm run demo:audit-verify checks a chain keyed with env/.env.local's key (exit 0)", async () => {
    const demoEnv = parseEnv(readFileSync("env/.env.local", "utf8"));
    const demoKey = demoEnv.AUDIT_KEY;
    assert.ok(demoKey !== undefined && demoKey !== "", "env/.env.local keys the demo chain");
    const env: Record<string, string> = { ...world.botEnv(), ALLOW_UNAUTHENTICATED: "true", LOG_LEVEL: "silent", AUDIT_KEY: demoKey };
    const bot = await startBot(readConfig(env), { logger: pino({ level: "silent" }), host: "127.0.0.1" });
    await bot.close();
    // The real environment wins over --env-file, so DATABASE_URL points the demo's line at this chain.
    const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: env.DATABASE_URL };
    delete childEnv.AUDIT_KEY;
    delete childEnv.AUDIT_KEY_FILE;
    const { stdout } = await promisify(execFile)("npm", ["run", "-s", "demo:audit-verify"], { env: childEnv, timeout: 50_000 });
    assert.equal(stdout, "1 entries, chain intact\nkeyed (HMAC-SHA256) from the first entry on\n");
  });
});
