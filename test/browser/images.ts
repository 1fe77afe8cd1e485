import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./demo-process.js";

/**
 * Where the browser tests save the card pictures the README shows: docs/images/ when asked
 * (`npm run screenshots`), test-results/images/ otherwise, so a test run never edits tracked files.
 */
export function imagesDir(): string {
  const dir = process.env.UPDATE_DOCS_IMAGES === "1" ? join(REPO_ROOT, "docs", "images") : join(REPO_ROOT, "test-results", "images");
  mkdirSync(dir, { recursive: true });
  return dir;
}
