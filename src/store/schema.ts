import type { Generated } from "kysely";

/**
 * The database's tables as Kysely sees them. Times are ISO-8601 UTC strings (fixed width, so they
 * compare correctly as text on both dialects); JSON is stored as text so both dialects return the
 * exact bytes written.
 */
export interface Database {
  requests: RequestsTable;
  request_targets: RequestTargetsTable;
  target_outcomes: TargetOutcomesTable;
  jobs: JobsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  outbox: OutboxTable;
  conversations: ConversationsTable;
  settings: SettingsTable;
  write_ledger: WriteLedgerTable;
  write_ledger_lock: WriteLedgerLockTable;
  api_idempotency: ApiIdempotencyTable;
  watches: WatchesTable;
  watch_users: WatchUsersTable;
  watch_signins: WatchSignInsTable;
  watch_alarms: WatchAlarmsTable;
  containment_steps: ContainmentStepsTable;
  graph_pauses: GraphPausesTable;
}

/** One containment step of one target (007): marked before the call, its outcome recorded once. */
export interface ContainmentStepsTable {
  request_id: string;
  user_id: string;
  /** reset_password | confirm_compromised */
  step: string;
  attempt_at: string | null;
  attempt_owner: string | null;
  attempts: Generated<number>;
  /** done | failed, or null while not finished. */
  status: string | null;
  detail: string | null;
  at: string | null;
}

export interface RequestsTable {
  id: string;
  created_at: string;
  expires_at: string;
  updated_at: string;
  requester_id: string;
  requester_name: string;
  reason: string;
  disable: number;
  state: string;
  version: number;
  decided_by_id: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  /** JSON: the Teams conversation reference the request came from. */
  origin: string;
  card_activity_id: string | null;
  /** The decider's comment (002). */
  decision_comment: string | null;
  /** Why the policy allowed the decision (002). */
  decision_reason: string | null;
  /** JSON: the approval channel's conversation reference, when the card was posted there too (002). */
  approval_reference: string | null;
  approval_activity_id: string | null;
  /** JSON: users left out of the target set, and why. */
  excluded: string;
  target_count: number;
  /** JSON: the incident a request from automation names, else null (006). */
  incident: string | null;
  /** --reset-password (007). */
  reset_password: Generated<number>;
  /** --confirm-compromised (007). */
  confirm_compromised: Generated<number>;
  /** revoke | enable (007). */
  action: Generated<string>;
  /** An enable of an account this bot did not disable (007). */
  foreign_disable: Generated<number>;
  /** JSON: the targets who are responders ([{id, userPrincipalName, displayName}]), or null (008). */
  responders: string | null;
  /** JSON: `revoke ip`'s failed sign-ins from the address ({attempts, more, users}), or null (008). */
  failed_sign_ins: string | null;
  /** included | left_out: how an approver settled the responders, or null (008). */
  responders_choice: string | null;
  /** An enable: the request ID of the --disable it was asked against, or null (012). */
  enable_against: string | null;
  /** JSON: --reset-password's admin role check (AdminResetCheck), or null (017). */
  admin_reset: string | null;
  /** JSON: how the targets were chosen (RequestSelection), or null on older requests (018). */
  selection: string | null;
}

/** The frozen target snapshot: one row per user, in the order shown on the card. */
export interface RequestTargetsTable {
  request_id: string;
  position: number;
  user_id: string;
  /** JSON: the user as resolved when the request was made. */
  snapshot: string;
  /** Set just before the revocation call, so a resumed job knows a call may have reached Graph. */
  attempt_at: string | null;
  attempt_owner: string | null;
}

/** Exactly one row per target that has finished (primary key request_id + user_id). */
export interface TargetOutcomesTable {
  request_id: string;
  user_id: string;
  position: number;
  status: string;
  detail: string;
  sessions_valid_from: string | null;
  disabled: number;
  at: string;
  /** 1 when the sessions were revoked (even if a later containment step failed); null before 009. */
  sessions_revoked?: number | null;
}

export interface JobsTable {
  request_id: string;
  created_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** How many times a runner has claimed the job (more than one means it was resumed). */
  claims: number;
  finished_at: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  request_id: string | null;
  /** Canonical JSON of the details. */
  details: string;
  prev_hash: string;
  hash: string;
  /** sha256 (before keying began) or hmac-sha256 (003). */
  hash_alg: Generated<string>;
}

/** One row (id 1): the last sequence number and hash, so appends serialise and truncation shows. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  /** The audit key's ID once keying began, else null (003). */
  key_id: string | null;
  /** HMAC of seq, hash and key ID with that key, else null (003). */
  mac: string | null;
}

