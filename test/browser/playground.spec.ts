/**
 * The demo end to end, through a real browser: `npm run demo` starts the Graph simulator, the bot
 * and the Microsoft 365 Agents Playground; headless Chromium types a revocation into the
 * Playground, confirms it on the Adaptive Card and waits for the card to report the result. The
 * bot's audit log must record the same request, and a SIGINT to the demo (Ctrl-C) must stop all
 * three parts and exit 0.
 *
 *   npm run test:browser       (needs Debian's chromium: apt-get install chromium)
 *
 * Screenshots of the whole page go to test-results/ (git-ignored); a screenshot of each card kind
 * the Playground shows (single-user approval and result, a department's approval card, an audit
 * post) goes to test-results/images/, or with `npm run screenshots` to docs/images/, where the
 * README shows them.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { HOSTILE_IPV4, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { imagesDir } from "./images.js";
import { acceptsConnections, REPO_ROOT, startDemo, waitForPortFree, waitForUrl, within, type DemoProcess } from "./demo-process.js";

const CHROMIUM = "/usr/bin/chromium";
/** Flags this closed network needs: no GPU, no sandbox (root in a container), no background calls home. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PLAYGROUND_URL = "http://localhost:56150";
/** PORT in env/.env.local. */
const BOT_HEALTH_URL = "http://127.0.0.1:3978/healthz";
/** DATABASE_URL in env/.env.local puts the demo's data in data/demo. */
const DEMO_DATABASE = join(REPO_ROOT, "data", "demo", "revoke-bot.db");
const RESULTS_DIR = join(REPO_ROOT, "test-results");
const REASON = "browser test";
/** A department of the demo tenant (src/simulator/tenant-generator.ts), for the approval card of a set. */
const DEPARTMENT = "Legal";

interface AuditEntry {
  seq: number;
  action: string;
  requestId: string | null;
  /** null for the bot's own steps (e.g. revocation.completed). */
  actor: { aadObjectId: string; name: string } | null;
  details: Record<string, unknown>;
}

/** The audit log's entries, read from the demo's database (it survives between demo runs, so callers slice off old ones). */
function readAuditLog(): AuditEntry[] {
  if (!existsSync(DEMO_DATABASE)) return [];
  const db = new BetterSqlite3(DEMO_DATABASE, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("select seq, action, request_id, actor_id, actor_name, details from audit_log order by seq").all() as Array<{
      seq: number;
      action: string;
      request_id: string | null;
      actor_id: string | null;
      actor_name: string | null;
      details: string;
    }>;
    return rows.map((r) => ({
      seq: r.seq,
      action: r.action,
      requestId: r.request_id,
      actor: r.actor_id === null ? null : { aadObjectId: r.actor_id, name: r.actor_name ?? "" },
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  } catch (err) {
    // The bot creates the tables at start; before that there is nothing to read.
    if (err instanceof Error && /no such table/.test(err.message)) return [];
    throw err;
  } finally {
    db.close();
  }
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS_DIR, name), fullPage: true });
}


/** The rendered Adaptive Card (the Playground renders with the adaptivecards SDK) that holds the text. */
function cardWith(page: Page, text: RegExp): Locator {
  return page.locator(".ac-adaptiveCard").filter({ hasText: text }).last();
}

/** Saves one card, as the Playground shows it, for the README (see imagesDir). */
async function cardImage(card: Locator, name: string): Promise<void> {
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: join(imagesDir(), name) });
}

/** The local addresses of the TCP sockets listening on `port` (Linux: /proc/net/tcp and tcp6). */
function listenersOn(port: number): string[] {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let table: string;
    try {
      table = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of table.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local === undefined || state !== "0A") continue; // 0A: LISTEN
      const [hex, portHex] = local.split(":");
      if (hex === undefined || portHex === undefined || parseInt(portHex, 16) !== port) continue;
      if (hex.length === 8) found.push((hex.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join("."));
      else found.push(/^0+$/.test(hex) ? "::" : hex);
    }
  }
  return found;
}

