/**
 * The simulator is a test double in its own workspace package: the bot's source never imports it
 * (so no simulator code reaches the production build), and the package never reaches into the
 * bot's source (so it stays a double shaped by Microsoft's documentation, not by the bot's code).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "../..");
const PACKAGE = join(ROOT, "packages", "graph-simulator");
const PACKAGE_NAME = "@teams-revoke-bot/graph-simulator";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module a file names: imports of any kind (type-only too), re-exports, require(), import(). */
function moduleSpecifiers(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

function offenders(files: string[], bad: (specifier: string, file: string) => boolean): string[] {
  return files.flatMap((file) =>
    moduleSpecifiers(file)
      .filter((s) => bad(s, file))
      .map((s) => `${relative(ROOT, file)} imports ${s}`),
  );
}

describe("structure: the simulator is its own package", () => {
  it("src/ imports nothing from the simulator package", () => {
    const found = offenders(sourceFiles(join(ROOT, "src")), (s, file) =>
      s === PACKAGE_NAME || s.startsWith(`${PACKAGE_NAME}/`) || resolve(dirname(file), s).startsWith(PACKAGE),
    );
    assert.deepEqual(found, []);
  });

  it("the package imports nothing from outside its own folder but npm packages", () => {
    const found = offenders(sourceFiles(PACKAGE), (s, file) => s.startsWith(".") && !resolve(dirname(file), s).startsWith(PACKAGE));
    assert.deepEqual(found, []);
  });

  it("the check sees type-only imports, re-exports and require() (fixture)", () => {
    const text = [
      `import type { X } from "${PACKAGE_NAME}";`,
      `export { Y } from "${PACKAGE_NAME}/jwt";`,
      `const z = require("../packages/graph-simulator/src/index.js");`,
    ].join("\n");
    const names = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    assert.deepEqual(names, [PACKAGE_NAME, `${PACKAGE_NAME}/jwt`, "../packages/graph-simulator/src/index.js"]);
  });
});
