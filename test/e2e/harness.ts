import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Activity } from "botbuilder";
import pino from "pino";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { readConfig } from "../../src/config.js";
import { startBot, type RunningBot, type StartOptions } from "../../src/index.js";
import {
  SENTINEL_APP_ID,
  SENTINEL_CLIENT_SECRET,
  startSimulator,
  WELL_KNOWN,
  type SimulatorOptions,
  type StartedSimulator,
} from "@teams-revoke-bot/graph-simulator";
import {
  actionExecuteActivity,
  actionSubmitActivity,
  inThread,
  installActivity,
  messageActivity,
  type TeamsConversation,
  type TeamsUser,
} from "../fakes/activities.js";
import { FakeConnector, type ConnectorCall } from "../fakes/connector.js";
import { rawDataFindings, type Readable } from "../cards/raw-data.js";
import { botEnvFor } from "../support/bot-env.js";
import { killAll, startBotProcess, type NodeProcess } from "../support/bot-process.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";
import { callApi, entraToken, type ApiAnswer } from "../support/api-client.js";
import { openTestStore } from "../support/store.js";

export type UserKey = Extract<keyof typeof WELL_KNOWN, string>;

export interface Harness {
  sim: StartedSimulator;
  connector: FakeConnector;
  bot: RunningBot;
  dataDir: string;
  /** The bot's DATABASE_URL. */
  databaseUrl: string;
  /** Every audit entry in the bot's database, oldest first. */
  auditEntries(): Promise<AuditEntry[]>;
  /** Stops the bot and starts a new one on the same database (a restart); `now` moves its clock. */
  restart(options?: { now?: () => Date }): Promise<void>;
  tenantId: string;
  user(key: UserKey): TeamsUser;
  personal(key: UserKey): TeamsConversation;
  channel(name: string): TeamsConversation;
  /** POSTs an activity to /api/messages; resolves with the HTTP status and parsed body. */
  post(activity: Partial<Activity>, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  say(key: UserKey, text: string, conversation?: TeamsConversation): Promise<{ status: number; body: unknown }>;
  click(key: UserKey, verb: string, data: Record<string, unknown>, cardActivityId: string, conversation?: TeamsConversation): Promise<{ status: number; body: unknown }>;
  submit(key: UserKey, data: Record<string, unknown>, cardActivityId: string, conversation?: TeamsConversation): Promise<{ status: number; body: unknown }>;
  /**
   * A click on a card the bot posted in a channel, sent from the card's thread as Teams sends it
   * (the approval channel's copy of a request, an audit post).
   */
  clickInThread(key: UserKey, verb: string, data: Record<string, unknown>, card: ConnectorCall): Promise<{ status: number; body: unknown }>;
  /** Installs the bot in a channel (as a team owner, sam unless `by`); resolves with the channel. */
  install(channelName: string, by?: UserKey): Promise<TeamsConversation>;
  /** The newest text the bot sent into a conversation (a person's personal chat when given a key); "" if none. */
  lastText(where: UserKey | TeamsConversation): string;
  /** A token for the automation API, as an app gets it from Entra (client credentials for the bot's API). */
  apiToken(appId: string, clientSecret: string): Promise<string>;
  /** Calls the bot's automation API. */
  api(method: "GET" | "POST", path: string, options?: Parameters<typeof callApi>[3]): Promise<ApiAnswer>;
  /**
   * The Sentinel playbook (an automation app with the proposer role) proposes a request through
   * the API (POST /api/requests with `body`); fails unless it is accepted (202); resolves with its ID.
   */
  proposeAsSentinel(body: Record<string, unknown>): Promise<string>;
  /** The audit entries of one request, oldest first (read as they are now: call `bot.idle()` first to see all). */
  auditOf(requestId: string): Promise<AuditEntry[]>;
  /** The request.created audit entry of a request, if there is one yet. */
  created(requestId: string): Promise<AuditEntry | undefined>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sim?: SimulatorOptions;
  env?: Record<string, string>;
  /**
   * Inbound and outbound channel authentication, on by default: every activity posted carries a
   * genuine channel token from the simulator, and the connector refuses calls without the bot's
   * token. `false` runs the bot with ALLOW_UNAUTHENTICATED (only where a test needs auth off).
   */
  auth?: boolean;
  /** The sign-in watch's pace (tests shorten sweeps and message spacing). */
  watchOptions?: StartOptions["watchOptions"];
  /** Where the bot's log goes, at trace level (a test that reads everything the bot logged). */
  logLines?: string[];
  /** How long an API idempotency claim lasts without a refresh (shortened by the test of refreshes). */
  apiIdempotencyStaleMs?: number;
  /** Settings that name the simulator (e.g. its Application Insights connection string), added to `env`. */
  simEnv?: (sim: StartedSimulator) => Record<string, string>;
  /** How often metrics go to Azure Monitor (telemetry tests shorten the 60 s default). */
  telemetryExportIntervalMs?: number;
  /** Channels (by name, e.g. "secops-audit") the bot is installed in, by sam, before the world is handed over. */
  installedIn?: string[];
}

/** The bot's channel settings for a simulator (auth on), as an operator would set them. */
export function channelAuthEnv(sim: StartedSimulator): Record<string, string> {
  const { registration } = sim.channel;
  return {
    BOT_ID: registration.appId,
    BOT_PASSWORD: registration.password,
    BOT_TYPE: "SingleTenant",
    BOT_TENANT_ID: sim.tenantId,
    BOT_OPENID_METADATA_URL: sim.channel.openIdMetadataUrl,
    BOT_TOKEN_ISSUER: sim.channel.issuer,
    BOT_LOGIN_URL: `${sim.url}/${sim.tenantId}`,
    BOT_OAUTH_SCOPE: registration.connectorScope,
  };
}

/** Where the simulator publishes Entra's keys (emulator-style tokens are signed with them). */
export function entraMetadataUrl(sim: StartedSimulator): string {
  return `${sim.url}/${sim.tenantId}/v2.0/.well-known/openid-configuration`;
}

/**
 * The whole bot on an ephemeral port: real restify server, real CloudAdapter, the Graph
 * simulator over HTTPS and a local connector recording what the bot sends.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSimulator({ tls: trustedSimulatorTls(), ...options.sim });
  const auth = options.auth ?? true;
  const connector = new FakeConnector(
    auth
      ? (authorization) => {
          const check = sim.channel.checkConnectorToken(authorization);
          return check.valid ? undefined : check.reason;
        }
      : undefined,
  );
  await connector.start();
  const dataDir = mkdtempSync(join(tmpdir(), "revoke-bot-e2e-"));
  const config = readConfig({
    ...botEnvFor(sim, dataDir),
    ...(auth ? channelAuthEnv(sim) : { ALLOW_UNAUTHENTICATED: "true" }),
    LOG_LEVEL: "silent",
    // The sign-in watch reads the log and posts in threads after every revocation: off unless a
    // test is about it (test/e2e/watch.spec.ts), so other tests' counts of calls stay theirs.
    WATCH_HOURS: "0",
    ...options.env,
    ...options.simEnv?.(sim),
  });
  const start = (now?: () => Date) =>
    startBot(config, {
      logger:
        options.logLines === undefined
          ? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" })
          : pino({ level: "trace" }, { write: (line: string) => void options.logLines?.push(line) }),
      jobOptions: { verifyDelaysMs: [0, 50, 100], retryDelaysMs: [50, 100], pollMs: 50 },
      watchOptions: options.watchOptions,
      cardUpdateIntervalMs: 0,
      expirySweepMs: 50,
      outboxPollMs: 50,
      ...(options.telemetryExportIntervalMs === undefined ? {} : { telemetryExportIntervalMs: options.telemetryExportIntervalMs }),
      host: "127.0.0.1",
      emulatorOpenIdMetadataUrl: entraMetadataUrl(sim),
      apiIdempotencyStaleMs: options.apiIdempotencyStaleMs,
      now,
    });
  let bot = await start();

  const tenantId = sim.tenantId;
  const user = (key: UserKey): TeamsUser => {
    const u = WELL_KNOWN[key];
    return { id: `29:${key}`, name: u.displayName, aadObjectId: u.id };
  };
  const personal = (key: UserKey): TeamsConversation => ({ id: `a:personal-${key}`, conversationType: "personal", tenantId });
  const channel = (name: string): TeamsConversation => ({ id: `19:${name}@thread.tacv2`, conversationType: "channel", tenantId });

  const auditEntries = async (): Promise<AuditEntry[]> => {
    const store = await openTestStore(config.databaseUrl);
    try {
      return await store.entries();
    } finally {
      await store.close();
    }
  };

  // Each activity carries the token the Bot Connector would send with it, unless the test brings
  // its own Authorization header (or auth is off).
  // Like the Bot Connector, reuse a token for a while (signing one per post would slow big specs).
  const tokens = new Map<string, { token: string; at: number }>();
  const tokenFor = (activity: Partial<Activity>): Record<string, string> => {
    if (!auth) return {};
    const serviceUrl = activity.serviceUrl ?? connector.url;
    let cached = tokens.get(serviceUrl);
    if (cached === undefined || Date.now() - cached.at > 10 * 60_000) {
      cached = { token: sim.channel.issueChannelToken({ serviceUrl }), at: Date.now() };
      tokens.set(serviceUrl, cached);
    }
    return { authorization: `Bearer ${cached.token}` };
  };
  // What the bot answered invokes with (a card, or a message for the clicker): read like its messages.
  const invokeAnswers: Readable[] = [];
  const post = async (activity: Partial<Activity>, headers: Record<string, string> = {}) => {
    const ownAuthorization = Object.keys(headers).some((k) => k.toLowerCase() === "authorization");
    const res = await fetch(`${bot.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(ownAuthorization ? {} : tokenFor(activity)), ...headers },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    const body = text === "" ? undefined : (JSON.parse(text) as unknown);
    if (activity.type === "invoke" && typeof body === "object" && body !== null) {
      const value = (body as { value?: unknown }).value;
      invokeAnswers.push({ where: `answer to ${activity.name ?? "an invoke"}`, ...(typeof value === "string" ? { text: value } : { cards: [value] }) });
    }
    return { status: res.status, body };
  };

  const auditOf = async (requestId: string) => (await auditEntries()).filter((e) => e.requestId === requestId);
  const harness: Harness = {
    sim,
    connector,
    get bot() {
      return bot;
    },
    dataDir,
    databaseUrl: config.databaseUrl,
    auditEntries,
    restart: async (restartOptions = {}) => {
      await bot.close();
      bot = await start(restartOptions.now);
    },
    tenantId,
    user,
    personal,
    channel,
    post,
    say: (key, text, conversation = personal(key)) => post(messageActivity(connector.url, user(key), conversation, text)),
    click: (key, verb, data, cardActivityId, conversation = personal(key)) =>
      post(actionExecuteActivity(connector.url, user(key), conversation, verb, data, cardActivityId)),
    submit: (key, data, cardActivityId, conversation = personal(key)) =>
      post(actionSubmitActivity(connector.url, user(key), conversation, data, cardActivityId)),
    clickInThread: (key, verb, data, card) =>
      post(actionExecuteActivity(connector.url, user(key), inThread({ id: card.conversationId, conversationType: "channel", tenantId }, card.id), verb, data, card.id)),
    install: async (channelName, by = "sam") => {
      const conversation = channel(channelName);
      const answer = await post(installActivity(connector.url, user(by), conversation));
      if (answer.status !== 200) throw new Error(`installing the bot in ${channelName} was answered ${answer.status}`);
      return conversation;
    },
    lastText: (where) => connector.texts(typeof where === "string" ? personal(where).id : where.id).at(-1) ?? "",
    apiToken: (appId, clientSecret) => entraToken(sim, appId, clientSecret, `api://${sim.clientId}/.default`),
    api: (method, path, apiOptions) => callApi(bot.url, method, path, apiOptions),
    proposeAsSentinel: async (body) => {
      const token = await entraToken(sim, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${sim.clientId}/.default`);
      const answer = await callApi(bot.url, "POST", "/api/requests", { token, body });
      if (answer.status !== 202) throw new Error(`the proposal was answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return (answer.body as { requestId: string }).requestId;
    },
    auditOf,
    created: async (requestId) => (await auditOf(requestId)).find((e) => e.action === "request.created"),
    close: async () => {
      await bot.close();
      await connector.stop();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
      // A call the connector refused for its token is a failure of the bot's outbound auth, even
      // when the test's own assertions did not notice the missing message.
      if (connector.unauthorized.length > 0) {
        throw new Error(`the bot called the connector without a valid token: ${JSON.stringify(connector.unauthorized.slice(0, 3))}`);
      }
      // Nothing a person reads is raw data: every message, card and invoke answer of the test is checked.
      const findings = rawDataFindings([
        ...connector.calls.map((c) => ({
          where: `${c.kind} in ${c.conversationId}`,
          text: c.activity.text,
          summary: c.activity.summary,
          cards: (c.activity.attachments ?? []).map((a) => a.content as unknown),
        })),
        ...invokeAnswers,
      ]);
      if (findings.length > 0) {
        throw new Error(`the bot showed raw data to people (test/cards/raw-data.ts):\n${findings.slice(0, 10).join("\n")}`);
      }
    },
  };
  try {
    for (const name of options.installedIn ?? []) await harness.install(name);
  } catch (err) {
    await harness.close();
    throw err;
  }
  return harness;
}

/**
 * The world of a describe block, built and torn down by mocha hooks: one for the whole block
 * (`"suite"`, the default) or a fresh one for every test (`"test"`). What it returns stands for the
 * harness of the moment, so a spec reads `const h = useWorld({ … })` and uses `h` in its tests and
 * hooks. Options given as a function are read when the world is built (e.g. a database another
 * hook made). Hooks run in the order they are declared: declare `useWorld` before hooks that
 * arrange the world, and after hooks that must outlive it (a database it uses).
 */
export function useWorld(options: HarnessOptions | (() => HarnessOptions | Promise<HarnessOptions>) = {}, lifetime: "suite" | "test" = "suite"): Harness {
  let current: Harness | undefined;
  const build = async () => {
    current = await startHarness(typeof options === "function" ? await options() : options);
  };
  const tearDown = async () => {
    const h = current;
    current = undefined;
    await h?.close();
  };
  if (lifetime === "test") {
    beforeEach(build);
    afterEach(tearDown);
  } else {
    before(build);
    after(tearDown);
  }
  return new Proxy({} as Harness, {
    get(_, key) {
      // Not a promise: `await h` or returning it from an async function must not read the world.
      if (key === "then") return undefined;
      if (current === undefined) throw new Error(`the world is built in a mocha hook: read h.${String(key)} inside a test or hook, not while the describe is defined`);
      return Reflect.get(current, key) as unknown;
    },
  });
}

/** A simulated tenant and a data folder, for specs that start the bot themselves. */
export interface BareWorld {
  readonly sim: StartedSimulator;
  readonly dataDir: string;
  /** The bot's settings for this tenant and folder, as an operator would set them (test/support/bot-env.ts). */
  botEnv: () => Record<string, string>;
  /** Starts src/index.ts as its own process; killed after the test if it still runs. */
  startProcess: (env: Record<string, string>) => NodeProcess;
}

/**
 * The world of a describe block whose tests start the bot themselves (as a process, or with a
 * configuration of their own): the simulator and a fresh data folder (named from `dataDirPrefix`)
 * for the whole block, every bot process it started killed after each test (one that fails
 * half-way must not leave its bot running).
 */
export function useSimulator(dataDirPrefix: string, simOptions: SimulatorOptions = {}): BareWorld {
  let sim: StartedSimulator | undefined;
  let dataDir: string | undefined;
  const started: NodeProcess[] = [];
  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls(), ...simOptions });
    dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
  });
  afterEach(async () => {
    await killAll(started.splice(0));
  });
  after(async () => {
    await sim?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    sim = undefined;
    dataDir = undefined;
  });
  const built = (): { sim: StartedSimulator; dataDir: string } => {
    if (sim === undefined || dataDir === undefined) throw new Error("the simulator is started in a mocha hook: use it inside a test or hook");
    return { sim, dataDir };
  };
  return {
    get sim() {
      return built().sim;
    },
    get dataDir() {
      return built().dataDir;
    },
    botEnv: () => botEnvFor(built().sim, built().dataDir),
    startProcess: (env) => {
      const p = startBotProcess(env);
      started.push(p);
      return p;
    },
  };
}
