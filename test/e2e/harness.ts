import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Activity } from "botbuilder";
import pino from "pino";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { readConfig } from "../../src/config.js";
import { startBot, type RunningBot, type StartOptions } from "../../src/index.js";
import {
  startSimulator,
  WELL_KNOWN,
  type SimulatorOptions,
  type StartedSimulator,
} from "@teams-revoke-bot/graph-simulator";
import {
  actionExecuteActivity,
  actionSubmitActivity,
  messageActivity,
  type TeamsConversation,
  type TeamsUser,
} from "../fakes/activities.js";
import { FakeConnector } from "../fakes/connector.js";
import { rawDataFindings, type Readable } from "../cards/raw-data.js";
import { botEnvFor } from "../support/bot-env.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";
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

  return {
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
}
