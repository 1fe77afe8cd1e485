/**
 * Composition root: readConfig → build every dependency → start the server. The only file that
 * constructs SDK clients; everything else receives what it needs.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { TokenCredential } from "@azure/identity";
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { Client, MiddlewareFactory } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { MessageFactory } from "botbuilder";
import type { Logger } from "pino";
import { EntraTokenValidator } from "./api/access-token.js";
import { RateLimiter } from "./api/rate-limit.js";
import { RequestsApi } from "./api/requests-api.js";
import { Auditor } from "./audit/auditor.js";
import { auditKeyOf } from "./audit/chain.js";
import { createBotApp } from "./bot/app.js";
import { CardNotifier } from "./bot/card-notifier.js";
import { createChannelAdapter } from "./bot/inbound-auth.js";
import { InboundGuard } from "./bot/inbound-guard.js";
import { Conversations } from "./bot/conversations.js";
import { Messenger } from "./bot/messenger.js";
import { RequestCards } from "./bot/request-cards.js";
import { TeamsAuditSink } from "./bot/teams-audit-sink.js";
import { CardActions } from "./bot/commands/card-actions.js";
import { CommandHandlers } from "./bot/commands/dispatch.js";
import { REVOCATION_WORDS } from "./cards/revocation-words.js";
import { ConfigError, readConfig, type AppConfig } from "./config.js";
import type { Directory } from "./directory/directory.js";
import { GRAPH_SCOPE, GraphDirectory } from "./directory/graph-directory.js";
import { userMessageOf } from "./errors.js";
import { GraphRoleLookup } from "./policy/roles.js";
import { createLogger, routeConsoleToLog } from "./logger.js";
import { JobRunner, type JobRunnerOptions } from "./revocation/job-runner.js";
import { RevocationService } from "./requests/lifecycle.js";
import { AdminResetChecker } from "./revocation/admin-reset.js";
import type { RevocationRequest } from "./revocation/types.js";
import { createServer, listen, type ReadinessReport } from "./server.js";
import { SqlAuditStore } from "./store/audit-store.js";
import { SqlConversationStore } from "./store/conversation-store.js";
import { SqlIdempotencyStore } from "./store/idempotency-store.js";
import { openDatabase } from "./store/database.js";
import { entraTokenPassword } from "./store/entra-password.js";
import { SqlJobQueue } from "./store/job-queue.js";
import { SqlRequestStore } from "./store/request-store.js";
import { SqlSendLedger } from "./store/write-ledger.js";
import { SqlPauseBoard } from "./store/graph-pauses.js";
import { ReportsBudget } from "./directory/reports-budget.js";
import { IdentityProtectionPacer } from "./directory/identity-protection-pacer.js";
import { SqlWatchStore } from "./store/watch-store.js";
import { SqlUserHistory } from "./store/user-history.js";
import { GraphSignInLog } from "./directory/sign-in-log.js";
import { GraphCallCounter } from "./directory/graph-call-counter.js";
import { startTelemetry } from "./telemetry/setup.js";
import { jobQueueStats } from "./store/job-queue.js";
import { TeamsWatchThread } from "./bot/watch-thread.js";
import { WatchRunner, type WatchRunnerOptions } from "./watch/watch-runner.js";

export interface StartOptions {
  logger?: Logger;
  /** Overrides for the job runner's waits (tests make them short). */
  jobOptions?: Partial<JobRunnerOptions>;
  /** Overrides for the sign-in watch's pace (tests and the demo make sweeps frequent). */
  watchOptions?: Partial<WatchRunnerOptions>;
  /** Minimum spacing of progress edits to one card. */
  cardUpdateIntervalMs?: number;
  /** How often pending requests are checked for expiry. */
  expirySweepMs?: number;
  /** Pending requests the expiry sweep reads per page. */
  expirySweepPageSize?: number;
  /** How often undelivered audit posts are looked for. */
  outboxPollMs?: number;
  /** The clock requests are created and expired by (tests move it forward). */
  now?: () => Date;
  /** Interface to listen on; default all with inbound auth on, 127.0.0.1 (and only loopback) with it off. */
  host?: string;
  /** Tests only: where emulator tokens' keys come from (see ChannelAuthOptions). */
  emulatorOpenIdMetadataUrl?: string;
  /**
   * Send what libraries write to the console into the log, clipped and rate-limited
   * (routeConsoleToLog). The process entry and the demo do; in-process tests leave the console alone.
   */
  routeConsole?: boolean;
  /** Least time between two reads of Entra's keys on an unknown key ID (automation API); default 60 s. */
  apiKeyRefreshMs?: number;
  /** Tests only: how long an idempotency claim lasts without a refresh before another call may take it over; default 120 s. */
  apiIdempotencyStaleMs?: number;
  /** How often metrics go to Azure Monitor (default 60 s; tests shorten it). */
  telemetryExportIntervalMs?: number;
}

