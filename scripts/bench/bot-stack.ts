/**
 * What `bench:turns` and `bench:memory` share: the production build of the bot (`dist/index.js`)
 * as a process of its own, with the heap limit `npm start` gives it, with channel authentication on, against the Graph simulator (with a
 * department of N users) and a local Teams connector, both in this process. Activities reach the
 * bot over its real HTTP endpoint with a genuine channel token, as in the e2e harness
 * (test/e2e/harness.ts).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { Activity } from "botbuilder";
import { Verbs } from "../../src/cards/verbs.js";
import { startSimulator, WELL_KNOWN, type StartedSimulator } from "../../src/simulator/index.js";
import { channelAuthEnv } from "../../test/e2e/harness.js";
import { actionExecuteActivity, inThread, messageActivity, type TeamsConversation, type TeamsUser } from "../../test/fakes/activities.js";
import { FakeConnector, type ConnectorCall } from "../../test/fakes/connector.js";
import { botEnvFor } from "../../test/support/bot-env.js";

const ROOT = resolve(__dirname, "../..");

export type UserKey = Extract<keyof typeof WELL_KNOWN, string>;

export const DEPARTMENT = "Load Test";

export interface StackOptions {
  /** Users in the department DEPARTMENT. */
  users: number;
  /** Graph's write quota (3,000 per 150 s) with its window divided by this; Graph answers at once. */
  scale: number;
  /** Skip `npm run build` and use dist/ as it is. */
  noBuild: boolean;
}

export interface BotStack {
  sim: StartedSimulator;
  connector: FakeConnector;
  bot: ChildProcess;
  url: string;
  /** The bot's SQLite database. */
  databaseFile: string;
  channel: TeamsConversation;
  user(key: UserKey): TeamsUser;
  /** POSTs an activity to /api/messages with a channel token; resolves with the status, the answer and the time it took (ms). */
  post(activity: Partial<Activity>): Promise<{ status: number; body: unknown; ms: number }>;
  say(key: UserKey, text: string, conversation?: TeamsConversation): Promise<{ status: number; body: unknown; ms: number }>;
  click(key: UserKey, verb: string, data: Record<string, unknown>, cardActivityId: string, conversation?: TeamsConversation): Promise<{ status: number; body: unknown; ms: number }>;
  /** The bot process's resident memory now and its peak so far (Linux: VmRSS and VmHWM), bytes. */
  rss(): { now: number; peak: number };
  close(): Promise<void>;
}

/** Parses `--users N --scale S --no-build`. */
export function parseStackArgs(argv: readonly string[], defaults: { users: number; scale: number }): StackOptions {
  const options: StackOptions = { ...defaults, noBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--no-build") {
      options.noBuild = true;
      continue;
    }
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
    if (flag === "--users") options.users = Math.floor(value);
    else if (flag === "--scale") options.scale = value;
    else throw new Error(`unknown option ${flag}; use --users N, --scale S, --no-build`);
  }
  return options;
}

/** The V8 flags `npm start` runs the bot with (package.json), so the benchmark runs it the same way. */
export function startFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  return (scripts.start ?? "").split(/\s+/).filter((a) => /^--max-[a-z-]+=\d+$/.test(a));
}

function statusOf(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, "utf8");
}

function kb(status: string, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? "0") * 1024;
}

