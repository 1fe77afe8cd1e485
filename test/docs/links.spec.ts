/**
 * The README is a front page and docs/ holds the rest: every relative link and picture in them
 * (and in SECURITY.md and the examples' READMEs) must name a file of the repository, and every
 * docs page must be reachable from the README.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
const PAGES = ["README.md", "SECURITY.md", "examples/sentinel-playbook/README.md", "packages/graph-simulator/README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The relative targets of markdown links and images in `text` (no URLs, no in-page anchors). */
export function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? "";
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    targets.push(target.replace(/#.*$/, ""));
  }
  return targets;
}

describe("docs: links", () => {
  for (const page of PAGES) {
    it(`${page}: every relative link names a file that exists`, () => {
      const text = readFileSync(join(ROOT, page), "utf8");
      const broken = relativeLinks(text).filter((target) => !existsSync(resolve(ROOT, dirname(page), decodeURIComponent(target))));
      assert.deepEqual(broken, []);
    });
  }

  it("every docs page is linked from the README, and the README stays a front page", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const linked = new Set(relativeLinks(readme));
    const unlinked = PAGES.filter((p) => p.startsWith("docs/") && !linked.has(p));
    assert.deepEqual(unlinked, []);
    assert.ok(readme.split("\n").length <= 250, `README.md has ${readme.split("\n").length} lines`);
    assert.ok(!readme.includes("../shared"), "the README stands on its own in a clone");
  });

  it("finds a broken link (the check itself works)", () => {
    assert.deepEqual(relativeLinks("see [a](docs/nowhere.md), [b](https://x.example) and ![c](images/p.png#x)"), ["docs/nowhere.md", "images/p.png"]);
  });
});
