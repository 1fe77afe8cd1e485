/**
 * The deploy artifact (npm run package:deploy) as App Service runs it: unpacked in an empty
 * folder, production dependencies installed from the lock file and the local npm cache (no
 * network), started with `npm start`'s command and the template's settings (managed identity for
 * everything, PostgreSQL), ready, and a revocation through Teams completes.
 *
 * Heavy (a production build and an install): run it on its own. Skipped, with a notice, without
 * TEST_DATABASE_URL. Install scripts are skipped (--ignore-scripts): botbuilder-dialogs' runs
 * `npx rimraf`, which would download rimraf, and better-sqlite3's builds its native module, which
 * a PostgreSQL deployment never loads (App Service runs both scripts, with its network).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import JSZip from "jszip";
import { freshPostgres, type TestDatabase } from "../support/databases.js";
import { assertNoSecret, revokeAliceThroughTeams, startSecretlessWorld, type SecretlessWorld } from "../support/secretless.js";

const ROOT = join(__dirname, "..", "..");

describe("deploy: the App Service artifact (npm run package:deploy)", function () {
  this.timeout(15 * 60_000);
  let dir: string | undefined;
  let world: SecretlessWorld | undefined;
  let database: TestDatabase | undefined;
  let bot: ReturnType<typeof spawn> | undefined;

  after(async () => {
    bot?.kill("SIGKILL");
    await world?.close();
    await database?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("unpacks, installs production dependencies offline, starts on the identity alone, is ready and revokes", async function () {
    const baseUrl = process.env.TEST_DATABASE_URL;
    if (baseUrl === undefined || baseUrl === "") {
      process.stdout.write("      (skipped: set TEST_DATABASE_URL=postgres://… to run the deploy artifact test)\n");
      this.skip();
    }
    const packaged = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "package-deploy.ts")], { cwd: ROOT, encoding: "utf8" });
    assert.equal(packaged.status, 0, packaged.stderr);

    dir = mkdtempSync(join(tmpdir(), "revoke-bot-artifact-"));
    const zip = await JSZip.loadAsync(readFileSync(join(ROOT, "build", "deploy.zip")));
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]?.dir);
    assert.ok(names.includes("dist/index.js") && names.includes("package.json") && names.includes("package-lock.json"), names.join(", "));
    assert.ok(names.some((n) => n.startsWith("cards/")), "the card templates");
    assert.deepEqual(names.filter((n) => /graph-simulator|^src\/|^test\/|^env\/|\.env|node_modules/.test(n)), [], "no simulator, source, tests, env files or node_modules");
    for (const name of names) {
      const target = join(dir, name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, await zip.files[name]?.async("nodebuffer") ?? Buffer.alloc(0));
    }
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts: Record<string, string>; devDependencies?: unknown };
    assert.equal(manifest.devDependencies, undefined);
    const installed = spawnSync("npm", ["ci", "--omit=dev", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8" });
    assert.equal(installed.status, 0, `${installed.stdout}\n${installed.stderr}`);

    database = await freshPostgres(baseUrl);
    world = await startSecretlessWorld();
    const env = { ...world.env(database.url), DATABASE_AUTH: "entra", INSTANCE_COUNT: "2" };
    assertNoSecret(env);
    // `npm start`'s command, as App Service runs it, with the environment App Service gives.
    const [node, ...args] = (manifest.scripts.start ?? "").split(/\s+/);
    assert.equal(node, "node");
    let output = "";
    bot = spawn(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH ?? "", NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    bot.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    bot.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    let port: number | undefined;
    for (const until = Date.now() + 60_000; port === undefined && Date.now() < until; ) {
      const match = /"port":(\d+)/.exec(output);
      if (match?.[1] !== undefined) port = Number(match[1]);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(port !== undefined, `the artifact did not start:\n${output}`);
    const url = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200, JSON.stringify(await ready.json()));
    await revokeAliceThroughTeams(url, world);
    assert.doesNotMatch(output, /graph-simulator/);
  });
});
