/**
 * What the parts of the sign-in watch share: the thread they speak in, their options, their
 * collaborators (the runner's leases and loops in watch-runner.ts, the sweep that reads the
 * sign-in log in watch-sweep.ts, the judgement of addresses in watch-judge.ts, the thread and
 * audit posts in watch-report.ts).
 */
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.js";
import type { Auditor } from "../audit/auditor.js";
import type { SignInLog } from "../directory/sign-in-log.js";
import type { RequestStore } from "../revocation/request-store.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { Actor } from "../domain/actor.js";
import type { FailedStep, UnreportedSignIn, WatchStore } from "./types.js";

/** What the watch says in the request's thread (implemented by the bot layer, src/bot/watch-thread.ts). */
export interface WatchThread {
  started(request: RevocationRequest, users: number, hours: number, incidentIp: string | null, failedSteps: readonly FailedStep[]): Promise<void>;
  report(request: RevocationRequest, reports: ReadonlyArray<{ displayName: string; upn: string; signIns: readonly UnreportedSignIn[] }>, more: number): Promise<void>;
  unavailable(request: RevocationRequest, reason: string): Promise<void>;
  /** `alarms` counts every sign-in from an incident address, `alarmsFromOthers` those of them from another watching request's. */
  ended(request: RevocationRequest, hours: number, signIns: number, alarms: number, alarmsFromOthers: number): Promise<void>;
  stopped(request: RevocationRequest, by: Actor, reason: string): Promise<void>;
}

export interface WatchRunnerOptions {
  /** WATCH_HOURS: how long after a revocation its users are watched; 0 = off. */
  hours: number;
  /** A watch's lease; renewed every third of it. */
  leaseMs: number;
  /** How often this process looks for watches nobody holds, and how long an idle watch waits. */
  tickMs: number;
  /** A new sweep of a watch's users starts at most this often. */
  sweepIntervalMs: number;
  /** Each sweep re-reads this far before the previous one began (sign-ins reach the log late). */
  sweepOverlapMs: number;
  /** Watches this process runs at once. */
  maxWatches: number;
  /** At most one thread message per watch this often. */
  postIntervalMs: number;
  /** At most one summary per user this often (a sign-in from an incident address is not held back). */
  summaryIntervalMs: number;
  /** Users a report lists; the rest follow in the next. */
  usersPerReport: number;
  /** Sign-ins stored (and audited, reported) one by one per user and sweep; the rest are counted in one entry. */
  signInsPerUserPerSweep: number;
  /** New addresses looked up per user and sweep; past that the user "signed in from many new addresses". */
  addressLookupsPerUser: number;
  /** Address look-ups one step sends at most before the next group is read (they share the reports budget). */
  lookupsPerStep: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchRunnerOptions = {
  hours: 24,
  leaseMs: 30_000,
  tickMs: 5_000,
  sweepIntervalMs: 5 * 60_000,
  sweepOverlapMs: 15 * 60_000,
  maxWatches: 20,
  postIntervalMs: 60_000,
  summaryIntervalMs: 3_600_000,
  usersPerReport: 10,
  signInsPerUserPerSweep: 20,
  addressLookupsPerUser: 3,
  lookupsPerStep: 3,
};

/** The runner's collaborators, handed in by the composition root (src/index.ts) or a test. */
export interface WatchDeps {
  store: WatchStore;
  log: SignInLog;
  requests: Pick<RequestStore, "summary">;
  auditLog: Pick<AuditLog, "findForRequest">;
  auditor: Pick<Auditor, "record">;
  thread: WatchThread;
  logger: Logger;
  /** This runner's name on the leases it holds. */
  owner: string;
}

/** The runner is closing: a step waiting for the budget gives up without sending anything. */
export class WatchClosing extends Error {
  constructor() {
    super("the sign-in watch runner is closing");
  }
}
