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

/** Every module a file imports, type-only imports included: relative ones as source paths, packages by name. */
function allImports(file: string, text = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteral(arg)) specifiers.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.map((s) => (s.startsWith(".") ? resolve(dirname(file), s.replace(/\.js$/, ".ts")) : s));
}

/** The front doors: Teams chat, the automation API, the command-line tools. */
const FRONT_DOORS = ["bot", "api", "cli"] as const;
const FRAMEWORKS = [/^botbuilder/, /^@microsoft\/teams-ai/, /^restify/];

/** What breaks the layering: a front door importing another, the core importing a door, a framework or the wording. */
function layeringViolations(files: readonly string[], read: (file: string) => string[]): string[] {
  const top = (file: string) => relative(SRC, file).split(/[\\/]/)[0] ?? "";
  const out: string[] = [];
  for (const file of files) {
    const from = top(file);
    for (const to of read(file)) {
      const local = to.startsWith(SRC);
      const into = local ? top(to) : "";
      const name = `${relative(SRC, file)} → ${local ? relative(SRC, to) : to}`;
      if ((FRONT_DOORS as readonly string[]).includes(from) && local && into !== from && (FRONT_DOORS as readonly string[]).includes(into)) out.push(`a front door imports another: ${name}`);
      if (from === "requests" && ((local && (FRONT_DOORS as readonly string[]).includes(into)) || (!local && FRAMEWORKS.some((f) => f.test(to))))) out.push(`requests/ imports a front door or a framework: ${name}`);
      if ((from === "requests" || from === "revocation") && local && into === "cards") out.push(`the domain imports its wording: ${name}`);
      if (from === "domain" && local && into !== "domain") out.push(`domain/ imports upward: ${name}`);
    }
  }
  return out;
}

describe("structure: front doors around one core (issue 19)", () => {
  it("no front door imports another; requests/ imports no front door and no framework; requests/ and revocation/ take their words from cards/ only through the composition root; domain/ imports nothing above it", () => {
    assert.deepEqual(layeringViolations(sourceFiles(SRC), (f) => allImports(f)), []);
  });

  it("the check itself finds each kind of violation, type-only imports included (fixture)", () => {
    const file = (path: string) => join(SRC, ...path.split("/"));
    const texts: Record<string, string> = {
      [file("api/fixture.ts")]: 'import type { X } from "../bot/commands/ports.js";\n',
      [file("requests/fixture.ts")]: 'import type { TurnContext } from "botbuilder";\nimport { Requests } from "../cards/chat-replies.js";\n',
      [file("domain/fixture.ts")]: 'import type { RevocationRequest } from "../revocation/types.js";\n',
    };
    const found = layeringViolations(Object.keys(texts), (f) => allImports(f, texts[f]));
    assert.deepEqual(found.map((v) => v.slice(0, v.indexOf(":"))), [
      "a front door imports another",
      "requests/ imports a front door or a framework",
      "the domain imports its wording",
      "domain/ imports upward",
    ]);
  });
});
