/**
 * The post-revocation watch: after a revocation job ends, the revoked users' successful sign-ins
 * are looked for in the sign-in log for WATCH_HOURS and reported in the request's thread and the
 * audit. These are its records and the store behind them (src/store/watch-store.ts). No Teams here.
 */
import type { Actor } from "../domain/actor.js";
import type { IncidentAddress } from "./judgement.js";

export type WatchState = "active" | "stopped" | "ended" | "unavailable";

export interface Watch {
  requestId: string;
  createdAt: string;
  endsAt: string;
  state: WatchState;
  /** The address `revoke ip` named, or null for other requests. */
  incidentIp: string | null;
  userCount: number;
  /** Position of the first user of the next group to query. */
  nextPosition: number;
  /** `createdDateTime ge` of the current sweep; null on the first (each user's revocation time). */
  sweepCursor: string | null;
  sweepStartedAt: string | null;
  nextSweepAt: string;
  lastPostAt: string | null;
  failures: number;
  endedAt: string | null;
  endedBy: Actor | null;
  endReason: string | null;
  /** The last sweep runs (its time is up): it reads from each user's revocation, for late records. */
  finalSweep: boolean;
  /** Sign-ins past the per-user cap of a sweep: counted (one audit entry per user and sweep), not stored. */
  overflowSignIns: number;
  /** Of those, from the incident's address. */
  overflowAlarms: number;
}

export interface WatchedUser {
  position: number;
  userId: string;
  upn: string;
  displayName: string;
  /** Sign-ins from this time on came after the revocation. */
  since: string;
  lastSummaryAt: string | null;
  /** The newest sign-in counted past the cap: an unstored record up to this time is already counted. */
  overflowThrough: string | null;
}

/** A successful sign-in after the revocation. */
export interface WatchSignIn {
  signInId: string;
  userId: string;
  createdAt: string;
  ip: string;
  location: string;
  app: string;
  client: string;
  interactive: boolean | null;
  /** The address is an incident address: the one this request named (`revoke ip`) or another active watch's of the user. */
  incidentIp: boolean;
  /** The request whose incident address it is (this one or another watching the user); null when none. */
  incidentRequestId: string | null;
  /** The user signed in from this address before the revocation; null when it could not be told. */
  seenBefore: boolean | null;
  /**
   * "pending": the address is judged after the sign-in is stored and any alarm raised; "many": the
   * user signed in from more new addresses in one sweep than are looked up; null: judged.
   */
  addressCheck: "pending" | "many" | null;
  reportedAt: string | null;
}

/** A sign-in waiting to be reported, with its user's names. */
export interface UnreportedSignIn extends WatchSignIn {
  upn: string;
  displayName: string;
  lastSummaryAt: string | null;
}

/** A stored sign-in whose address is still to be judged, with its user's revocation time. */
export interface PendingSignIn extends UnreportedSignIn {
  since: string;
}

/** A watch as `watch` lists it. */
export interface WatchListing {
  watch: Watch;
  signIns: number;
  alarms: number;
  /** Of the alarms, those from the incident address of another request watching the same user. */
  alarmsFromOthers?: number;
  /** The first few watched users by name (the listing says how many more). */
  firstUsers?: ReadonlyArray<{ displayName: string; upn: string }>;
}

/** Fields a runner moves forward after each query (only while it holds the lease). */
export type WatchProgress = Partial<Pick<Watch, "nextPosition" | "sweepCursor" | "sweepStartedAt" | "nextSweepAt" | "failures" | "finalSweep">>;

/** A containment step that was asked for and not done, for a watched user (said in the watch's first message). */
export interface FailedStep {
  upn: string;
  displayName: string;
  /** "reset_password" | "confirm_compromised" */
  step: string;
}

/** One user's sign-ins past the cap of a sweep: counted, not stored. */
export interface SignInOverflow {
  userId: string;
  count: number;
  fromIncident: number;
  /** The sign-in IDs of those (not stored: their ALARM is claimed once across the user's watches). */
  incidentIds: readonly string[];
  /** The requests whose incident addresses they came from. */
  incidentRequests: readonly string[];
  first: string;
  last: string;
  addresses: number;
}

