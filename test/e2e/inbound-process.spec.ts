/**
 * The inbound hardening that only shows in a real process: nothing a request sends reaches the
 * disk (counted in the process's own TMPDIR), unauthenticated mode listens on loopback only (and
 * the env template's BOT_TYPE=SingleTenant without BOT_ID starts instead of crashing in the SDK),
 * and the npm scripts' env loading is quiet about the missing .user file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { JwtSigner } from "@teams-revoke-bot/graph-simulator";
import { waitForPort } from "../support/bot-process.js";
import { messageActivity } from "../fakes/activities.js";
import { channelAuthEnv, useSimulator } from "./harness.js";

/** Files under dir, recursively, leaving out tsx's compile cache (the test runs the bot from source). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith("tsx-")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** This machine's non-loopback IPv4 addresses. */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && i.family === "IPv4" && !i.internal)
    .map((i) => i?.address ?? "");
}

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return true;
  } catch {
    // Refused or timed out: not reachable on that interface.
    return false;
  }
}

describe("e2e: inbound hardening of the bot process", function () {
  this.timeout(60_000);
  const world = useSimulator("revoke-bot-inbound-");
  const startProcess = world.startProcess;

  it("writes nothing any request sends to disk: a 5 MB multipart upload gets 415 and leaves no file in TMPDIR", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "revoke-bot-tmpdir-"));
    try {
      const bot = startProcess({ ...world.botEnv(), ...channelAuthEnv(world.sim), TMPDIR: tmp });
      const port = await waitForPort(bot);
      const before = filesUnder(tmp).length;
      const form = new FormData();
      form.append("file", new Blob([Buffer.alloc(5 * 1024 * 1024, 0x41)]), "upload.bin");
      const upload = await fetch(`http://127.0.0.1:${port}/api/messages`, { method: "POST", body: form });
      const json = await fetch(`http://127.0.0.1:${port}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "message", text: "x".repeat(5 * 1024 * 1024) }),
      });
      await new Promise((r) => setTimeout(r, 500));
      const left = filesUnder(tmp).length - before;
      process.stdout.write(`      5 MB multipart upload: HTTP ${upload.status}; 5 MB JSON: HTTP ${json.status}; files left in the bot's TMPDIR: ${left}\n`);
      assert.equal(left, 0, `files appeared: ${filesUnder(tmp).join(", ")}`);
      assert.equal(upload.status, 415);
      assert.equal(json.status, 413);
      assert.ok(!bot.hasExited(), bot.output());
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("keeps what libraries print for forged tokens in the log: JSON lines, clipped, at most 20 a minute", async () => {
    const bot = startProcess({ ...world.botEnv(), ...channelAuthEnv(world.sim) });
    const port = await waitForPort(bot);
    const stranger = await JwtSigner.generate();
    const serviceUrl = "https://smba.trafficmanager.net/amer/";
    const activity = messageActivity(serviceUrl, { id: "29:x", name: "Mallory", aadObjectId: "00000000-0000-4000-8000-00000000beef" }, { id: "a:1", conversationType: "personal", tenantId: world.sim.tenantId }, "revoke user x");
    const now = Math.floor(Date.now() / 1000);
    // Signed with a key the channel never published, under the channel's key ID: botbuilder
    // prints the channel's keys with console.error for each such token.
    const forged = stranger.sign({ iss: world.sim.channel.issuer, aud: world.sim.channel.registration.appId, serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600 }, { kid: world.sim.channel.keyId });
    const statuses = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${forged}` },
        body: JSON.stringify(activity),
      });
      statuses.add(res.status);
    }
    await new Promise((r) => setTimeout(r, 300));
    const lines = bot.output().split("\n").filter((l) => l.includes("Available keys"));
    process.stdout.write(`      60 forged tokens: HTTP ${[...statuses].join(", ")}; library lines about keys in the output: ${lines.length}\n`);
    assert.deepEqual([...statuses], [401]);
    assert.ok(lines.length > 0, "botbuilder printed nothing: the test no longer exercises the console route");
    assert.ok(lines.length <= 20, `${lines.length} lines`);
    for (const line of lines) {
      const entry = JSON.parse(line) as { source?: string; level?: number };
      assert.equal(entry.source, "console");
      assert.equal(entry.level, 40);
    }
    assert.ok(!bot.hasExited(), bot.output());
  });

  it("without BOT_ID (ALLOW_UNAUTHENTICATED) listens on 127.0.0.1 only, and the template's BOT_TYPE=SingleTenant does not stop it", async () => {
    const bot = startProcess({
      ...world.botEnv(),
      ALLOW_UNAUTHENTICATED: "true",
      BOT_ID: "",
      BOT_TYPE: "SingleTenant",
      BOT_TENANT_ID: "",
    });
    const port = await waitForPort(bot);
    assert.match(bot.output(), /"host":"127\.0\.0\.1"/);
    assert.match(bot.output(), /listens on 127\.0\.0\.1 only/);
    assert.doesNotMatch(bot.output(), /MicrosoftAppId is required/);
    assert.ok(await reachable(`http://127.0.0.1:${port}/healthz`));
    const external = externalAddresses();
    for (const address of external) {
      assert.equal(await reachable(`http://${address}:${port}/healthz`), false, `reachable on ${address}`);
    }
    process.stdout.write(`      unauthenticated bot not reachable on: ${external.length === 0 ? "(no non-loopback interface here)" : external.join(", ")}\n`);
  });

  it("with inbound auth on listens on every interface", async () => {
    const bot = startProcess({ ...world.botEnv(), ...channelAuthEnv(world.sim) });
    const port = await waitForPort(bot);
    assert.match(bot.output(), /"host":"all interfaces"/);
    for (const address of externalAddresses()) {
      assert.ok(await reachable(`http://${address}:${port}/healthz`), `not reachable on ${address}`);
    }
  });

  it("npm scripts load env/.env.dev and env/.env.dev.user without a word about a missing file; the real environment wins", () => {
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const [name, command] of Object.entries(scripts)) {
      assert.ok(!command.includes("--env-file-if-exists"), `${name}: ${command}`);
    }
    const loader = resolve("scripts/load-env.mjs");
    const dir = mkdtempSync(join(tmpdir(), "revoke-bot-env-"));
    try {
      mkdirSync(join(dir, "env"));
      writeFileSync(join(dir, "env", ".env.dev"), "A=dev\nB=dev\nC=dev\n");
      const run = (env: Record<string, string>) =>
        spawnSync(process.execPath, ["--import", loader, "-e", "console.log([process.env.A, process.env.B, process.env.C].join(','))"], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "", ...env },
          encoding: "utf8",
        });
      const without = run({});
      assert.equal(`${without.stdout}${without.stderr}`, "dev,dev,dev\n");
      writeFileSync(join(dir, "env", ".env.dev.user"), "B=user\nC=user\n");
      const withUser = run({ C: "real" });
      assert.equal(`${withUser.stdout}${withUser.stderr}`, "dev,user,real\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
