/**
 * What the durability specs share: the Graph simulator and a fake Teams connector in this process,
 * bot processes on one database, a read-only view of that database, and the checks that a
 * revocation interrupted by a killed process still ended exactly once per target.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Activity } from "botbuilder";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, type Selectable } from "kysely";
import { Pool } from "pg";
import { auditSummary } from "../../src/cards/audit-card.js";
import { Verbs } from "../../src/cards/verbs.js";
import { auditEntryOf } from "../../src/store/audit-store.js";
import { startSimulator, WELL_KNOWN, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import type { SimUser } from "@teams-revoke-bot/graph-simulator/tenant-model";
import type { AuditLogTable, Database, JobsTable, OutboxTable, RequestsTable, TargetOutcomesTable } from "../../src/store/schema.js";
import { cardIn, cardText } from "../e2e/cards.js";
import { actionExecuteActivity, messageActivity, type TeamsConversation, type TeamsUser } from "../fakes/activities.js";
import { FakeConnector, type ConnectorCall } from "../fakes/connector.js";
import { botEnvFor } from "../support/bot-env.js";
import { killAll, startBotProcess, startNodeProcess, waitForPort, type NodeProcess } from "../support/bot-process.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

export type UserKey = Extract<keyof typeof WELL_KNOWN, string>;

/** A bot process the test started and can talk to. */
export interface Bot {
  name: string;
  process: NodeProcess;
  url: string;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check returns a value other than undefined, or fails naming what it waited for. */
export async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, state?: () => Promise<string> | string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state === undefined ? "" : `; ${await state()}`}`);
    }
    await sleep(25);
  }
}

/** The database as the test reads it: never written, so it cannot hide what the bot did. */
export interface DatabaseView {
  db: Kysely<Database>;
  close(): Promise<void>;
}

/** Opens the database the bots use, read-only for SQLite (a separate pool for PostgreSQL). */
export function viewDatabase(url: string): DatabaseView {
  if (url.startsWith("sqlite:")) {
    const connection = new BetterSqlite3(url.slice("sqlite:".length), { readonly: true, fileMustExist: true, timeout: 5000 });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
    return { db, close: () => db.destroy() };
  }
  const pool = new Pool({ connectionString: url, max: 2 });
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, close: () => db.destroy() };
}

export interface RequestSnapshot {
  request: Selectable<RequestsTable> | undefined;
  job: Selectable<JobsTable> | undefined;
  outcomes: Array<Selectable<TargetOutcomesTable>>;
  targets: Array<{ user_id: string; attempt_at: string | null; attempt_owner: string | null }>;
}

/** A request, its job, targets and outcomes, read in one go. */
export async function snapshot(view: DatabaseView, requestId: string): Promise<RequestSnapshot> {
  const { db } = view;
  const [request, job, outcomes, targets] = await Promise.all([
    db.selectFrom("requests").selectAll().where("id", "=", requestId).executeTakeFirst(),
    db.selectFrom("jobs").selectAll().where("request_id", "=", requestId).executeTakeFirst(),
    db.selectFrom("target_outcomes").selectAll().where("request_id", "=", requestId).orderBy("position", "asc").execute(),
    db.selectFrom("request_targets").select(["user_id", "attempt_at", "attempt_owner"]).where("request_id", "=", requestId).orderBy("position", "asc").execute(),
  ]);
  return { request, job, outcomes, targets };
}

export function auditRows(view: DatabaseView): Promise<Array<Selectable<AuditLogTable>>> {
  return view.db.selectFrom("audit_log").selectAll().orderBy("seq", "asc").execute();
}

export function outboxRows(view: DatabaseView): Promise<Array<Selectable<OutboxTable>>> {
  return view.db.selectFrom("outbox").selectAll().orderBy("audit_seq", "asc").execute();
}

export interface StackOptions {
  /** DATABASE_URL for every bot; default a SQLite file in the stack's temporary folder. */
  databaseUrl?: string;
  /** Graph latency per request. */
  latencyMs: number;
  env?: Record<string, string>;
}

/**
 * The simulator, a fake connector and a temporary folder; bots are started on demand, each a
 * process of its own on the same database.
 */
export class Stack {
  readonly bots: Bot[] = [];
  readonly auditChannel: TeamsConversation;
  readonly requestChannel: TeamsConversation;
  private viewOpened: DatabaseView | undefined;

  private constructor(
    readonly sim: StartedSimulator,
    readonly connector: FakeConnector,
    readonly dir: string,
    readonly databaseUrl: string,
    readonly env: Record<string, string>,
  ) {
    this.auditChannel = { id: "19:secops-audit@thread.tacv2", conversationType: "channel", tenantId: sim.tenantId };
    this.requestChannel = { id: "19:secops-incidents@thread.tacv2", conversationType: "channel", tenantId: sim.tenantId };
  }

  static async start(options: StackOptions): Promise<Stack> {
    const sim = await startSimulator({ tls: trustedSimulatorTls(), latencyMs: options.latencyMs });
    const connector = new FakeConnector();
    await connector.start();
    const dir = mkdtempSync(join(tmpdir(), "revoke-bot-durability-"));
    const base = botEnvFor(sim, dir);
    const databaseUrl = options.databaseUrl ?? base.DATABASE_URL ?? `sqlite:${join(dir, "revoke-bot.db")}`;
    const env = { ...base, ALLOW_UNAUTHENTICATED: "true", LOG_LEVEL: "info", ...options.env, DATABASE_URL: databaseUrl };
    return new Stack(sim, connector, dir, databaseUrl, env);
  }

  /** Starts a bot process on the shared database and waits until it listens. */
  async startBot(name: string): Promise<Bot> {
    const process = startBotProcess(this.env);
    const bot: Bot = { name, process, url: "" };
    this.bots.push(bot);
    const port = await waitForPort(process, 60_000);
    bot.url = `http://127.0.0.1:${port}`;
    return bot;
  }

  /** The read-only view of the database (opened once a bot has created it). */
  get view(): DatabaseView {
    this.viewOpened ??= viewDatabase(this.databaseUrl);
    return this.viewOpened;
  }

  user(key: UserKey): TeamsUser {
    const u = WELL_KNOWN[key];
    return { id: `29:${key}`, name: u.displayName, aadObjectId: u.id };
  }

  async post(bot: Bot, activity: Partial<Activity>): Promise<HttpAnswer> {
    const res = await fetch(`${bot.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
  }

  say(bot: Bot, key: UserKey, text: string, conversation: TeamsConversation): Promise<HttpAnswer> {
    return this.post(bot, messageActivity(this.connector.url, this.user(key), conversation, text));
  }

  click(bot: Bot, key: UserKey, verb: string, requestId: string, cardActivityId: string, conversation: TeamsConversation): Promise<HttpAnswer> {
    return this.post(bot, actionExecuteActivity(this.connector.url, this.user(key), conversation, verb, { requestId }, cardActivityId));
  }

  /** `audit here` from an approver in the audit channel; waits for the bot's answer. */
  async setAuditChannel(bot: Bot): Promise<void> {
    const res = await this.say(bot, "riley", "audit here", this.auditChannel);
    assert.equal(res.status, 200);
    await waitUntil(
      () => (this.connector.texts(this.auditChannel.id).some((t) => t.includes("now receives the audit posts")) ? true : undefined),
      10_000,
      "the bot to take the audit channel",
      () => JSON.stringify(this.connector.texts(this.auditChannel.id)),
    );
  }

  /**
   * Asks for a revocation of the given users (by object ID) as `requester` in the request channel;
   * returns the request ID and the card's message ID.
   */
  async requestRevocation(bot: Bot, requester: UserKey, userIds: readonly string[], reason: string, options = ""): Promise<{ requestId: string; cardId: string }> {
    const before = new Set(this.connector.calls.map((c) => c.id));
    const res = await this.say(bot, requester, `revoke user ${userIds.join(" ")} --reason "${reason}"${options === "" ? "" : ` ${options}`}`, this.requestChannel);
    assert.equal(res.status, 200);
    const call = await waitUntil(
      () =>
        this.connector
          .in(this.requestChannel.id)
          .find((c) => !before.has(c.id) && c.kind !== "update" && cardIn(c)?.actions?.some((a) => a.verb === Verbs.approve) === true),
      30_000,
      "the confirmation card",
      () => JSON.stringify(this.connector.texts(this.requestChannel.id)),
    );
    const requestId = cardIn(call)?.actions?.find((a) => a.verb === Verbs.approve)?.data?.requestId;
    assert.equal(typeof requestId, "string");
    const card = cardText(cardIn(call));
    // A one-user card names the person (its object ID is under Details); a set's card counts them.
    const names = userIds.length === 1 ? card.includes(userIds[0] ?? "") : card.includes(`${userIds.length} users`);
    assert.ok(names, `the card names the ${userIds.length === 1 ? "user" : `${userIds.length} users`}: ${card}`);
    return { requestId: requestId as string, cardId: call.id };
  }

  /** Clicks Confirm as `approver` and checks the answer is the confirmed card, not a refusal. */
  async confirm(bot: Bot, approver: UserKey, requestId: string, cardId: string): Promise<void> {
    const res = await this.click(bot, approver, Verbs.approve, requestId, cardId, this.requestChannel);
    assert.equal(res.status, 200);
    const text = cardText(res.body);
    assert.ok(text.includes("Approved by") && !text.includes("You cannot do that"), `confirmed: ${text}`);
  }

  /** Edits (updates) of the card with this message ID, oldest first. */
  cardEdits(cardId: string): ConnectorCall[] {
    return this.connector.calls.filter((c) => c.kind === "update" && c.activityId === cardId);
  }

  /** Waits until the card's latest edit shows `title` (and, when given, `also`). */
  async waitForFinalCard(cardId: string, title: string, also?: string): Promise<void> {
    await waitUntil(
      () => {
        const edits = this.cardEdits(cardId);
        const last = edits[edits.length - 1];
        if (last === undefined) return undefined;
        const text = cardText(last.activity);
        return text.includes(title) && (also === undefined || text.includes(also)) ? true : undefined;
      },
      30_000,
      `card ${cardId} to end at "${title}"`,
      () => `edits: ${JSON.stringify(this.cardEdits(cardId).map((c) => cardText(cardIn(c)).slice(0, 300)))}`,
    );
  }

  /** POSTs to …/users/{id}/revokeSignInSessions the simulator received, by user ID. */
  revocationsByUser(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.sim.requests) {
      const m = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/.exec(r.path);
      if (r.method === "POST" && m?.[1] !== undefined) counts.set(m[1].toLowerCase(), (counts.get(m[1].toLowerCase()) ?? 0) + 1);
    }
    return counts;
  }

  /** The bots' output, for a failed test's report. */
  outputs(): string {
    return this.bots.map((b) => `----- bot ${b.name} (pid ${b.process.child.pid ?? "?"}) -----\n${b.process.output().slice(-20_000)}`).join("\n");
  }

  async close(): Promise<void> {
    await killAll(this.bots.map((b) => b.process));
    await this.viewOpened?.close();
    await this.connector.stop();
    await this.sim.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * n users a revocation may name: enabled members of the tenant (not guests, not the well-known
 * people the tests act as), in the tenant's order, so the set is the same every run.
 */
export function pickTargets(sim: StartedSimulator, n: number): SimUser[] {
  const wellKnown = new Set<string>(Object.values(WELL_KNOWN).map((u) => u.id.toLowerCase()));
  const users = sim.tenant
    .listUsers()
    .filter((u) => u.accountEnabled && u.userType === "Member" && !wellKnown.has(u.id.toLowerCase()) && !u.userPrincipalName.includes("#"));
  assert.ok(users.length >= n, `the simulated tenant has ${users.length} usable users, ${n} needed`);
  // Copies: the tenant's objects change as they are revoked, and the tests compare with before.
  return users.slice(0, n).map((u) => ({ ...u }));
}

/** A write quota small enough that a job of dozens of users lasts seconds (the bot's pacer keeps to it). */
export const SLOW_QUOTA = { GRAPH_WRITE_QUOTA: "10", GRAPH_WRITE_WINDOW_SECONDS: "2" };

/** Runs `audit:verify` as an operator would; resolves with its exit code and output. */
export async function runAuditVerify(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  const child = startNodeProcess(["src/cli/audit-verify.ts"], { DATABASE_URL: databaseUrl });
  const timer = setTimeout(() => void child.kill("SIGKILL"), 60_000);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** The process ID in a job lease owner (`host:pid:random`), or undefined when it names none. */
export function ownerPid(owner: string): number | undefined {
  const pid = Number(owner.split(":").at(-2));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The bot whose process holds the lease, when the owner names a process ID. */
export function botOwning(stack: Stack, owner: string): Bot | undefined {
  const pid = ownerPid(owner);
  return stack.bots.find((b) => b.process.child.pid === pid);
}

/** The state at the moment a bot was killed mid-job. */
export interface KillPoint {
  outcomes: number;
  /** The lease owner of the killed runner. */
  owner: string;
  /** Targets whose revocation had been attempted but had no outcome yet. */
  inFlight: string[];
}

/**
 * Waits until the request has at least `atLeast` outcomes (but not all), SIGKILLs the bot, and
 * checks the job was left unfinished.
 */
export async function killMidJob(stack: Stack, bot: Bot, requestId: string, total: number, atLeast: number): Promise<KillPoint> {
  const before = await waitUntil(
    async () => {
      const s = await snapshot(stack.view, requestId);
      if (s.outcomes.length >= total) {
        throw new Error(`the job finished (${s.outcomes.length} outcomes) before the bot could be killed; raise the simulator's latency`);
      }
      if (s.outcomes.length < atLeast) return undefined;
      // Kill while a batch is between its revocation and its recorded outcome: it reached Graph
      // (the simulator saw it) but the runner has not recorded it, so the resumed run must read
      // it back rather than revoke it again.
      const done = new Set(s.outcomes.map((o) => o.user_id));
      const revoked = stack.revocationsByUser();
      const reachedGraph = s.targets.some((t) => t.attempt_at !== null && !done.has(t.user_id) && revoked.get(t.user_id.toLowerCase()) === 1);
      return reachedGraph ? s : undefined;
    },
    60_000,
    `${atLeast} outcomes of request ${requestId}`,
    async () => JSON.stringify((await snapshot(stack.view, requestId)).job),
  );
  assert.equal(ownerPid(before.job?.lease_owner ?? ""), bot.process.child.pid, `the ${bot.name} bot holds the job's lease (${before.job?.lease_owner})`);
  await bot.process.kill("SIGKILL");
  assert.equal(await bot.process.exitSignal, "SIGKILL");

  const s = await snapshot(stack.view, requestId);
  assert.ok(s.outcomes.length >= atLeast && s.outcomes.length < total, `unfinished at the kill: ${s.outcomes.length} of ${total} outcomes`);
  assert.equal(s.request?.state, "running", "the request is still running at the kill");
  assert.ok(s.job !== undefined, "the request has a job");
  assert.equal(s.job.finished_at, null, "the job is unfinished at the kill");
  assert.ok(s.job.lease_owner !== null && s.job.lease_owner !== "", "the killed runner holds the lease");
  const done = new Set(s.outcomes.map((o) => o.user_id));
  const inFlight = s.targets.filter((t) => t.attempt_at !== null && !done.has(t.user_id)).map((t) => t.user_id);
  return { outcomes: s.outcomes.length, owner: s.job.lease_owner, inFlight };
}

