import type { Actor } from "../domain/actor.js";
import type { HashAlg } from "./chain.js";

/** Everything the audit trail records. */
export type AuditAction =
  | "request.created"
  | "request.refused"
  | "request.approved"
  | "request.cancelled"
  | "request.rejected"
  | "request.expired"
  | "decision.refused"
  | "revocation.started"
  | "revocation.resumed"
  | "target.outcome"
  /** A containment step of one target (--reset-password, --confirm-compromised). */
  | "target.containment"
  | "revocation.completed"
  | "revocation.failed"
  | "audit.channel.set"
  /** An activity that passed the JWT check but came from another tenant or channel (refused before any handler). */
  | "activity.refused"
  /** `status <user>`: someone looked up an account. */
  | "status.viewed"
  /** The audit channel moved (posted in the old channel too). */
  | "audit.channel.moved"
  /** A job the runner would not run (approval entry missing, or the requester lost the role). */
  | "revocation.refused"
  /** Keying of the chain began (first audit key), or the key changed: names the key by its ID only. */
  | "audit.keyed"
  /** The post-revocation sign-in watch of a request began (WATCH_HOURS). */
  | "watch.started"
  /** A watched user signed in successfully after the revocation (one entry per sign-in). */
  | "watch.signin"
  /** A watched user signed in from the address `revoke ip` named, after the revocation. */
  | "watch.alarm"
  /** A summary of sign-ins was posted in the request's thread. */
  | "watch.report"
  /** A person ended a watch (`watch stop`). */
  | "watch.stopped"
  /** A watch's time ran out. */
  | "watch.ended"
  /** The sign-in log could not be read (permission or licence): the watch ended at once. */
  | "watch.unavailable"
  /** `watch stop` by someone who may not. */
  | "watch.refused";

/** Refusals: kept one entry each, but posted to Teams aggregated per actor (flood control). */
export function isRefusal(action: AuditAction): boolean {
  return action.endsWith(".refused");
}

/**
 * Recorded in the chain but not posted to Teams: one per target, which for a bulk request would
 * flood the channel. The summary entry that ends the job is posted.
 */
export const UNPOSTED_ACTIONS: ReadonlySet<AuditAction> = new Set(["target.outcome", "target.containment", "watch.signin"]);

export interface AuditEntry {
  seq: number;
  at: string;
  /** null for the bot itself (expiry, job results). */
  actor: Actor | null;
  action: AuditAction;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  /** sha256(prevHash ‖ canonical JSON of the entry), or HMAC-SHA256 with the audit key once keying began. */
  hash: string;
  hashAlg: HashAlg;
}

export type NewAuditEntry = Pick<AuditEntry, "actor" | "action" | "requestId" | "details">;

/** Told about each entry once its transaction has committed (to log it and deliver its post). */
export type AuditObserver = (entry: AuditEntry) => void;

/** The append-only, hash-chained audit trail. */
export interface AuditLog {
  /** Appends the entry (and its Teams post to the outbox, unless the action is unposted) atomically. */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** The request's entry with that action (the first), or undefined when the chain has none. */
  findForRequest(requestId: string, action: AuditAction): Promise<AuditEntry | undefined>;
  /** The latest n entries, newest first, leaving out the given actions. */
  recent(n: number, options?: { exclude?: readonly AuditAction[] }): Promise<AuditEntry[]>;
}

/**
 * One post to the audit channel: one entry, or (flood control) several refusals by the same actor
 * within a minute, shown as one post with their count.
 */
export interface AuditPost {
  /** The outbox row's key: the (first) entry's sequence number. */
  seq: number;
  /** The entry to show: the only one, or the last of an aggregated run. */
  entry: AuditEntry;
  /** Set when the post stands for several refusals: how many, and the first and last entry. */
  aggregate?: { count: number; firstSeq: number; lastSeq: number };
  /**
   * Set when Teams refused the post's content for good (400, 413) and it was set aside: what is
   * delivered in its place is a short note saying so, so the gap in the channel is visible.
   * `status` is the HTTP status Teams answered, when it is known.
   */
  placeholder?: { status: number | undefined };
  /** When the audit channel was first found unreachable while this post led the queue (ISO), if it was. */
  blockedSince?: string;
}

/** Posts still to deliver, and posts set aside after Teams refused them for good. */
export interface OutboxBacklog {
  waiting: number;
  setAside: number;
  /**
   * Present while the audit channel cannot be reached (Teams answered 401/403/404 or a roster
   * error): since when (ISO) and the HTTP status of the last answer. Posts wait in order meanwhile.
   */
  blocked?: { since: string; status: number | undefined };
}

/** Audit posts waiting for Teams, claimed one at a time so two replicas never post the same one. */
export interface AuditOutbox {
  /** Claims the oldest undelivered post that is due and not claimed by a live owner. */
  claimNext(owner: string, leaseMs: number): Promise<AuditPost | undefined>;
  delivered(seq: number, owner: string): Promise<void>;
  /** Releases the claim and schedules the next attempt; error is kept for operators. */
  retryLater(seq: number, owner: string, delayMs: number, error: string | null): Promise<void>;
  /**
   * Teams refused the post for good (a 4xx other than 429): after `maxAttempts` such attempts it is
   * set aside (kept, with its error, but no longer holding later posts back); before that it is
   * retried like any failure. Returns true when it was set aside.
   */
  refusedPermanently(seq: number, owner: string, delayMs: number, error: string, maxAttempts: number): Promise<boolean>;
  /**
   * The audit channel could not be reached (the bot was removed from the team, the channel is
   * gone): releases the claim, schedules the next attempt and marks the post blocked. Returns true
   * when it was not blocked before (the first such answer: time to alert).
   */
  blocked(seq: number, owner: string, delayMs: number, error: string): Promise<boolean>;
  /** The set-aside post's placeholder was posted (or given up on): the post no longer leads the queue. */
  placeholderPosted(seq: number, owner: string): Promise<void>;
  /** A blocked post is due now (the bot was just added back to a team); returns how many were. */
  retryBlockedNow(): Promise<number>;
  /** Posts not delivered yet and not set aside. */
  undeliveredCount(): Promise<number>;
  backlog(): Promise<OutboxBacklog>;
}
