/**
 * The layout shows the flow: front doors (bot/ for Teams, api/ for HTTP, cli/ for the operator's
 * commands) → requests/ (the application core) → policy, directory, store, audit, below them the
 * shared types in domain/. These rules keep it so:
 * - no production file over 450 lines (split by responsibility instead);
 * - no front door imports another (what two doors share lives in the core);
 * - botbuilder and teams-ai only behind bot/ (a move to the Teams SDK touches one folder), and
 *   nothing under requests/ knows Teams, HTTP or restify;
 * - the domain says facts, cards/ says words: nothing below the front doors imports cards/;
 * - domain/ imports nothing of the tree above it.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const SRC = resolve(__dirname, "../../src");
export const MAX_LINES = 450;

const FRONT_DOORS = ["bot", "api", "cli"] as const;
/** What only the Teams front door may know. */
const TEAMS_PACKAGES = [/^botbuilder(-.*)?$/, /^botframework-.*$/, /^@microsoft\/teams-ai(\/.*)?$/, /^@microsoft\/teams-js$/];
/** What the application core must not know (Teams, HTTP servers). */
const FRAMEWORK_PACKAGES = [...TEAMS_PACKAGES, /^restify(-.*)?$/, /^node:http2?$/, /^node:https$/];
/** The layers below the front doors: they return facts; cards/ turns facts into words. */
const BELOW_DOORS = ["requests", "domain", "revocation", "policy", "directory", "store", "audit", "watch"];

export interface SourceFile {
  /** Path below src/, with forward slashes, e.g. `requests/propose.ts`. */
  path: string;
  text: string;
}

function sourceFiles(dir: string): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) return [];
    return [{ path: relative(SRC, full).split(sep).join("/"), text: readFileSync(full, "utf8") }];
  });
}

/** Every module a file names: imports of any kind (type-only too), re-exports, require(), import(). */
function specifiers(file: SourceFile): string[] {
  return ts.preProcessFile(file.text, true, true).importedFiles.map((f) => f.fileName);
}

/** The top folder below src/ a relative specifier lands in (`""` for a file directly in src/). */
function folderOf(fromPath: string, specifier: string): string {
  const target = relative(SRC, resolve(SRC, dirname(fromPath), specifier)).split(sep);
  return target.length > 1 ? (target[0] ?? "") : "";
}

const topFolder = (path: string): string => (path.includes("/") ? (path.split("/")[0] ?? "") : "");

/** Each broken rule, as `file: what`, for the files given. */
export function layerViolations(files: readonly SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = file.text.split("\n").length - (file.text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) found.push(`${file.path}: ${lines} lines (at most ${MAX_LINES})`);
    const from = topFolder(file.path);
    for (const s of specifiers(file)) {
      if (s.startsWith(".")) {
        const to = folderOf(file.path, s);
        if (to === from) continue;
        if ((FRONT_DOORS as readonly string[]).includes(from) && (FRONT_DOORS as readonly string[]).includes(to)) {
          found.push(`${file.path}: front door ${from}/ imports front door ${to}/ (${s})`);
        }
        if (BELOW_DOORS.includes(from) && (FRONT_DOORS as readonly string[]).includes(to)) {
          found.push(`${file.path}: ${from}/ imports the front door ${to}/ (${s})`);
        }
        if (BELOW_DOORS.includes(from) && to === "cards") {
          found.push(`${file.path}: ${from}/ imports wording from cards/ (${s})`);
        }
        if (from === "domain" && to !== "domain") {
          found.push(`${file.path}: domain/ imports ${to === "" ? s : `${to}/`} (shared types import nothing above them)`);
        }
      } else {
        if (from === "requests" && FRAMEWORK_PACKAGES.some((p) => p.test(s))) {
          found.push(`${file.path}: the application core imports ${s}`);
        } else if (from !== "bot" && TEAMS_PACKAGES.some((p) => p.test(s))) {
          found.push(`${file.path}: imports ${s} outside bot/`);
        }
      }
    }
  }
  return found;
}

describe("structure: front doors → requests → policy, directory, store, audit", () => {
  it("src/ keeps every rule (file size, front doors apart, frameworks behind bot/, words in cards/)", () => {
    assert.deepEqual(layerViolations(sourceFiles(SRC)), []);
  });

  it("src/ has the layers the rules speak of", () => {
    const folders = new Set(sourceFiles(SRC).map((f) => topFolder(f.path)));
    for (const folder of ["bot", "api", "cli", "requests", "domain", "cards"]) assert.ok(folders.has(folder), `src/${folder}/ exists`);
  });

  it("each rule finds a planted violation (fixture)", () => {
    const planted: SourceFile[] = [
      { path: "api/leak.ts", text: 'import { parseCommand } from "../bot/commands/parse.js";\n' },
      { path: "requests/teams.ts", text: 'import type { TurnContext } from "botbuilder";\nimport restify from "restify";\n' },
      { path: "revocation/words.ts", text: 'import { Requests } from "../cards/chat-replies.js";\n' },
      { path: "store/door.ts", text: 'import { RequestsApi } from "../api/requests-api.js";\n' },
      { path: "domain/up.ts", text: 'import type { Auditor } from "../audit/auditor.js";\n' },
      { path: "watch/ai.ts", text: 'import { Application } from "@microsoft/teams-ai";\n' },
      { path: "audit/long.ts", text: "export const x = 1;\n".repeat(MAX_LINES + 1) },
    ];
    const found = layerViolations(planted);
    const expected = [
      "api/leak.ts: front door api/ imports front door bot/",
      "requests/teams.ts: the application core imports botbuilder",
      "requests/teams.ts: the application core imports restify",
      "revocation/words.ts: revocation/ imports wording from cards/",
      "store/door.ts: store/ imports the front door api/",
      "domain/up.ts: domain/ imports audit/",
      "watch/ai.ts: imports @microsoft/teams-ai outside bot/",
      `audit/long.ts: ${MAX_LINES + 1} lines`,
    ];
    for (const e of expected) assert.ok(found.some((f) => f.startsWith(e)), `finds "${e}" in:\n${found.join("\n")}`);
    assert.equal(found.length, expected.length, found.join("\n"));
    const clean: SourceFile[] = [
      { path: "bot/app.ts", text: 'import { Application } from "@microsoft/teams-ai";\nimport { propose } from "../requests/propose.js";\nimport { Requests } from "../cards/chat-replies.js";\n' },
      { path: "requests/propose.ts", text: 'import type { Actor } from "../domain/actor.js";\nimport { mayRequest } from "../policy/decide.js";\n' },
      { path: "audit/short.ts", text: "export const x = 1;\n".repeat(MAX_LINES) },
    ];
    assert.deepEqual(layerViolations(clean), []);
  });
});