export interface RunningBot {
  port: number;
  url: string;
  /** Waits until started revocation jobs and audit deliveries are done (tests). */
  idle(): Promise<void>;
  /** Stops taking requests, lets running jobs finish (bounded), and closes. */
  close(): Promise<void>;
  /** The Prometheus endpoint, when METRICS_PORT is set. */
  metricsUrl?: string;
}

/** Builds the Graph credential the configuration names. */
export function createCredential(config: AppConfig): TokenCredential {
  const c = config.graph.credential;
  const common = { authorityHost: config.graph.authorityHost, disableInstanceDiscovery: config.graph.disableInstanceDiscovery };
  switch (c.kind) {
    case "secret":
      return new ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, common);
    case "certificate":
      return new ClientCertificateCredential(c.tenantId, c.clientId, { certificatePath: c.certificatePath }, common);
    case "managedIdentity":
      return new ManagedIdentityCredential({ clientId: c.clientId });
  }
}

/** Builds the Graph client: bearer tokens attach only to the configured Graph host. */
export function createGraphClient(config: Pick<AppConfig, "graph">, credential: TokenCredential): Client {
  const url = new URL(config.graph.baseUrl);
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const version = segments.pop() ?? "v1.0";
  const base = `${url.origin}/${segments.map((s) => `${s}/`).join("")}`;
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
  // The default chain (auth, retry, redirect, telemetry, HTTP) with a counter of Graph's answers
  // just before the HTTP handler, so each attempt (a retried 429 too) counts once.
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(authProvider);
  chain.splice(chain.length - 1, 0, new GraphCallCounter());
  for (let i = 0; i + 1 < chain.length; i++) {
    const next = chain[i + 1];
    if (next !== undefined) chain[i]?.setNext?.(next);
  }
  return Client.initWithMiddleware({
    middleware: chain[0],
    baseUrl: base,
    defaultVersion: version,
    customHosts: new Set([url.hostname]),
  });
}

