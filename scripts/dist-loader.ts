/**
 * dist/index.js, compiled from this file by `npm run build` (scripts/build.ts): runs the bundled bot, dist/bot.js,
 * as if it were this file, compiled with the V8 code cache the build made (dist/bot.cache), so a
 * cold start does not compile the bundle again. A cache from another Node version is refused by
 * V8 and the bundle compiles as usual (slower, same behaviour). The bundle is pure ASCII (the
 * build sees to it), so it is read as Latin-1: a one-byte string, no UTF-8 decoding.
 *
 * `node dist/index.js --make-code-cache` (run by the build) loads the bundle without starting the
 * bot and writes the cache: the compiled code of every function that ran while loading.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";

/** The bundle's CommonJS wrapper, called with this module's require (which resolves from dist/). */
type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

const filename = join(__dirname, "bot.js");
const cacheFile = join(__dirname, "bot.cache");

function compile(useCache: boolean): { run: () => ModuleWrapper; script: Script } {
  let cachedData: Buffer | undefined;
  if (useCache) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(filename, "latin1")}\n})`, { filename, cachedData });
  if (process.env.BOT_CODE_CACHE_REPORT === "1") {
    process.stderr.write(`code cache: ${cachedData === undefined ? "none" : script.cachedDataRejected === true ? "refused" : "used"}\n`);
  }
  return { run: () => script.runInThisContext() as ModuleWrapper, script };
}

if (process.argv[2] === "--make-code-cache") {
  const { run, script } = compile(false);
  // A module of its own: the bundle's `require.main === module` is false, so the bot does not start.
  const loading = { exports: {} };
  run()(loading.exports, require, loading, filename, __dirname);
  writeFileSync(cacheFile, script.createCachedData());
} else {
  compile(true).run()(module.exports, require, module, filename, __dirname);
}
