import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");

/**
 * The V8 flags `npm start` runs the bot with (package.json): the build makes the code cache with
 * them (V8 refuses a cache made under other flags), and the benchmarks run the bot with them.
 */
export function startFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  return (scripts.start ?? "").split(/\s+/).filter((a) => /^--max-[a-z-]+=\d+$/.test(a));
}
