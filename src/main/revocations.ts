/**
 * The request machinery below both front doors: the auditor and its outbox, the request store,
 * roles, the revocation job runner, the sign-in watch that follows a job, and the service that
 * proposes, decides and expires requests.
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import type { Logger } from "pino";
import { Auditor } from "../audit/auditor.js";
import { CardNotifier } from "../bot/card-notifier.js";
import type { Conversations } from "../bot/conversations.js";
import type { Messenger } from "../bot/messenger.js";
import { TeamsAuditSink } from "../bot/teams-audit-sink.js";
import { TeamsWatchThread } from "../bot/watch-thread.js";
import type { AppConfig } from "../config.js";
import type { Directory } from "../directory/directory.js";
import { IdentityProtectionPacer } from "../directory/identity-protection-pacer.js";
import type { ReportsBudget } from "../directory/reports-budget.js";
import { GraphSignInLog } from "../directory/sign-in-log.js";
import { GraphRoleLookup } from "../policy/roles.js";
import { AdminResetChecker } from "../revocation/admin-reset.js";
import { JobRunner } from "../revocation/job-runner.js";
import { REVOCATION_WORDS } from "../cards/revocation-words.js";
import { RevocationService } from "../requests/lifecycle.js";
import type { RevocationRequest } from "../revocation/types.js";
import { SqlPauseBoard } from "../store/graph-pauses.js";
import { SqlJobQueue } from "../store/job-queue.js";
import { SqlRequestStore } from "../store/request-store.js";
import { SqlWatchStore } from "../store/watch-store.js";
import { SqlSendLedger } from "../store/write-ledger.js";
import { WatchRunner } from "../watch/watch-runner.js";
import type { StartOptions } from "./start-options.js";
import type { Storage } from "./storage.js";

export interface RevocationParts {
  config: Readonly<AppConfig>;
  options: StartOptions;
  logger: Logger;
  storage: Storage;
  graphClient: Client;
  directory: Directory;
  reportsBudget: ReportsBudget;
  messenger: Messenger;
  conversations: Conversations;
}

/** Builds the request machinery; nothing of it runs until the caller starts it. */
export function wireRevocations({ config, options, logger, storage, graphClient, directory, reportsBudget, messenger, conversations }: RevocationParts) {
  const { database, owner, auditKey, auditStore, keyingBegan } = storage;
  const { db, kind } = database;
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
    words: REVOCATION_WORDS,
    jobs: new SqlJobQueue(db),
    directory,
    auditor,
    auditLog: auditStore,
    auditKey,
    roles,
    listener,
    logger,
    owner,
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
    words: REVOCATION_WORDS,
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
  });
  return { auditor, notifier, roles, signInLog, watches, jobs, revocations };
}
