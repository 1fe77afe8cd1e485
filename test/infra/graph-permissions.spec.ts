/**
 * infra/graph-permissions.json is the one list of Graph permissions: the grant script reads it,
 * the permission table (docs/real-tenant.md) and SECURITY.md show it, and the code calls no Graph path it does not list.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GRAPH_ROLES } from "@teams-revoke-bot/graph-simulator";

const ROOT = join(__dirname, "..", "..");
interface Permission {
  permission: string;
  when: string;
  why: string;
  calls: string[];
}
const list = (JSON.parse(readFileSync(join(ROOT, "infra", "graph-permissions.json"), "utf8")) as { permissions: Permission[] }).permissions;

/** "METHOD /path" → "/path" without its query, with every {placeholder} as {}. */
const pathOf = (call: string): string => (call.split(" ")[1] ?? "").replace(/\?.*$/, "").replace(/\{[^}]*\}/g, "{}");

/** The Graph paths the bot's code sends, from the literal paths in src/directory/. */
function pathsInCode(): Array<{ file: string; path: string }> {
  const dir = join(ROOT, "src", "directory");
  const found: Array<{ file: string; path: string }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/\.api\(\s*(["`])(\/[^"`]*)\1|url: `(\/[^`]*)`/g)) {
      const raw = m[2] ?? m[3] ?? "";
      found.push({ file, path: raw.replace(/\?.*$/, "").replace(/\$\{[^}]*\}/g, "{}") });
    }
  }
  return found;
}

describe("infra/graph-permissions.json (the Graph permissions of the identity)", () => {
  it("lists real Microsoft Graph application permissions, each once, each with why and when", () => {
    const known: string[] = Object.values(GRAPH_ROLES);
    for (const p of list) {
      assert.ok(known.includes(p.permission), `${p.permission} is a Graph application permission`);
      assert.ok(["always", "disable", "reset-password", "confirm-compromised", "optional"].includes(p.when), `${p.permission}: when`);
      assert.ok(p.why.length > 10 && p.calls.length > 0, p.permission);
    }
    assert.equal(new Set(list.map((p) => p.permission)).size, list.length);
    // Least privilege: nothing that writes the whole directory.
    for (const broad of ["User.ReadWrite.All", "Directory.ReadWrite.All", "Group.Read.All"]) assert.ok(!list.some((p) => p.permission === broad), broad);
  });

  it("grants every Graph path the code calls (the code calls nothing the list does not grant)", () => {
    const granted = new Set(list.flatMap((p) => p.calls.map(pathOf)));
    const code = pathsInCode();
    assert.ok(code.length >= 10, `${code.length} Graph calls found in src/directory`);
    const missing = code.filter((c) => !granted.has(c.path));
    assert.deepEqual(missing, [], "Graph paths in the code that infra/graph-permissions.json does not grant");
    // And the list grants nothing the code never calls.
    const called = new Set(code.map((c) => c.path));
    for (const p of list) assert.ok(p.calls.map(pathOf).some((path) => called.has(path) || path === "/users/('{}')" || path.startsWith("/users('")), `${p.permission} is used`);
  });

  it("is what the permission table (docs/real-tenant.md) and SECURITY.md show, and what the grant script reads", () => {
    const readme = readFileSync(join(ROOT, "docs", "real-tenant.md"), "utf8");
    const security = readFileSync(join(ROOT, "SECURITY.md"), "utf8");
    for (const p of list) {
      assert.ok(readme.includes(`\`${p.permission}\``), `docs/real-tenant.md names ${p.permission}`);
      assert.ok(security.includes(p.permission), `SECURITY.md names ${p.permission}`);
    }
    const script = readFileSync(join(ROOT, "scripts", "grant-graph-permissions.sh"), "utf8");
    assert.match(script, /infra\/graph-permissions\.json/);
    assert.match(script, /appRoleAssignmentRequired=true/);
    assert.match(script, /idtyp/);
    const syntax = spawnSync("bash", ["-n", join(ROOT, "scripts", "grant-graph-permissions.sh")], { encoding: "utf8" });
    assert.equal(syntax.status, 0, syntax.stderr);
  });
});
