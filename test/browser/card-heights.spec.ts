/**
 * How tall each card kind is where an analyst reads it: every sample card (test/cards/samples.ts)
 * is rendered by the adaptivecards SDK inside headless Chromium, 450 px wide, with Teams' light host
 * config, and must stay within the height the issue sets for its kind. Nothing on it may be cut
 * off (a one-line text that overflows its box). The heights are printed, and each rendering is
 * saved to test-results/cards/.
 *
 *   npm run test:browser       (needs Debian's chromium: apt-get install chromium)
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as AdaptiveCardsSdk from "adaptivecards";
import { chromium, type Browser, type Page } from "playwright-core";
import { cardSamples } from "../cards/samples.js";
import { REPO_ROOT } from "./demo-process.js";
import { imagesDir } from "./images.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"];
const HOST_CONFIG: unknown = JSON.parse(readFileSync(join(REPO_ROOT, "test", "cards", "fixtures", "teams-light-hostconfig.json"), "utf8"));
const SDK = join(REPO_ROOT, "node_modules", "adaptivecards", "dist", "adaptivecards.min.js");
/** Teams' chat column on a laptop is about this wide; the issue measures at it. */
const WIDTH = 450;
/** Each rendering, for a person to look at (git-ignored). */
const RENDERS = join(REPO_ROOT, "test-results", "cards");

interface Measured {
  height: number;
  /** Texts cut off at the card's edge (one-line text wider than its box). */
  clipped: string[];
  /** Parse errors and warnings of the SDK. */
  errors: string[];
}

/** Renders a card in the page's host element and measures it. */
async function measure(page: Page, card: unknown): Promise<Measured> {
  return page.evaluate(
    ({ card, hostConfig }) => {
      const AC = (window as unknown as { AdaptiveCards: typeof AdaptiveCardsSdk }).AdaptiveCards;
      // Teams renders markdown in card text; a small renderer for what the bot writes (escapes,
      // **bold**, [links](https://…), backticks) keeps the rendering and its height close to it.
      AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
        const held: string[] = [];
        const html = text
          .replace(/\\(.)/g, (_m, c: string) => `\uE000${held.push(`&#${c.charCodeAt(0)};`) - 1}\uE001`)
          .replace(/&/g, "&amp;")
          .replace(/</g, "&lt;")
          .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
          .replace(/`([^`]+)`/g, "<code>$1</code>")
          .replace(/\[([^\]]+)\]\((https:[^)\s]+)\)/g, '<a href="$2">$1</a>')
          .replace(/\uE000(\d+)\uE001/g, (_m, i: string) => held[Number(i)] ?? "");
        result.outputHtml = html;
        result.didProcess = true;
      };
      const adaptive = new AC.AdaptiveCard();
      adaptive.hostConfig = new AC.HostConfig(hostConfig);
      const errors: string[] = [];
      const context = new AC.SerializationContext();
      adaptive.parse(card, context);
      for (let i = 0; i < context.eventCount; i++) errors.push(context.getEventAt(i).message);
      const element = adaptive.render();
      const host = document.getElementById("host");
      if (host === null || element === undefined) throw new Error("nothing rendered");
      host.replaceChildren(element);
      const clipped: string[] = [];
      for (const el of Array.from(element.querySelectorAll<HTMLElement>("*"))) {
        const style = getComputedStyle(el);
        if (el.childElementCount === 0 && el.textContent !== "" && el.scrollWidth > el.clientWidth + 1 && style.overflow === "hidden") {
          clipped.push((el.textContent ?? "").slice(0, 80));
        }
      }
      return { height: Math.round(element.getBoundingClientRect().height), clipped, errors };
    },
    { card, hostConfig: HOST_CONFIG },
  );
}

describe(`card heights at ${WIDTH} px (adaptivecards SDK, Teams light host config, Chromium)`, function () {
  let browser: Browser | undefined;
  let page: Page | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`\n  SKIPPED: measuring cards needs Chromium at ${CHROMIUM} (sudo apt-get install chromium).\n`);
      this.skip();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: WIDTH + 40, height: 900 } });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff"><div id="host" style="width:${WIDTH}px"></div></body></html>`);
    await page.addScriptTag({ path: SDK });
  });

  after(async function () {
    await browser?.close();
  });

  for (const sample of cardSamples()) {
    it(`${sample.name}: at most ${sample.maxHeight} px, nothing cut off`, async function () {
      assert.ok(page !== undefined);
      const m = await measure(page, sample.card);
      mkdirSync(RENDERS, { recursive: true });
      await page.locator("#host").screenshot({ path: join(RENDERS, `${sample.name.replace(/[^a-z0-9.-]+/gi, "-")}.png`) });
      if (sample.image !== undefined) await page.locator("#host").screenshot({ path: join(imagesDir(), sample.image) });
      console.log(`      ${sample.name}: ${m.height} px (limit ${sample.maxHeight})`);
      assert.deepEqual(m.errors, [], "the SDK parses the card without errors");
      assert.ok(m.height <= sample.maxHeight, `${sample.name} is ${m.height} px tall; the limit is ${sample.maxHeight} px`);
      assert.deepEqual(m.clipped, [], "no text is cut off at the card's edge");
    });
  }
});