export async function startStack(options: StackOptions): Promise<BotStack> {
  if (!options.noBuild) {
    const build = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
  }
  const windowSeconds = Math.max(1, Math.round(150 / options.scale));
  const sim = await startSimulator({
    bulkDepartment: { name: DEPARTMENT, count: options.users },
    userCount: 50,
    latencyMs: 0,
    writeQuota: { capacity: 3000, windowMs: windowSeconds * 1000, counting: "sliding" },
    recordRequests: false,
  });
  const connector = new FakeConnector((authorization) => {
    const check = sim.channel.checkConnectorToken(authorization);
    return check.valid ? undefined : check.reason;
  });
  await connector.start();
  const dir = mkdtempSync(join(tmpdir(), "bench-bot-"));
  const caFile = join(dir, "sim-ca.pem");
  writeFileSync(caFile, sim.caCertPem);
  const env = {
    PATH: process.env.PATH ?? "",
    NODE_EXTRA_CA_CERTS: caFile,
    ...botEnvFor(sim, dir),
    ...channelAuthEnv(sim),
    GRAPH_WRITE_QUOTA: "3000",
    GRAPH_WRITE_WINDOW_SECONDS: String(windowSeconds),
    LOG_LEVEL: "info",
  };
  // BENCH_CPU_PROF_DIR: the bot writes a CPU profile there when it stops (to see where its time goes).
  const profile = process.env.BENCH_CPU_PROF_DIR === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`];
  const bot = spawn(process.execPath, ["--no-deprecation", ...startFlags(), ...profile, join(ROOT, "dist", "index.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    // The log of a long job is large: keep only its tail (for errors) and the port line.
    output = (output + chunk.toString()).slice(-20_000);
  };
  bot.stdout?.on("data", keep);
  bot.stderr?.on("data", keep);
  if (process.env.BENCH_BOT_STDERR === "1") bot.stderr?.pipe(process.stderr);
  let port = 0;
  const until = Date.now() + 60_000;
  while (port === 0) {
    const match = /"port":(\d+)/.exec(output);
    if (match?.[1] !== undefined) port = Number(match[1]);
    else if (bot.exitCode !== null || Date.now() > until) throw new Error(`the bot did not start:\n${output}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  const url = `http://127.0.0.1:${port}`;
  const token = sim.channel.issueChannelToken({ serviceUrl: connector.url });
  const user = (key: UserKey): TeamsUser => ({ id: `29:${key}`, name: WELL_KNOWN[key].displayName, aadObjectId: WELL_KNOWN[key].id });
  const personal = (key: UserKey): TeamsConversation => ({ id: `a:personal-${key}`, conversationType: "personal", tenantId: sim.tenantId });
  const post = async (activity: Partial<Activity>) => {
    const started = performance.now();
    const res = await fetch(`${url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown), ms };
  };
  const pid = bot.pid ?? 0;
  const stack: BotStack = {
    sim,
    connector,
    bot,
    url,
    databaseFile: join(dir, "revoke-bot.db"),
    channel: { id: "19:secops-incidents@thread.tacv2", conversationType: "channel", tenantId: sim.tenantId },
    user,
    post,
    say: (key, text, conversation = personal(key)) => post(messageActivity(connector.url, user(key), conversation, text)),
    click: (key, verb, data, cardActivityId, conversation = personal(key)) =>
      post(actionExecuteActivity(connector.url, user(key), conversation, verb, data, cardActivityId)),
    rss: () => {
      const status = statusOf(pid);
      return { now: kb(status, "VmRSS"), peak: kb(status, "VmHWM") };
    },
    close: async () => {
      if (bot.exitCode === null) {
        // SIGTERM: the bot stops as in production (and writes its profile); SIGKILL if it hangs.
        const exited = new Promise((r) => bot.once("exit", r));
        bot.kill("SIGTERM");
        const timer = setTimeout(() => bot.kill("SIGKILL"), 30_000);
        await exited;
        clearTimeout(timer);
      }
      await connector.stop();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // As in a deployment, audit posts go to an audit channel (set there by an approver).
  const auditChannel: TeamsConversation = { id: "19:secops-audit@thread.tacv2", conversationType: "channel", tenantId: sim.tenantId };
  const audit = await stack.say("riley", "audit here", auditChannel);
  if (audit.status !== 200) throw new Error(`"audit here" answered ${audit.status}`);
  return stack;
}

/** The confirmation card of a request asked in `channel` after call number `from`, and its request ID. */
export function confirmCardAfter(stack: BotStack, channel: TeamsConversation, from: number): { call: ConnectorCall; requestId: string } | undefined {
  for (const call of stack.connector.calls.slice(from)) {
    if (call.kind === "update" || call.conversationId.split(";")[0] !== channel.id) continue;
    const card = call.activity.attachments?.[0]?.content as { actions?: Array<{ verb?: string; data?: { requestId?: unknown } }> } | undefined;
    const requestId = card?.actions?.find((a) => a.verb === Verbs.approve)?.data?.requestId;
    if (typeof requestId === "string") return { call, requestId };
  }
  return undefined;
}

/**
 * Val asks for the department in the channel and riley approves on the card: the job starts.
 * Resolves with the card's message (for clicks in its thread) and the request ID.
 */
export async function startDepartmentJob(stack: BotStack): Promise<{ call: ConnectorCall; requestId: string; askMs: number; approveMs: number }> {
  const before = stack.connector.calls.length;
  const ask = await stack.say("val", `revoke department "${DEPARTMENT}" --reason "bench: suspected token theft"`, stack.channel);
  if (ask.status !== 200) throw new Error(`asking answered ${ask.status}`);
  const card = confirmCardAfter(stack, stack.channel, before);
  if (card === undefined) {
    throw new Error(`no confirmation card; the bot said: ${stack.connector.calls.slice(before).map((c) => c.activity.text ?? "(card)").join(" | ")}`);
  }
  const approve = await stack.click("riley", Verbs.approve, { requestId: card.requestId }, card.call.id, inThread(stack.channel, card.call.id));
  if (approve.status !== 200) throw new Error(`approving answered ${approve.status}: ${JSON.stringify(approve.body)}`);
  return { ...card, askMs: ask.ms, approveMs: approve.ms };
}

/** The request's state and how many of its targets have an outcome, read from the bot's SQLite database (read-only). */
export function requestProgress(stack: BotStack, requestId: string): { state: string; outcomes: number; counts: Record<string, number> } {
  const db = new BetterSqlite3(stack.databaseFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT state FROM requests WHERE id = ?").get(requestId) as { state: string } | undefined;
    const counts = db.prepare("SELECT status, count(*) AS n FROM target_outcomes WHERE request_id = ? GROUP BY status").all(requestId) as Array<{ status: string; n: number }>;
    return {
      state: row?.state ?? "missing",
      outcomes: counts.reduce((a, c) => a + c.n, 0),
      counts: Object.fromEntries(counts.map((c) => [c.status, c.n])),
    };
  } finally {
    db.close();
  }
}

/** The q-quantile (0..1) of the numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
