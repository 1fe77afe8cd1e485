/**
 * The production build (scripts/build.ts): one bundle of what src/index.ts reaches, without the
 * simulator, without teams-ai's AI and sign-in modules (deferred, never loaded by this bot), pure
 * ASCII, and loadable from dist/ with the native packages outside it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { runInNewContext } from "node:vm";
import { bundle, bundleLoader, deferRequires } from "../../scripts/build.js";

const ROOT = resolve(__dirname, "../..");

describe("structure: the production build", function () {
  this.timeout(120_000);
  let outdir: string;
  let inputs: string[];

  before(async () => {
    // Inside the project, so the bundle resolves better-sqlite3 and pg from node_modules as dist/ does.
    outdir = mkdtempSync(join(ROOT, ".build-test-"));
    ({ inputs } = await bundle(outdir));
  });

  after(() => rmSync(outdir, { recursive: true, force: true }));

  it("holds no simulator code, nor the simulator's own dependency", () => {
    assert.ok(inputs.some((p) => p === join("src", "index.ts")), "the bot's entry point is in the bundle");
    assert.deepEqual(
      inputs.filter((p) => p.startsWith(join("src", "simulator")) || /node_modules[\\/]selfsigned[\\/]/.test(p)),
      [],
    );
  });

  it("leaves teams-ai's AI and sign-in modules and botbuilder-dialogs out, and is pure ASCII", () => {
    assert.deepEqual(
      inputs.filter((p) => /teams-ai[\\/]lib[\\/](AI|authentication[\\/]Authentication)[\\/.]|node_modules[\\/]botbuilder-dialogs[\\/]/.test(p)),
      [],
    );
    const text = readFileSync(join(outdir, "bot.js"), "latin1");
    assert.equal(/[\u0080-\uffff]/.test(text), false, "a non-ASCII character would make the loader's Latin-1 read wrong");
  });

  it("loads from its folder with the native packages outside, and loads none of the deferred modules", async () => {
    await bundleLoader(join(outdir, "index.js"));
    // Required (not run as the main module), the bundle defines the bot without starting it.
    const probe = spawnSync(
      process.execPath,
      [
        "-e",
        `require(${JSON.stringify(join(outdir, "index.js"))});
         const loaded = Object.keys(require.cache);
         process.stdout.write(JSON.stringify({
           deferred: loaded.filter((p) => /botbuilder-dialogs|teams-ai[\\\\/]lib[\\\\/]AI/.test(p)),
           sqlite: loaded.some((p) => p.includes("better-sqlite3")),
         }));`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(probe.status, 0, probe.stderr);
    assert.deepEqual(JSON.parse(probe.stdout), { deferred: [], sqlite: true });
  });
});

describe("structure: deferred requires (scripts/build.ts)", () => {
  const source = 'const heavy_1 = require("./heavy");\nexports.use = () => heavy_1.value;\n';

  it("loads the module on the first property read, once, and forwards what it holds", () => {
    const loads: string[] = [];
    const module = { exports: {} as { use?: () => number } };
    const code = deferRequires(source, [{ spec: "./heavy", as: "pkg/heavy" }], "fixture.js");
    const require = (name: string) => {
      loads.push(name);
      return { value: 42 };
    };
    runInNewContext(code, { require, exports: module.exports, module });
    assert.deepEqual(loads, [], "nothing loaded before use");
    assert.equal(module.exports.use?.(), 42);
    assert.equal(module.exports.use?.(), 42);
    assert.deepEqual(loads, ["pkg/heavy"]);
  });

  it("fails the build when the require to defer is not there (the library changed)", () => {
    assert.throws(() => deferRequires(source, [{ spec: "./other", as: "pkg/other" }], "fixture.js"), /no "const … = require\("\.\/other"\)" to defer/);
  });
});