describe("npm run demo in the Agents Playground (browser)", function () {
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;

  before(function () {
    if (!existsSync(CHROMIUM)) {
      console.log(
        `\n  SKIPPED: the browser test needs Chromium at ${CHROMIUM}, which is missing.\n` +
          "  Install Debian's package (sudo apt-get install chromium) and run `npm run test:browser` again.\n",
      );
      this.skip();
    }
    mkdirSync(RESULTS_DIR, { recursive: true });
  });

  afterEach(function () {
    // Leave a failed run's evidence in the mocha output.
    if (this.currentTest?.state === "failed" && demo !== undefined) {
      console.log(`\n----- npm run demo output -----\n${demo.output()}\n-------------------------------`);
    }
  });

  after(async function () {
    await browser?.close();
    await demo?.dispose(); // only does something if the test failed before stopping the demo itself
  });

  it("revokes a user from the Playground, audits it, and stops cleanly on Ctrl-C", async function () {
    const auditBefore = readAuditLog().length;
    await waitForPortFree(56150, 70_000);
    demo = startDemo();
    await waitForUrl(BOT_HEALTH_URL, demo, 60_000);
    await waitForUrl(PLAYGROUND_URL, demo, 30_000);
    // The Playground relays to a bot without inbound auth: it must listen on loopback only.
    assert.deepEqual(listenersOn(56150), ["127.0.0.1"]);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Offline machine: the Playground's page asks a CDN for fonts; fail those at once instead of
    // waiting for DNS. Only the Playground itself is reachable.
    await page.route((url) => url.origin !== PLAYGROUND_URL, (route) => route.abort());
    await page.goto(PLAYGROUND_URL);

    // The Playground tells the bot it was installed; the bot's greeting proves the two are wired.
    await page.getByText(/I revoke Microsoft Entra ID sign-in sessions/).first().waitFor({ timeout: 30_000 });
    // The compose box is the (last) rich-text textbox; a card's own inputs are plain <input>s.
    await page.getByRole("textbox").and(page.locator("[contenteditable=true]")).last().click();
    await page.keyboard.type(`revoke user alice@contoso.com --reason "${REASON}"`);
    await page.getByRole("button", { name: "Send Message" }).click();

    const confirm = page.getByRole("button", { name: "Approve", exact: true });
    await confirm.waitFor({ timeout: 30_000 });
    // The title names the person; the facts that matter follow.
    const title = `Revoke ${WELL_KNOWN.alice.displayName}'s sessions?`;
    await page.getByRole("heading", { name: title }).waitFor();
    await page.getByText("alice@contoso.com", { exact: true }).first().waitFor();
    await screenshot(page, "playground-confirm.png");
    await cardImage(cardWith(page, new RegExp(title.replace(/[?']/g, "."))), "approval-single.png");

    await confirm.click();
    await page.getByRole("heading", { name: /Revocation complete/ }).waitFor({ timeout: 30_000 });
    await page.getByText(/Revoked and verified/).first().waitFor();
    await screenshot(page, "playground-result.png");
    await cardImage(cardWith(page, /Revocation complete/), "result-single.png");

    // The bot's side: one request, created, approved and completed by the right people.
    const entries = await eventually("the request's audit entries", 10_000, () => {
      const fresh = readAuditLog().slice(auditBefore);
      const created = fresh.find((e) => e.action === "request.created" && e.details.reason === REASON);
      const ours = fresh.filter((e) => created !== undefined && e.requestId === created.requestId);
      return ours.some((e) => e.action === "revocation.completed") ? ours : undefined;
    });
    const milestones = ["request.created", "request.approved", "revocation.completed"];
    assert.deepEqual(
      entries.map((e) => e.action).filter((a) => milestones.includes(a)),
      milestones,
      "created, approved and completed, in that order",
    );
    const sam = WELL_KNOWN.sam.id; // the Playground's current user
    assert.equal(entries.find((e) => e.action === "request.created")?.actor?.aadObjectId, sam, "Sam requested");
    assert.equal(entries.find((e) => e.action === "request.approved")?.actor?.aadObjectId, sam, "Sam approved");
    const requestId = entries[0]?.requestId ?? "";
    assert.match(requestId, /^R-[0-9A-Z]{10}$/);
    assert.match(demo.output(), new RegExp(`audit #\\d+ revocation\\.completed ${requestId}`), "the demo prints the audit entry");

    // A department: the approval card of a set (it needs a second person, so it stays pending and
    // is withdrawn afterwards).
    await page.getByRole("textbox").and(page.locator("[contenteditable=true]")).last().click();
    await page.keyboard.type(`revoke department "${DEPARTMENT}" --reason "${REASON}"`);
    await page.getByRole("button", { name: "Send Message" }).click();
    const setTitle = new RegExp(`^Revoke sessions of all \\d+ users in ${DEPARTMENT}\\?$`);
    await page.getByRole("heading", { name: setTitle }).last().waitFor({ timeout: 60_000 });
    const setCard = cardWith(page, new RegExp(`Revoke sessions of all \\d+ users in ${DEPARTMENT}`));
    await cardImage(setCard, "approval-bulk.png");
    const setId = /cancel (R-[0-9A-Z]{10})/.exec(await setCard.innerText())?.[1];
    assert.ok(setId !== undefined, "the set's card says how to withdraw it");
    await page.getByRole("textbox").and(page.locator("[contenteditable=true]")).last().click();
    await page.keyboard.type(`cancel ${setId}`);
    await page.getByRole("button", { name: "Send Message" }).click();
    await page.getByText(`Request ${setId} is withdrawn. Nothing was revoked.`).first().waitFor({ timeout: 30_000 });

    // An address: the title says who signed in from where and when (issue 21), then it is withdrawn.
    await page.getByRole("textbox").and(page.locator("[contenteditable=true]")).last().click();
    await page.keyboard.type(`revoke ip ${HOSTILE_IPV4} --reason "${REASON}"`);
    await page.getByRole("button", { name: "Send Message" }).click();
    const ipTitle = `Revoke sessions of the \\d+ users who signed in from ${HOSTILE_IPV4.replace(/\./g, "\\.")} in the last 24 hours`;
    await page.getByRole("heading", { name: new RegExp(`^${ipTitle}\\?$`) }).last().waitFor({ timeout: 60_000 });
    const ipCard = cardWith(page, new RegExp(ipTitle));
    await cardImage(ipCard, "approval-ip.png");
    const ipId = /cancel (R-[0-9A-Z]{10})/.exec(await ipCard.innerText())?.[1];
    assert.ok(ipId !== undefined, "the address's card says how to withdraw it");
    await page.getByRole("textbox").and(page.locator("[contenteditable=true]")).last().click();
    await page.keyboard.type(`cancel ${ipId}`);
    await page.getByRole("button", { name: "Send Message" }).click();
    await page.getByText(`Request ${ipId} is withdrawn. Nothing was revoked.`).first().waitFor({ timeout: 30_000 });

    // The audit posts reached the Playground's audit channel, each a headline in words.
    await page.getByRole("treeitem", { name: /Revocation audit/ }).click();
    await page.getByText(new RegExp(`Revoked ${WELL_KNOWN.alice.displayName}.s sessions \\(${requestId}\\): 1 revoked and verified`)).first().waitFor({ timeout: 15_000 });
    await screenshot(page, "playground-audit-channel.png");
    await cardImage(cardWith(page, new RegExp(`asked to revoke ${WELL_KNOWN.alice.displayName}.s sessions`)), "audit-post.png");
    await browser.close();
    browser = undefined;

    // Ctrl-C: the demo stops the Playground, the bot and the simulator, and exits 0.
    const simulatorUrl = /local simulator \((https:\/\/127\.0\.0\.1:\d+)\)/.exec(demo.output())?.[1];
    assert.ok(simulatorUrl !== undefined, "the demo printed the simulator's URL");
    const parts = [["Playground", PLAYGROUND_URL], ["bot", BOT_HEALTH_URL], ["simulator", simulatorUrl]] as const;
    for (const [part, url] of parts) assert.equal(await acceptsConnections(url), true, `the ${part} runs (${url})`);
    demo.signal("SIGINT");
    const exit = await within(45_000, "the demo did not exit within 45 s of SIGINT", demo.exited);
    assert.deepEqual(exit, { code: 0, signal: null }, `demo exit; output:\n${demo.output()}`);
    assert.match(demo.output(), /Stopped\./);
    for (const [part, url] of parts) assert.equal(await acceptsConnections(url), false, `the ${part} has stopped (${url})`);
  });
});
