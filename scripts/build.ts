/**
 * `npm run build`: the production build, one bundled file `dist/index.js` (esbuild) holding the
 * bot and the libraries it uses, so that a cold start reads and compiles one file instead of
 * resolving some 3,000 modules. Only what `src/index.ts` reaches is in it: the simulator, the CLI
 * tools and the scripts are not. Native and driver packages (`better-sqlite3`, `pg`) stay
 * outside and load from node_modules. The card templates stay in `cards/` next to package.json,
 * where `cardsDirectory()` (src/cards/render.ts) finds them from `dist/`.
 *
 * teams-ai's Application requires its AI module (OpenAI client, tokenizers) and its sign-in
 * support (botbuilder-dialogs and its language recognizers) at load, although this bot uses
 * neither: that is most of its start-up time and some 60 MB. In the bundle those requires are
 * deferred until something uses them (`LAZY_REQUIRES`); the bot never does, so they are never
 * loaded, and if it ever did they would load then and work as before.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";
import { startFlags } from "./start-flags.js";

const ROOT = resolve(__dirname, "..");

/** Packages loaded from node_modules at run time, not bundled (native code, optional drivers). */
export const EXTERNAL = ["better-sqlite3", "pg", "pg-native", "dtrace-provider"];

/**
 * OpenTelemetry's SDKs and exporters (src/telemetry/setup.ts imports them dynamically, only when
 * telemetry is configured): left out of the bundle, so a bot without telemetry neither reads nor
 * compiles them, and required from node_modules when telemetry starts. `@opentelemetry/api` stays
 * in the bundle: it keeps its providers on a global, which the SDKs loaded from node_modules share.
 */
export const TELEMETRY_SDKS = ["@azure/monitor-opentelemetry-exporter", "@opentelemetry/exporter-prometheus", "@opentelemetry/sdk-metrics", "@opentelemetry/sdk-trace-node", "@opentelemetry/sdk-trace-base", "@opentelemetry/resources"];

/** teams-ai files whose requires of these modules are deferred to their first use. */
const LAZY_REQUIRES: ReadonlyArray<{ file: RegExp; modules: ReadonlyArray<{ spec: string; as: string }> }> = [
  {
    file: /@microsoft[\\/]teams-ai[\\/]lib[\\/]Application\.js$/,
    modules: [
      { spec: "./AI", as: "@microsoft/teams-ai/lib/AI" },
      { spec: "./authentication/Authentication", as: "@microsoft/teams-ai/lib/authentication/Authentication" },
    ],
  },
  {
    file: /@microsoft[\\/]teams-ai[\\/]lib[\\/]authentication[\\/]BotAuthenticationBase\.js$/,
    modules: [
      { spec: "botbuilder-dialogs", as: "botbuilder-dialogs" },
      { spec: "./Authentication", as: "@microsoft/teams-ai/lib/authentication/Authentication" },
    ],
  },
];

/** The deferred modules are not bundled: they load from node_modules if they are ever used. */
const DEFERRED = [...new Set(LAZY_REQUIRES.flatMap((r) => r.modules.map((m) => m.as)))];

/**
 * Rewrites `const X_1 = require("m");` (TypeScript's CommonJS output) into a stand-in that
 * requires `m` the first time any property of it is read. TypeScript's output only ever reads
 * properties of `X_1` (`X_1.Name`), never the binding itself, so the stand-in is transparent.
 * @throws Error when a listed require is not in the file (teams-ai changed: the list needs review)
 */
export function deferRequires(source: string, modules: ReadonlyArray<{ spec: string; as: string }>, file: string): string {
  let out = source;
  for (const { spec, as } of modules) {
    const pattern = new RegExp(`^const (\\w+) = require\\(${JSON.stringify(spec).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\);$`, "m");
    const match = pattern.exec(out);
    if (match === null) throw new Error(`${file}: no "const … = require(${JSON.stringify(spec)})" to defer; check LAZY_REQUIRES in scripts/build.ts`);
    out = out.replace(pattern, `const ${match[1]} = __deferredRequire(() => require(${JSON.stringify(as)}));`);
  }
  return `${DEFERRED_REQUIRE}\n${out}`;
}

const DEFERRED_REQUIRE = `function __deferredRequire(load) {
  let real;
  const get = () => (real ??= load());
  return new Proxy({}, {
    get: (_t, key) => get()[key],
    has: (_t, key) => key in get(),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), key);
      return d === undefined ? undefined : { ...d, configurable: true };
    },
  });
}`;

