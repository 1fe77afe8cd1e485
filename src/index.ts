/**
 * Composition root: readConfig → build every dependency → start the server. The only file that
 * constructs SDK clients; everything else receives what it needs.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { TokenCredential } from "@azure/identity";
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import { TeamsAdapter } from "@microsoft/teams-ai";
import { MessageFactory } from "botbuilder";
import pino, { type Logger } from "pino";
import { Auditor } from "./audit/auditor.js";
import { createBotApp } from "./bot/app.js";
import { CardNotifier } from "./bot/card-notifier.js";
import { Conversations } from "./bot/conversations.js";
import { Messenger } from "./bot/messenger.js";
import { RequestCards } from "./bot/request-cards.js";
import { TeamsAuditSink } from "./bot/teams-audit-sink.js";
import { CardActions } from "./commands/card-actions.js";
import { CommandHandlers } from "./commands/dispatch.js";
import { ConfigError, readConfig, type AppConfig } from "./config.js";
import type { Directory } from "./directory/directory.js";
import { GRAPH_SCOPE, GraphDirectory } from "./directory/graph-directory.js";
import { userMessageOf } from "./errors.js";
import { GraphRoleLookup } from "./policy/roles.js";
import { JobRunner, type JobRunnerOptions } from "./revocation/job-runner.js";
import { RevocationService } from "./revocation/lifecycle.js";
import { createServer, listen, type ReadinessReport } from "./server.js";
import { SqlAuditStore } from "./store/audit-store.js";
import { SqlConversationStore } from "./store/conversation-store.js";
import { openDatabase } from "./store/database.js";
import { SqlJobQueue } from "./store/job-queue.js";
import { SqlRequestStore } from "./store/request-store.js";

export interface StartOptions {
  logger?: Logger;
  /** Overrides for the job runner's waits (tests make them short). */
  jobOptions?: Partial<JobRunnerOptions>;
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
  host?: string;
}

export interface RunningBot {
  port: number;
  url: string;
  /** Waits until started revocation jobs and audit deliveries are done (tests). */
  idle(): Promise<void>;
  /** Stops taking requests, lets running jobs finish (bounded), and closes. */
  close(): Promise<void>;
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
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: base,
    defaultVersion: version,
    customHosts: new Set([url.hostname]),
  });
}

/** Starts the bot with the given configuration. */
export async function startBot(config: Readonly<AppConfig>, options: StartOptions = {}): Promise<RunningBot> {
  const logger =
    options.logger ??
    pino({
      level: config.logLevel,
      redact: { paths: ["req.headers.authorization", "*.clientSecret", "*.password", "headers.authorization"], censor: "***" },
    });

  const credential = createCredential(config);
  const directory: Directory = new GraphDirectory(createGraphClient(config, credential), credential);

  const database = await openDatabase(config.databaseUrl);
  const { db, kind } = database;
  // This process's name in job leases and outbox claims: unique per start, readable in the audit.
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const auditStore = new SqlAuditStore(db, kind);

  const adapter = new TeamsAdapter({
    MicrosoftAppId: config.bot.id,
    MicrosoftAppPassword: config.bot.password,
    MicrosoftAppType: config.bot.type,
    MicrosoftAppTenantId: config.bot.tenantId,
  });
  const messenger = new Messenger(adapter, config.bot.id);
  const conversations = new Conversations(new SqlConversationStore(db), config.auditChannelId);
  const auditor = new Auditor(auditStore, auditStore, new TeamsAuditSink(conversations, messenger), logger, {
    owner,
    pollMs: options.outboxPollMs,
  });
  const notifier = new CardNotifier(messenger, logger, options.cardUpdateIntervalMs);
  const store = new SqlRequestStore(db, kind, undefined, auditor.observe);
  const roles = new GraphRoleLookup(directory, config.roles);
  const leaseMs = config.jobLeaseSeconds * 1000;
  const jobs = new JobRunner({
    store,
    jobs: new SqlJobQueue(db),
    directory,
    auditor,
    listener: notifier,
    logger,
    owner,
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
  });
  const cardActions = new CardActions({ revocations, cards, notifier, logger });
  const app = createBotApp({ adapter, botAppId: config.bot.id, handlers, cardActions, conversations, messenger, logger });
  // A newly seen conversation may be the first way to reach the audit channel.
  app.turn("afterTurn", () => {
    auditor.kick();
    return Promise.resolve(true);
  });

  const readiness = async (): Promise<ReadinessReport> => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await database.check();
      checks.store = "ok";
    } catch (err) {
      ready = false;
      checks.store = `${database.description} cannot be written: ${err instanceof Error ? err.message : String(err)}`;
    }
    try {
      await directory.checkAccess();
      checks.graph = "ok";
    } catch (err) {
      ready = false;
      checks.graph = userMessageOf(err);
    }
    return { ready, checks };
  };

  const server = createServer({ adapter, app, logger, readiness });
  const port = await listen(server, config.port, options.host);

  jobs.startPolling();
  auditor.start();
  const sweep = setInterval(() => {
    revocations.expireDue().catch((err: unknown) => logger.warn({ err }, "expiry sweep failed"));
  }, options.expirySweepMs ?? 30_000);
  sweep.unref();

  logger.info(
    {
      port,
      graph: config.graph.baseUrl,
      authority: config.graph.authorityHost,
      store: database.description,
      runner: owner,
      auditChannel: await conversations.describeAuditChannel(),
    },
    "teams-revoke-bot listening",
  );
  if (config.bot.id === "") {
    logger.warn(
      config.demoMode
        ? "DEMO MODE: inbound Bot Framework authentication is OFF (no BOT_ID). Never expose this port."
        : "ALLOW_UNAUTHENTICATED=true: inbound Bot Framework authentication is OFF (no BOT_ID). Anyone who can reach this port can act as any user.",
    );
  }

  const idle = async (): Promise<void> => {
    await jobs.idle();
    await auditor.idle();
  };

  return {
    port,
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    idle,
    close: async () => {
      clearInterval(sweep);
      server.close();
      // Jobs finish the targets in flight and hand their lease back; the rest resumes on the next
      // runner. Bounded, because a hung Graph call must not hold the process forever.
      await Promise.race([jobs.stop(), new Promise((resolve) => setTimeout(resolve, 25_000).unref())]);
      await Promise.race([auditor.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      auditor.stop();
      await database.close();
    },
  };
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
  const bot = await startBot(config);
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