/**
 * The request ran to completion exactly once per target despite the kill: one outcome per target,
 * every target revoked (in the directory too), at most one revocation call per user, and the
 * audit trail shows the first claim and the resumption by another owner.
 */
export async function assertResumedExactlyOnce(stack: Stack, requestId: string, targets: readonly SimUser[], killed: KillPoint, survivor: Bot): Promise<void> {
  const done = await waitUntil(
    async () => {
      const s = await snapshot(stack.view, requestId);
      return s.request?.state === "completed" || s.request?.state === "failed" ? s : undefined;
    },
    120_000,
    `request ${requestId} to finish after the kill`,
    async () => {
      const s = await snapshot(stack.view, requestId);
      return `state ${s.request?.state}, ${s.outcomes.length} outcomes, job ${JSON.stringify(s.job)}`;
    },
  );
  const ids = targets.map((t) => t.id.toLowerCase()).sort();

  // Exactly one outcome per target: no target lost, none doubled.
  const outcomeIds = done.outcomes.map((o) => o.user_id.toLowerCase()).sort();
  assert.deepEqual(outcomeIds, ids, "one outcome per target");
  assert.equal(done.request?.state, "completed", `every target revoked: ${JSON.stringify(done.outcomes.filter((o) => o.status !== "revoked_verified"))}`);
  assert.deepEqual(
    done.outcomes.filter((o) => o.status !== "revoked_verified").map((o) => [o.user_id, o.status, o.detail]),
    [],
    "every outcome is revoked and verified",
  );
  assert.ok(done.job?.finished_at !== null && done.job?.finished_at !== undefined, "the job is finished");
  assert.equal(Number(done.job?.claims), 2, "claimed twice: the first run and the resumption");

  // The directory shows every revocation, and no user was revoked twice.
  const revocations = stack.revocationsByUser();
  for (const t of targets) {
    const now = stack.sim.tenant.userById(t.id)?.signInSessionsValidFromDateTime ?? null;
    const before = t.signInSessionsValidFromDateTime;
    assert.ok(now !== null && (before === null || Date.parse(now) > Date.parse(before)), `${t.userPrincipalName} is revoked in the directory`);
  }
  const twice = [...revocations].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], "no user got more than one revokeSignInSessions call");
  for (const o of done.outcomes) {
    assert.equal(revocations.get(o.user_id.toLowerCase()), 1, `exactly one revokeSignInSessions call for ${o.user_id} (${o.status})`);
  }

  // The audit trail: started once by the killed owner, resumed once by another.
  const entries = (await auditRows(stack.view)).filter((e) => e.request_id === requestId);
  const started = entries.filter((e) => e.action === "revocation.started");
  const resumed = entries.filter((e) => e.action === "revocation.resumed");
  assert.equal(started.length, 1, "one revocation.started");
  assert.equal(resumed.length, 1, "one revocation.resumed");
  const startedDetails = JSON.parse(started[0]?.details ?? "{}") as Record<string, unknown>;
  const resumedDetails = JSON.parse(resumed[0]?.details ?? "{}") as Record<string, unknown>;
  assert.equal(startedDetails.runner, killed.owner, "revocation.started names the runner that was killed");
  // The killed runner, under either name the details may use for it.
  assert.equal(resumedDetails.previousOwner ?? resumedDetails.previousRunner, killed.owner, "revocation.resumed names the killed runner");
  assert.equal(typeof resumedDetails.runner, "string");
  assert.notEqual(resumedDetails.runner, killed.owner, "another runner resumed the job");
  assert.equal(ownerPid(resumedDetails.runner as string), survivor.process.child.pid, `the ${survivor.name} bot resumed the job`);
  assert.equal(entries.filter((e) => e.action === "target.outcome").length, targets.length, "one target.outcome entry per target");
  assert.equal(entries.filter((e) => e.action === "revocation.completed").length, 1, "one revocation.completed");
}