const deferPlugin: esbuild.Plugin = {
  name: "defer-requires",
  setup(build) {
    build.onLoad({ filter: /teams-ai[\\/]lib[\\/].*\.js$/ }, async (args) => {
      const rule = LAZY_REQUIRES.find((r) => r.file.test(args.path));
      if (rule === undefined) return undefined;
      return { contents: deferRequires(await readFile(args.path, "utf8"), rule.modules, args.path), loader: "js" };
    });
  },
};

/** Bundles src/index.ts into `outdir`/bot.js; answers the source files that went in (relative to the root). */
export async function bundle(outdir: string): Promise<{ inputs: string[]; outfile: string }> {
  const outfile = join(outdir, "bot.js");
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, "src", "index.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: [...EXTERNAL, ...TELEMETRY_SDKS, ...DEFERRED],
    // dist/index.js runs the bundle as a vm.Script, which has no import() (no module loader):
    // dynamic imports of external packages (the telemetry SDKs) become require() in a promise.
    supported: { "dynamic-import": false },
    plugins: [deferPlugin],
    minify: process.env.NOMIN !== "1",
    // Class and function names stay: logs and error serializers print them.
    keepNames: true,
    sourcemap: "linked",
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  asciiOnly(outfile);
  return { inputs: Object.keys(result.metafile.inputs).map((p) => relative(ROOT, resolve(ROOT, p))), outfile };
}

/**
 * Escapes the few non-ASCII characters esbuild leaves (in regular expression literals) as
 * `\uXXXX`, which means the same there and in strings. An ASCII file is read at start-up as a
 * one-byte string: a UTF-8 one of 5 MB takes 150 ms more to decode and twice the memory.
 */
function asciiOnly(file: string): void {
  const text = readFileSync(file, "utf8");
  const escaped = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (escaped !== text) writeFileSync(file, escaped);
}

/** The audit and schema tools, each bundled on its own into `outdir`/cli/ (not part of the bot's bundle). */
/**
 * The bundle inputs that are simulator code (the workspace package, by its folder or its link in
 * node_modules) or the simulator's own dependency: none may be in the production build.
 */
export function simulatorInputs(inputs: readonly string[]): string[] {
  return inputs.filter((p) => /(^|[\\/])packages[\\/]graph-simulator[\\/]|@teams-revoke-bot[\\/]graph-simulator|node_modules[\\/]selfsigned[\\/]/.test(p));
}

export const CLI_TOOLS = ["migrate", "audit-verify", "audit-export", "audit-outbox", "audit-rotate-key"];

async function bundleTools(outdir: string): Promise<string[]> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: CLI_TOOLS.map((name) => join(ROOT, "src", "cli", `${name}.ts`)),
    outdir: join(outdir, "cli"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: EXTERNAL,
    minify: true,
    keepNames: true,
    sourcemap: "linked",
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  return Object.keys(result.metafile.inputs).map((p) => relative(ROOT, resolve(ROOT, p)));
}

/** Compiles scripts/dist-loader.ts to `outfile` (dist/index.js): it runs the bundle with its code cache. */
export async function bundleLoader(outfile: string): Promise<void> {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, "scripts", "dist-loader.ts")],
    outfile,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
}

async function main(): Promise<void> {
  const outdir = join(ROOT, "dist");
  rmSync(outdir, { recursive: true, force: true });
  const { inputs: botInputs, outfile } = await bundle(outdir);
  const inputs = [...botInputs, ...(await bundleTools(outdir))];
  const simulator = simulatorInputs(inputs);
  if (simulator.length > 0) throw new Error(`the production build must not hold simulator code, but it has ${simulator.join(", ")}`);
  // dist/index.js runs the bundle with a V8 code cache, made now by loading it once.
  const loader = join(outdir, "index.js");
  await bundleLoader(loader);
  // With the V8 flags of `npm start`: V8 refuses a code cache made under other flags.
  const made = spawnSync(process.execPath, ["--no-deprecation", ...startFlags(), loader, "--make-code-cache"], { cwd: ROOT, stdio: "inherit" });
  if (made.status !== 0) throw new Error("loading the bundle to make its code cache failed");
  process.stdout.write(`built ${relative(ROOT, loader)} (runs ${relative(ROOT, outfile)}, ${botInputs.length} source files, with its code cache) and dist/cli/{${CLI_TOOLS.join(",")}}.js\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
