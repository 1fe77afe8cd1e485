/**
 * startBot: the order things are built and started in. Each part's wiring lives beside it in
 * src/main/: storage and the audit chain, the Graph client, the request machinery, the Teams door,
 * the automation API, readiness, the start-up log and the shutdown.
 */
import type { AppConfig } from "../config.js";
import type { Directory } from "../directory/directory.js";
import { GraphDirectory } from "../directory/graph-directory.js";
import { ReportsBudget } from "../directory/reports-budget.js";
import { createLogger, routeConsoleToLog } from "../logger.js";
import { createServer, listen } from "../server.js";
import { SqlPauseBoard } from "../store/graph-pauses.js";
import { jobQueueStats } from "../store/job-queue.js";
import { SqlSendLedger } from "../store/write-ledger.js";
import { startTelemetry } from "../telemetry/setup.js";
import { wireApi } from "./api.js";
import { createCredential, createGraphClient } from "./graph-client.js";
import { listenHost } from "./listen-host.js";
import { readinessCheck } from "./readiness.js";
import { wireRevocations } from "./revocations.js";
import { shutdownOf } from "./shutdown.js";
import { logStart } from "./start-log.js";
import type { RunningBot, StartOptions } from "./start-options.js";
import { openStorage } from "./storage.js";
import { connectTeams, openTeamsDoor } from "../bot/teams-door.js";
import { SqlConversationStore } from "../store/conversation-store.js";
import { SqlUserHistory } from "../store/user-history.js";

/** Starts the bot with the given configuration. */
export async function startBot(config: Readonly<AppConfig>, options: StartOptions = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const restoreConsole = options.routeConsole === true ? routeConsoleToLog(logger) : () => undefined;

  const credential = createCredential(config);
  const graphClient = createGraphClient(config, credential);

  const storage = await openStorage(config, credential);
  const { database, owner } = storage;
  const { db, kind } = database;
  // Every reader of the sign-in log (watch, status, revoke ip) shares one budget, and replicas
  // share it through the database: the places taken (write_ledger) and a 429's pause (graph_pauses).
  const reportsBudget = new ReportsBudget({
    tenantId: config.graph.credential.tenantId ?? config.bot.tenantId,
    ledger: new SqlSendLedger(db, kind, owner),
    pauses: new SqlPauseBoard(db, kind),
  });
  const directory: Directory = new GraphDirectory(graphClient, credential, reportsBudget);

  const teams = connectTeams(config, options.emulatorOpenIdMetadataUrl, new SqlConversationStore(storage.database.db));
  const { auditor, notifier, roles, signInLog, watches, jobs, revocations } = wireRevocations({
    config,
    options,
    logger,
    storage,
    graphClient,
    directory,
    reportsBudget,
    messenger: teams.messenger,
    conversations: teams.conversations,
  });
  const { cards, guard } = openTeamsDoor({ config, now: options.now, logger, auditLog: storage.auditStore, userHistory: new SqlUserHistory(storage.database.db), teams, directory, auditor, notifier, roles, revocations, watches, signInLog });
  const api = wireApi({ config, options, logger, storage, directory, auditor, revocations, conversations: teams.conversations, cards });

  // Telemetry before the server takes traffic; nothing of it is loaded when it is not configured.
  const telemetry = await startTelemetry(
    { ...config.telemetry, ...(options.telemetryExportIntervalMs === undefined ? {} : { exportIntervalMs: options.telemetryExportIntervalMs }) },
    {
      jobs: () => jobQueueStats(db),
      outbox: async () => {
        const backlog = await storage.auditStore.backlog();
        return { waiting: backlog.waiting, setAside: backlog.setAside, blocked: backlog.blocked !== undefined };
      },
    },
    logger,
  );

  const server = createServer({
    handleActivity: (activity, authorization) => guard.handle(activity, authorization),
    refusedActivities: () => guard.refused.total(),
    logger,
    readiness: readinessCheck(database, auditor, directory, logger),
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

  await logStart(config, logger, { port, host }, storage, teams.conversations, auditor);
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
    close: shutdownOf({ sweep, server, jobs, watches, auditor, telemetry, database, restoreConsole }),
  };
}