/**
 * Every audit entry but target.outcome reaches the audit channel exactly once, its notification
 * text `Audit #<seq>: <the entry's headline>`, and the outbox shows all of them delivered.
 */
export async function assertAuditPostedOnce(stack: Stack): Promise<void> {
  const posted = (): Array<{ seq: number; summary: string }> =>
    stack.connector
      .in(stack.auditChannel.id)
      .filter((c) => c.kind !== "update")
      .flatMap((c) => {
        const m = /^Audit #(\d+): /.exec(c.activity.summary ?? "");
        return m?.[1] === undefined ? [] : [{ seq: Number(m[1]), summary: c.activity.summary ?? "" }];
      });
  const expected = await waitUntil(
    async () => {
      const rows = (await auditRows(stack.view)).filter((r) => r.action !== "target.outcome");
      const seen = new Set(posted().map((p) => p.seq));
      return rows.every((r) => seen.has(Number(r.seq))) ? rows : undefined;
    },
    // A post claimed by the killed bot waits for its claim (60 s) to run out.
    120_000,
    "every audit entry to be posted to the audit channel",
    async () => {
      const seen = new Set(posted().map((p) => p.seq));
      const missing = (await auditRows(stack.view)).filter((r) => r.action !== "target.outcome" && !seen.has(Number(r.seq)));
      return `missing: ${JSON.stringify(missing.map((r) => [r.seq, r.action]))}; outbox: ${JSON.stringify((await outboxRows(stack.view)).filter((o) => o.delivered_at === null))}`;
    },
  );
  // Give a duplicate a moment to show up before judging "exactly once".
  await sleep(1000);
  const all = await auditRows(stack.view);
  const wanted = all.filter((r) => r.action !== "target.outcome").map((r) => ({ seq: Number(r.seq), summary: auditSummary(auditEntryOf(r)) }));
  assert.ok(wanted.length >= expected.length);
  const got = [...posted()].sort((a, b) => a.seq - b.seq);
  assert.deepEqual(got, wanted, "each audit entry except target.outcome posted exactly once, with its own headline");
  const outbox = await outboxRows(stack.view);
  assert.deepEqual(
    outbox.map((o) => Number(o.audit_seq)),
    wanted.map((w) => w.seq),
    "one outbox row per posted entry, none for target.outcome",
  );
  assert.deepEqual(outbox.filter((o) => o.delivered_at === null).map((o) => o.audit_seq), [], "the outbox is fully delivered");
}

/** `audit:verify` on the database: exit 0, "<N> entries, chain intact" with N the number of rows. */
export async function assertChainIntact(stack: Stack): Promise<void> {
  const rows = await auditRows(stack.view);
  const { code, output } = await runAuditVerify(stack.databaseUrl);
  assert.equal(code, 0, `audit:verify exits 0:\n${output}`);
  const m = /(\d+) entries, chain intact/.exec(output);
  assert.ok(m?.[1] !== undefined, `audit:verify says the chain is intact:\n${output}`);
  assert.equal(Number(m[1]), rows.length, "audit:verify checked every entry");
}
