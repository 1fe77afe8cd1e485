/**
 * `npm run package:deploy`: the artifact App Service runs, build/deploy.zip (and the same files
 * unpacked in build/deploy/, which the Agents Toolkit's azureAppService/zipDeploy takes):
 *
 *   dist/            the production build (npm run build: one bundle, the CLI tools)
 *   cards/           the Adaptive Card templates the bundle reads
 *   package.json     production only: dependencies, engines, `npm start`
 *   package-lock.json  the project's lock, cut to what production installs
 *
 * No node_modules: App Service installs them (SCM_DO_BUILD_DURING_DEPLOYMENT=true, infra/azure.json)
 * on its own Linux, where better-sqlite3's native module must be built or fetched anyway. No
 * simulator, no test code, no env/ files (settings come from App Service). The Dockerfile runs the
 * same install on the same files.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import JSZip from "jszip";

const ROOT = resolve(__dirname, "..");

type Json = Record<string, unknown>;
interface LockEntry {
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The production package.json: what `npm ci --omit=dev` and `npm start` need, nothing else. */
export function productionManifest(root: Json): Json {
  const scripts = root.scripts as Record<string, string>;
  // The same V8 flags as the project's `npm start`, without loading env/ files.
  const start = (scripts.start ?? "").replace(/ --import \.\/scripts\/load-env\.mjs/, "");
  return {
    name: root.name,
    version: root.version,
    private: true,
    description: root.description,
    license: root.license,
    engines: root.engines,
    main: root.main,
    scripts: { start },
    dependencies: root.dependencies,
  };
}

/**
 * The lock cut to the packages production reaches from `dependencies` (npm's own resolution: a
 * dependency is found in the nearest node_modules up the tree), so `npm ci` finds it in sync.
 */
export function productionLock(lock: Json, manifest: Json): Json {
  const packages = lock.packages as Record<string, LockEntry & Json>;
  const keep = new Set<string>();
  const resolveFrom = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
      if (packages[candidate] !== undefined) return candidate;
      if (base === "") return undefined;
      const cut = base.lastIndexOf("/node_modules/");
      base = cut < 0 ? "" : base.slice(0, cut);
    }
  };
  const visit = (path: string, entry: LockEntry): void => {
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => entry.peerDependenciesMeta?.[n]?.optional !== true),
    ];
    for (const name of names) {
      const found = resolveFrom(path, name);
      if (found === undefined || keep.has(found)) continue;
      keep.add(found);
      const target = packages[found];
      if (target !== undefined) visit(found, target);
    }
  };
  visit("", { dependencies: manifest.dependencies as Record<string, string> });
  const cut: Record<string, unknown> = { "": { name: manifest.name, version: manifest.version, license: manifest.license, dependencies: manifest.dependencies, engines: manifest.engines } };
  for (const path of Object.keys(packages).sort()) if (keep.has(path)) cut[path] = packages[path];
  return { name: manifest.name, version: manifest.version, lockfileVersion: lock.lockfileVersion, requires: true, packages: cut };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Stages the artifact in `outDir` (from an existing dist/) and zips it to `zipFile`. */
export async function packageDeploy(outDir: string, zipFile: string): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(ROOT, "dist"), join(outDir, "dist"), { recursive: true });
  cpSync(join(ROOT, "cards"), join(outDir, "cards"), { recursive: true });
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Json;
  const manifest = productionManifest(root);
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as Json;
  writeFileSync(join(outDir, "package-lock.json"), `${JSON.stringify(productionLock(lock, manifest), null, 2)}\n`);
  const zip = new JSZip();
  const date = new Date(Date.UTC(2020, 0, 1));
  const files = filesUnder(outDir).map((f) => relative(outDir, f).split("\\").join("/"));
  for (const file of files) zip.file(file, readFileSync(join(outDir, file)), { date });
  writeFileSync(zipFile, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" }));
  return files;
}

async function main(): Promise<void> {
  const built = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "build.ts")], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("the production build failed");
  const files = await packageDeploy(join(ROOT, "build", "deploy"), join(ROOT, "build", "deploy.zip"));
  process.stdout.write(`packaged build/deploy.zip (${files.length} files; unpacked in build/deploy/)\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`package:deploy failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
