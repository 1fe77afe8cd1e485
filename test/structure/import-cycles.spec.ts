/**
 * Runtime imports between bot/ and bot/commands/: the rest of bot/ (the teams-ai Application and
 * Teams posting) uses bot/commands/, and bot/commands/ reaches the rest of bot/ only through the
 * interfaces in src/bot/commands/ports.ts. A runtime import cycle would make module load order decide what is
 * undefined at start-up, and hides the authorization order in a tangle.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const SRC = resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** True when an import declaration brings in types only (erased at runtime). */
function typeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import "x"`: a side effect, runtime
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  if (bindings === undefined) return false;
  if (ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The relative modules a file imports at runtime (`import type` and all-`type` imports ignored), as source paths. */
export function runtimeImports(file: string, text = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && !typeOnly(node)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteral(arg)) specifiers.push(arg.text);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteral(arg)) specifiers.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")));
}

/** Strongly connected components with more than one file (or a file importing itself): the import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) connect(v);
  return found;
}

function graphOf(files: readonly string[], read: (file: string) => string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, read(f)]));
}

const inFolder = (folder: string) => (file: string) => relative(SRC, file).split(/[\\/]/)[0] === folder;
/** Files under src/bot/commands/ (the chat commands). */
const inCommands = (file: string): boolean => relative(SRC, file).split(/[\\/]/).slice(0, 2).join("/") === "bot/commands";
/** Files of bot/ outside bot/commands/ (the teams-ai Application and Teams posting). */
const inBotOutsideCommands = (file: string): boolean => inFolder("bot")(file) && !inCommands(file);

describe("structure: no runtime import cycle between bot/ and bot/commands/", () => {
  const files = sourceFiles(SRC);
  const graph = graphOf(files, (f) => runtimeImports(f));

  it("bot/commands/ imports nothing from the rest of bot/ at runtime (bot/ implements the interfaces in bot/commands/ports.ts)", () => {
    const offending = files
      .filter(inCommands)
      .flatMap((f) => (graph.get(f) ?? []).filter(inBotOutsideCommands).map((to) => `${relative(SRC, f)} → ${relative(SRC, to)}`));
    assert.deepEqual(offending, []);
  });

  it("no runtime import cycle passes through bot/ (bot/commands/ included)", () => {
    const tangled = cycles(graph)
      .filter((c) => c.some(inFolder("bot")))
      .map((c) => c.map((f) => relative(SRC, f)).sort());
    assert.deepEqual(tangled, []);
  });

  it("no runtime import cycle anywhere in src/ (DESIGN: an interface two files share lives in a third)", () => {
    const tangled = cycles(graph).map((c) => c.map((f) => relative(SRC, f)).sort());
    assert.deepEqual(tangled, []);
  });

  it("the check itself finds a cycle and ignores type-only imports (fixture)", () => {
    const a = join(SRC, "bot", "fixture-a.ts");
    const b = join(SRC, "bot", "commands", "fixture-b.ts");
    const texts: Record<string, string> = {
      [a]: 'import { b } from "./commands/fixture-b.js";\nexport const a = b;\n',
      [b]: 'import { a } from "../fixture-a.js";\nexport const b = 1;\nexport const c = () => a;\n',
    };
    const withCycle = graphOf([a, b], (f) => runtimeImports(f, texts[f]));
    assert.equal(cycles(withCycle).length, 1, "a runtime cycle is found");
    texts[b] = 'import type { a } from "../fixture-a.js";\nimport { type a as A2 } from "../fixture-a.js";\nexport const b = 1;\n';
    const typesOnly = graphOf([a, b], (f) => runtimeImports(f, texts[f]));
    assert.equal(cycles(typesOnly).length, 0, "type-only imports are not runtime imports");
  });
});