/** Audit entries still to be posted to Teams, one per entry. */
export interface OutboxTable {
  audit_seq: number;
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  claimed_by: string | null;
  claim_until: string | null;
  delivered_at: string | null;
  last_error: string | null;
  /** Refusals only: whose they are ("actor:<id>", "tenant:<id>" or "foreign"), for flood control (003). */
  flood_key: string | null;
  /** How many refusals this post stands for (003). */
  flood_count: Generated<number>;
  /** The last entry this post stands for, when it stands for several (003). */
  flood_last_seq: number | null;
  /** A row gathering refusals: the end of its minute, when it is posted; null for ordinary posts (003). */
  gather_until: string | null;
  /** Attempts Teams refused for good (4xx other than 429) (003). */
  permanent_failures: Generated<number>;
  /** When the post was set aside after too many permanent refusals; null while it is still tried (003). */
  set_aside_at: string | null;
  /** When the audit channel was first found unreachable while this post led the queue; null if never (013). */
  blocked_at: Generated<string | null>;
  /** A set-aside post: when the note standing in its place was posted; null until then (013). */
  placeholder_at: Generated<string | null>;
}

export interface ConversationsTable {
  id: string;
  /** JSON: the conversation reference. */
  reference: string;
  updated_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Graph writes sent by every replica, for pacing them together to one quota (times in ms since the epoch). */
export interface WriteLedgerTable {
  key: string;
  at: number;
  n: number;
  owner: string;
}

/** One row per ledger key, locked while a replica reserves its next writes. */
export interface WriteLedgerLockTable {
  key: string;
}

/** Idempotency keys of the automation API: one per caller app and key (006). */
export interface ApiIdempotencyTable {
  caller_app_id: string;
  idempotency_key: string;
  /** sha256 of the request body as validated (canonical JSON). */
  body_sha256: string;
  /** The request made with the key; null while it is being made. */
  request_id: string | null;
  /** When the claim was taken or last refreshed by its holder. */
  created_at: string;
  /** The holder of a claim (011): a random ID per call; null on rows older than 011. */
  claim_owner: string | null;
}

/** A post-revocation watch of the revoked users' sign-ins (005). */
export interface WatchesTable {
  request_id: string;
  created_at: string;
  ends_at: string;
  /** active | stopped (by a person) | ended (its time ran out) | unavailable (no permission or licence). */
  state: string;
  /** The address `revoke ip` named, or null. */
  incident_ip: string | null;
  user_count: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** The first user (position) of the group the next query asks about. */
  next_position: number;
  /** `createdDateTime ge` of the current sweep, or null for the first (each user's own revocation time). */
  sweep_cursor: string | null;
  sweep_started_at: string | null;
  /** The next sweep starts no earlier than this. */
  next_sweep_at: string;
  /** The last message posted in the request's thread (at most one a minute). */
  last_post_at: string | null;
  /** Queries in a row that failed for a passing reason. */
  failures: number;
  ended_at: string | null;
  ended_by_id: string | null;
  ended_by_name: string | null;
  end_reason: string | null;
  /** 1 while the last sweep runs, reading from each user's revocation (009). */
  final_sweep?: number;
  /** Sign-ins past the per-user cap of a sweep: counted, not stored (009). */
  overflow_signins?: number;
  overflow_alarms?: number;
}

/** One watched user: revoked by the request, with the time sign-ins count from. */
export interface WatchUsersTable {
  request_id: string;
  position: number;
  user_id: string;
  upn: string;
  display_name: string;
  /** Sign-ins from this time on are after the revocation (the verified sessions-valid-from time). */
  since: string;
  /** The last summary of this user in the thread (at most one an hour). */
  last_summary_at: string | null;
  /** The newest sign-in counted past the cap (009): older records not stored are already counted. */
  overflow_through?: string | null;
}

/** A successful sign-in after the revocation, as the sign-in log showed it. */
export interface WatchSignInsTable {
  request_id: string;
  signin_id: string;
  user_id: string;
  created_at: string;
  ip: string;
  location: string;
  app: string;
  client: string;
  /** 1 interactive, 0 non-interactive, null when the log did not say. */
  interactive: number | null;
  /** 1 when the address is the one `revoke ip` named. */
  incident_ip: number;
  /** 1 when the user signed in successfully from this address before the revocation, 0 not, null unknown. */
  seen_before: number | null;
  reported_at: string | null;
  /** 'pending' (address not judged yet), 'many' (too many new addresses to look up), null judged (009). */
  address_check?: string | null;
  /** The request whose incident address it came from: this one or another watching the user (019). */
  incident_request_id?: string | null;
}

/** A sign-in from an incident address claimed by the first watch that stored it: its ALARM is audited once (019). */
export interface WatchAlarmsTable {
  signin_id: string;
  /** The request whose watch claimed it (and audited the ALARM). */
  request_id: string;
  at: string;
}

/** Until when every replica holds back from a throttled Graph API (010; ms since the epoch). */
export interface GraphPausesTable {
  /** e.g. `reports:<tenant id>`, `identity-protection:<tenant id>` */
  key: string;
  paused_until: number;
}