export interface WatchStore {
  /**
   * Creates the watch of a finished request over its revoked targets (verified or not, and those
   * whose sessions were revoked before a later containment step failed), each from
   * its sessions-valid-from time (or its outcome's time). Returns the number of users watched (0:
   * nobody was revoked, no watch). A second call for the same request changes nothing.
   */
  create(requestId: string, createdAt: string, endsAt: string, incidentIp: string | null): Promise<number>;
  get(requestId: string): Promise<Watch | undefined>;
  /** Active watches nobody holds (or whose lease ran out), claimed for `owner`; at most `limit`. */
  claim(owner: string, leaseMs: number, now: Date, limit: number): Promise<string[]>;
  renew(requestId: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  release(requestId: string, owner: string): Promise<void>;
  /** Up to `limit` users from position `from` on, in order. */
  usersFrom(requestId: string, from: number, limit: number): Promise<WatchedUser[]>;
  /** Moves the watch forward; false when `owner` no longer holds it or it is no longer active. */
  advance(requestId: string, owner: string, progress: WatchProgress): Promise<boolean>;
  /** Records sign-ins not seen before; returns those that were new. */
  addSignIns(requestId: string, signIns: readonly WatchSignIn[]): Promise<WatchSignIn[]>;
  /** Of these sign-in IDs, those already stored for the watch. */
  knownIds(requestId: string, signInIds: readonly string[]): Promise<Set<string>>;
  /** Counts sign-ins past the per-user cap (not stored) and moves each user's overflow mark. */
  addOverflow(requestId: string, overflow: readonly SignInOverflow[]): Promise<void>;
  /** Sign-ins whose address is still to be judged, oldest first, at most `limit`. */
  pendingChecks(requestId: string, limit: number): Promise<PendingSignIn[]>;
  /** Records the verdict on a (user, address) pair for every sign-in still pending with it. */
  judged(requestId: string, userId: string, ip: string, seenBefore: boolean | null, check: "many" | null): Promise<void>;
  /**
   * The incident addresses of the other active watches of these users (each user's watches under
   * other requests that named an address), for judging a sign-in once across them.
   */
  incidentAddresses(requestId: string, userIds: readonly string[]): Promise<Array<IncidentAddress & { userId: string }>>;
  /**
   * Claims these sign-ins' ALARMs for the watch of `requestId`: returns those no watch claimed
   * before (this watch audits their ALARM; another watch of the same user already did the rest).
   */
  claimAlarms(requestId: string, signInIds: readonly string[], at: string): Promise<Set<string>>;
  /** Containment steps not done for the watch's users (the users were revoked all the same). */
  failedSteps(requestId: string): Promise<FailedStep[]>;
  /** What an earlier sign-in of this watch found about the address, if anything. */
  knownVerdict(requestId: string, userId: string, ip: string): Promise<boolean | null | undefined>;
  /** Unreported sign-ins whose address is judged (or needs no judging), oldest first, at most `limit`. */
  unreported(requestId: string, limit: number): Promise<UnreportedSignIn[]>;
  /** Marks sign-ins reported, their users summarised and the thread posted to, at `at`. */
  markReported(requestId: string, signInIds: readonly string[], userIds: readonly string[], at: string): Promise<void>;
  /** Ends an active watch; false when it was not active (someone else ended it first). */
  end(requestId: string, state: Exclude<WatchState, "active">, at: string, reason: string, by: Actor | null): Promise<boolean>;
  /** Active watches, oldest first, with counts. */
  listActive(limit: number): Promise<WatchListing[]>;
  /** The request's watch with its counts, if it has one. */
  listing(requestId: string): Promise<WatchListing | undefined>;
  /**
   * Requests that finished (completed or failed) since `since` with at least one revoked target and
   * no watch: a process that died between a job's end and its watch's start left them.
   */
  unwatched(since: string, limit: number): Promise<string[]>;
}

/** What commands need of the watch (src/watch/watch-runner.ts implements it). */
export interface WatchControl {
  /** WATCH_HOURS; 0 = watching is off. */
  readonly hours: number;
  list(limit: number): Promise<WatchListing[]>;
  /** Ends a watch by a person's word (audited by the caller's service). */
  stop(requestId: string, by: Actor, reason: string): Promise<"stopped" | "notFound" | "notActive">;
  /** The request's watch, for `watch stop` to check who may end it. */
  listing(requestId: string): Promise<WatchListing | undefined>;
}