/** Starts the bot with the given configuration. */
export async function startBot(config: Readonly<AppConfig>, options: StartOptions = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const restoreConsole = options.routeConsole === true ? routeConsoleToLog(logger) : () => undefined;

  const credential = createCredential(config);
  const graphClient = createGraphClient(config, credential);

  const database = await openDatabase(config.databaseUrl, { password: config.databaseAuth === "entra" ? entraTokenPassword(credential) : undefined });
  const { db, kind } = database;
  // This process's name in job leases and outbox claims: unique per start, readable in the audit.
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  // Every reader of the sign-in log (watch, status, revoke ip) shares one budget, and replicas
  // share it through the database: the places taken (write_ledger) and a 429's pause (graph_pauses).
  const reportsBudget = new ReportsBudget({
    tenantId: config.graph.credential.tenantId ?? config.bot.tenantId,
    ledger: new SqlSendLedger(db, kind, owner),
    pauses: new SqlPauseBoard(db, kind),
  });
  const directory: Directory = new GraphDirectory(graphClient, credential, reportsBudget);
  const auditKey = config.auditKey === undefined ? undefined : auditKeyOf(config.auditKey);
  const auditStore = new SqlAuditStore(db, kind, undefined, auditKey);
  // With a key on an unkeyed chain, keying begins now (an entry marks it); a keyed chain and no
  // key, or another key, stops the start: the bot must never append entries that verify cannot check.
  let keyingBegan;
  try {
    keyingBegan = await auditStore.prepareKey();
  } catch (err) {
    await database.close();
    throw err;
  }

  const adapter = createChannelAdapter(config, { emulatorOpenIdMetadataUrl: options.emulatorOpenIdMetadataUrl });
  const messenger = new Messenger(adapter, config.bot.id);
  const conversations = new Conversations(new SqlConversationStore(db), config.auditChannelId);
  // The request store is built below (it reports to the auditor); the sink looks requests up only
  // once posting has started, to tell a request's thread when the audit channel cannot be reached.
  const auditor = new Auditor(auditStore, auditStore, new TeamsAuditSink(conversations, messenger, (id: string): Promise<RevocationRequest | undefined> => store.get(id)), logger, {
    owner,
    pollMs: options.outboxPollMs,
  });
  const notifier = new CardNotifier(messenger, logger, options.cardUpdateIntervalMs);
  const store = new SqlRequestStore(db, kind, undefined, auditor.observe, auditKey);
  const roles = new GraphRoleLookup(directory, config.roles);
  if (keyingBegan !== undefined) auditor.observe(keyingBegan);
  const leaseMs = config.jobLeaseSeconds * 1000;
  const signInLog = new GraphSignInLog(graphClient, reportsBudget);
  const watches = new WatchRunner({
    store: new SqlWatchStore(db),
    log: signInLog,
    requests: store,
    auditLog: auditStore,
    auditor,
    thread: new TeamsWatchThread(messenger),
    logger,
    owner,
    reports: reportsBudget,
    options: { hours: config.watchHours, leaseMs, tickMs: Math.min(5000, leaseMs / 2), ...options.watchOptions },
  });
  // A finished job (its own end comes with a summary) starts its users' sign-in watch.
  const listener = {
    onProgress: notifier.onProgress.bind(notifier),
    onFinished: async (request: Parameters<typeof notifier.onFinished>[0], summary?: Parameters<typeof notifier.onFinished>[1]) => {
      await notifier.onFinished(request, summary).finally(async () => {
        if (summary === undefined) return;
        await watches.startFor(request).catch((err: unknown) => logger.warn({ err, requestId: request.id }, "the sign-in watch could not start"));
      });
    },
  };
  const jobs = new JobRunner({
    store,
    jobs: new SqlJobQueue(db),
    directory,
    auditor,
    auditLog: auditStore,
    auditKey,
    roles,
    listener,
    logger,
    owner,
    words: REVOCATION_WORDS,
    // Replicas share one quota through PostgreSQL; a single SQLite instance counts in memory.
    ledger: kind === "postgres" ? new SqlSendLedger(db, kind, owner) : undefined,
    identityProtection: new IdentityProtectionPacer({
      tenantId: config.graph.credential.tenantId ?? config.bot.tenantId,
      ledger: new SqlSendLedger(db, kind, owner),
      pauses: new SqlPauseBoard(db, kind),
    }),
    options: {
      leaseMs,
      pollMs: Math.min(5000, leaseMs / 2),
      writeQuota: config.graphWriteQuota,
      writeWindowMs: config.graphWriteWindowSeconds * 1000,
      ...options.jobOptions,
    },
  });
  const revocations = new RevocationService({
    store,
    auditor,
    roles,
    jobs,
    listener: notifier,
    ttlMinutes: config.requestTtlMinutes,
    fourEyesMinTargets: config.fourEyesMinTargets,
    disableNeedsSecondPerson: config.disableNeedsSecondPerson,
    maxPendingPerRequester: config.maxPendingPerRequester,
    sweepPageSize: options.expirySweepPageSize,
    now: options.now,
    logger,
    adminReset: new AdminResetChecker({ directory, logger }),
    words: REVOCATION_WORDS,
  });
  const cards = new RequestCards({ revocations, conversations, messenger, logger });
  const handlers = new CommandHandlers({
    cards,
    directory,
    roles,
    revocations,
    auditor,
    auditLog: auditStore,
    auditChannel: {
      configuredId: config.auditChannelId,
      current: () => conversations.auditChannel(),
      set: async (ref) => {
        await conversations.setAuditChannel(ref);
        auditor.kick();
      },
      post: async (ref, text) => {
        await messenger.post(ref, MessageFactory.text(text));
      },
    },
    protectedUsers: config.protectedUsers,
    maxTargets: config.maxTargets,
    now: options.now,
    logger,
    watches,
    userSignIns: signInLog,
    userHistory: new SqlUserHistory(db),
  });
  const cardActions = new CardActions({ revocations, cards, notifier, logger });
  const app = createBotApp({ adapter, botAppId: config.bot.id, handlers, cardActions, conversations, messenger, logger });
  // A newly seen conversation may be the first way to reach the audit channel.
  // The bot added to a team or chat (after a team owner removed it, say): audit posts held because
  // the audit channel could not be reached are tried now, not at their next retry.
  app.turn("afterTurn", async (context) => {
    const type = context.activity.type;
    if (type === "conversationUpdate" || type === "installationUpdate") await auditor.retryBlockedNow();
    else auditor.kick();
    return true;
  });

  // /readyz can be called by anyone: it names a failing component, never its address or error
  // text (those go to the log), and counts the audit posts waiting and set aside.
  const readiness = async (): Promise<ReadinessReport> => {
    const checks: Record<string, string> = {};
    let ready = true;
    let auditPosts: ReadinessReport["auditPosts"];
    try {
      await database.check();
      checks.store = "ok";
      const backlog = await auditor.backlog();
      auditPosts = backlog;
      if (backlog.setAside > 0) logger.warn({ auditPosts }, "audit posts set aside: Teams refused them permanently (npm run audit:outbox lists and re-queues them; README, \"Audit\")");
      if (backlog.blocked !== undefined) {
        // Not unready: the bot still serves requests and records every entry; only the posts wait.
        checks.auditChannel = `blocked: the audit channel cannot be reached${backlog.blocked.status === undefined ? "" : ` (Teams answered ${backlog.blocked.status})`}; posts are held in order and retried every minute`;
        logger.error({ auditPosts }, "audit channel unreachable: audit posts held (add the bot back to the audit channel's team; README, \"Audit\")");
      }
    } catch (err) {
      ready = false;
      checks.store = "failing: the database cannot be written (details in the log)";
      logger.warn({ err, store: database.description }, "readiness: the database cannot be written");
    }
    try {
      await directory.checkAccess();
      checks.graph = "ok";
    } catch (err) {
      ready = false;
      checks.graph = userMessageOf(err);
    }
    return auditPosts === undefined ? { ready, checks } : { ready, checks, auditPosts };
  };

  const guard = new InboundGuard({
    adapter,
    run: (context) => app.run(context).then(() => undefined),
    audit: (entry) => auditor.record(entry),
    logger,
    policy: {
      inboundAuth: config.bot.inboundAuth,
      botId: config.bot.id,
      tokenIssuer: config.bot.tokenIssuer,
      allowedTenantIds: config.bot.allowedTenantIds,
    },
  });
  const api = new RequestsApi({
    tokens:
      config.api.tenantId === undefined
        ? undefined
        : new EntraTokenValidator({
            authorityHost: config.graph.authorityHost,
            tenantId: config.api.tenantId,
            clientId: config.api.appId,
            minKeyRefreshMs: options.apiKeyRefreshMs,
          }),
    notConfigured: "Set AZURE_TENANT_ID (the tenant whose apps may call the API) to use the automation API.",
    proposals: new RateLimiter(config.api.requestsPerMinute),
    reads: new RateLimiter(config.api.requestsPerMinute * 10),
    revocations,
    auditor,
    directory,
    idempotency: new SqlIdempotencyStore(db, options.apiIdempotencyStaleMs),
    approvals: {
      // The channel's reference without a user: no one person's client refreshes the card.
      find: async () => {
        const channel = await conversations.approvalChannel(config.api.approvalChannelId);
        if (channel === undefined) return undefined;
        const withoutUser: Record<string, unknown> = { ...channel };
        delete withoutUser.user;
        delete withoutUser.activityId;
        return withoutUser;
      },
      publish: (channel, request, secondPerson) => cards.publishIn(channel, request, secondPerson),
    },
    protectedUsers: config.protectedUsers,
    maxTargets: config.maxTargets,
    now: options.now,
    logger,
  });
  // Telemetry before the server takes traffic; nothing of it is loaded when it is not configured.
  const telemetry = await startTelemetry(
    { ...config.telemetry, ...(options.telemetryExportIntervalMs === undefined ? {} : { exportIntervalMs: options.telemetryExportIntervalMs }) },
    {
      jobs: () => jobQueueStats(db),
      outbox: async () => {
        const backlog = await auditStore.backlog();
        return { waiting: backlog.waiting, setAside: backlog.setAside, blocked: backlog.blocked !== undefined };
      },
    },
    logger,
  );

  const server = createServer({
    handleActivity: (activity, authorization) => guard.handle(activity, authorization),
    refusedActivities: () => guard.refused.total(),
    logger,
    readiness,
    api,
  });
  const host = listenHost(config, options.host);
  const port = await listen(server, config.port, host);

  jobs.startPolling();
  watches.startPolling();
  auditor.start();
  const sweep = setInterval(() => {
    revocations.expireDue().catch((err: unknown) => logger.warn({ err }, "expiry sweep failed"));
  }, options.expirySweepMs ?? 30_000);
  sweep.unref();

  if (!config.bot.inboundAuth) {
    logger.warn(
      config.demoMode
        ? "DEMO MODE: inbound Bot Framework authentication is OFF (no BOT_ID). Never expose this port."
        : "ALLOW_UNAUTHENTICATED=true: inbound Bot Framework authentication is OFF (no BOT_ID). Anyone who can reach this port can act as any user; it listens on 127.0.0.1 only.",
    );
    if (config.bot.type !== "MultiTenant" || config.bot.tenantId !== "") {
      logger.warn({ botType: config.bot.type }, "BOT_TYPE and BOT_TENANT_ID are ignored without BOT_ID");
    }
  }

  logger.info(
    {
      port,
      host: host ?? "all interfaces",
      inboundAuth: config.bot.inboundAuth,
      allowedTenants: config.bot.allowedTenantIds,
      graph: config.graph.baseUrl,
      authority: config.graph.authorityHost,
      store: database.description,
      runner: owner,
      auditChannel: await conversations.describeAuditChannel(),
      approvalChannel: config.api.approvalChannelId === undefined ? "the audit channel" : `APPROVAL_CHANNEL_ID ${config.api.approvalChannelId}`,
      auditChain: auditKey === undefined ? "none (audit chain unkeyed: set AUDIT_KEY_FILE)" : `key ID ${auditKey.id} from ${config.auditKeySource ?? "configuration"}`,
      auditPosts: await auditor.backlog(),
    },
    "teams-revoke-bot listening",
  );
  const idle = async (): Promise<void> => {
    await jobs.idle();
    await watches.idle();
    await auditor.idle();
  };

  return {
    port,
    url: `http://${host === undefined || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`,
    idle,
    ...(telemetry?.metricsUrl === undefined ? {} : { metricsUrl: telemetry.metricsUrl }),
    close: async () => {
      clearInterval(sweep);
      server.close();
      // Jobs finish the targets in flight and hand their lease back; the rest resumes on the next
      // runner. Bounded, because a hung Graph call must not hold the process forever.
      await Promise.race([Promise.all([jobs.stop(), watches.close()]), new Promise((resolve) => setTimeout(resolve, 25_000).unref())]);
      await Promise.race([auditor.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      auditor.stop();
      await telemetry?.shutdown();
      await database.close();
      restoreConsole();
    },
  };
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * The interface to listen on. Without inbound authentication anyone who reaches the port can act
 * as any user, so then only the loopback interface is allowed, whatever the caller asks for.
 * @throws Error when asked for another interface with inbound auth off
 */
export function listenHost(config: Readonly<Pick<AppConfig, "bot">>, requested: string | undefined): string | undefined {
  if (config.bot.inboundAuth) return requested;
  if (requested === undefined) return "127.0.0.1";
  if (!LOOPBACK.has(requested)) {
    throw new Error(`Inbound authentication is off (no BOT_ID): the bot listens on 127.0.0.1 only, not on ${requested}. Set BOT_ID and BOT_PASSWORD to serve other interfaces.`);
  }
  return requested;
}

async function main(): Promise<void> {
  let config: Readonly<AppConfig>;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee README.md, "Configuration".\n`);
      process.exit(1);
    }
    throw err;
  }
  const bot = await startBot(config, { routeConsole: true });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing running work, then stopping\n`);
    bot.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`teams-revoke-bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
