import { inspect } from "node:util";
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely";
import { GENESIS_HASH } from "../audit/chain.js";
import type { DialectKind } from "./database.js";

/**
 * The schema's migrations, in order. One set for SQLite and PostgreSQL: only portable types
 * (text, integer) and constraints. Never edit a migration that has shipped; add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  "001-initial": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("requests")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("requester_id", "text", (c) => c.notNull())
        .addColumn("requester_name", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("disable", "integer", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("decided_by_id", "text")
        .addColumn("decided_by_name", "text")
        .addColumn("decided_at", "text")
        .addColumn("origin", "text", (c) => c.notNull())
        .addColumn("card_activity_id", "text")
        .addColumn("excluded", "text", (c) => c.notNull())
        .addColumn("target_count", "integer", (c) => c.notNull())
        .addCheckConstraint(
          "requests_state_known",
          sql`state in ('pending','approved','running','completed','failed','rejected','cancelled','expired')`,
        )
        .execute();
      await db.schema.createIndex("requests_state_expires").on("requests").columns(["state", "expires_at"]).execute();

      await db.schema
        .createTable("request_targets")
        .addColumn("request_id", "text", (c) => c.notNull().references("requests.id"))
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("snapshot", "text", (c) => c.notNull())
        .addColumn("attempt_at", "text")
        .addColumn("attempt_owner", "text")
        .addPrimaryKeyConstraint("request_targets_pk", ["request_id", "position"])
        .addUniqueConstraint("request_targets_user", ["request_id", "user_id"])
        .execute();

      await db.schema
        .createTable("target_outcomes")
        .addColumn("request_id", "text", (c) => c.notNull().references("requests.id"))
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("detail", "text", (c) => c.notNull())
        .addColumn("sessions_valid_from", "text")
        .addColumn("disabled", "integer", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("target_outcomes_pk", ["request_id", "user_id"])
        .execute();

      await db.schema
        .createTable("jobs")
        .addColumn("request_id", "text", (c) => c.primaryKey().references("requests.id"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("lease_owner", "text")
        .addColumn("lease_expires_at", "text")
        .addColumn("claims", "integer", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .execute();
      await db.schema.createIndex("jobs_open").on("jobs").columns(["finished_at", "lease_expires_at"]).execute();

      await db.schema
        .createTable("audit_log")
        .addColumn("seq", "integer", (c) => c.primaryKey())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor_id", "text")
        .addColumn("actor_name", "text")
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("request_id", "text")
        .addColumn("details", "text", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
      await db.schema.createIndex("audit_log_request").on("audit_log").column("request_id").execute();

      await db.schema
        .createTable("audit_head")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db);

      await db.schema
        .createTable("outbox")
        .addColumn("audit_seq", "integer", (c) => c.primaryKey().references("audit_log.seq"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("next_attempt_at", "text", (c) => c.notNull())
        .addColumn("claimed_by", "text")
        .addColumn("claim_until", "text")
        .addColumn("delivered_at", "text")
        .addColumn("last_error", "text")
        .execute();
      await db.schema.createIndex("outbox_undelivered").on("outbox").columns(["delivered_at", "audit_seq"]).execute();

      await db.schema
        .createTable("conversations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("reference", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("settings")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
    },
  },
  "002-approvals": {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite adds one column per statement; PostgreSQL accepts the same statements.
      for (const column of ["decision_comment", "decision_reason", "approval_reference", "approval_activity_id"]) {
        await db.schema.alterTable("requests").addColumn(column, "text").execute();
      }
    },
  },
  "003-keyed-audit-and-outbox": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Entries written before keying began stay sha256; the bot writes hmac-sha256 once it has a key.
      await db.schema.alterTable("audit_log").addColumn("hash_alg", "text", (c) => c.notNull().defaultTo("sha256")).execute();
      // The head's MAC (HMAC of seq, hash and key ID) and the ID of the key that made it; null when unkeyed.
      await db.schema.alterTable("audit_head").addColumn("key_id", "text").execute();
      await db.schema.alterTable("audit_head").addColumn("mac", "text").execute();
      // Flood control: refusals by one actor (or tenant) share a key; a row may stand for several
      // refusals (count, last entry). A gathering row waits (next_attempt_at) until its minute is up.
      await db.schema.alterTable("outbox").addColumn("flood_key", "text").execute();
      await db.schema.alterTable("outbox").addColumn("flood_count", "integer", (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable("outbox").addColumn("flood_last_seq", "integer").execute();
      await db.schema.alterTable("outbox").addColumn("gather_until", "text").execute();
      // Posts Teams refused for good (4xx other than 429) several times: kept with their error, skipped.
      await db.schema.alterTable("outbox").addColumn("permanent_failures", "integer", (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable("outbox").addColumn("set_aside_at", "text").execute();
      await db.schema.createIndex("outbox_flood").on("outbox").columns(["flood_key", "audit_seq"]).execute();
    },
  },
  "004-write-ledger": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Times as integers (ms since the epoch); bigint on PostgreSQL, whose integer is 32-bit.
      await db.schema
        .createTable("write_ledger")
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("n", "integer", (c) => c.notNull())
        .addColumn("owner", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("write_ledger_key_at").on("write_ledger").columns(["key", "at"]).execute();
      await db.schema.createTable("write_ledger_lock").addColumn("key", "text", (c) => c.primaryKey()).execute();
    },
  },
  "005-signin-watch": {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row per revocation whose users' sign-ins are watched (WATCH_HOURS): leased like jobs,
      // so one replica at a time queries the sign-in log for it; the sweep position and cursor make
      // a restart continue where the last runner stopped.
      await db.schema
        .createTable("watches")
        .addColumn("request_id", "text", (c) => c.primaryKey().references("requests.id"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("ends_at", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("incident_ip", "text")
        .addColumn("user_count", "integer", (c) => c.notNull())
        .addColumn("lease_owner", "text")
        .addColumn("lease_expires_at", "text")
        .addColumn("next_position", "integer", (c) => c.notNull())
        .addColumn("sweep_cursor", "text")
        .addColumn("sweep_started_at", "text")
        .addColumn("next_sweep_at", "text", (c) => c.notNull())
        .addColumn("last_post_at", "text")
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("ended_at", "text")
        .addColumn("ended_by_id", "text")
        .addColumn("ended_by_name", "text")
        .addColumn("end_reason", "text")
        .addCheckConstraint("watches_state_known", sql`state in ('active','stopped','ended','unavailable')`)
        .execute();
      await db.schema.createIndex("watches_state").on("watches").columns(["state", "lease_expires_at"]).execute();
      await db.schema
        .createTable("watch_users")
        .addColumn("request_id", "text", (c) => c.notNull().references("watches.request_id"))
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("upn", "text", (c) => c.notNull())
        .addColumn("display_name", "text", (c) => c.notNull())
        .addColumn("since", "text", (c) => c.notNull())
        .addColumn("last_summary_at", "text")
        .addPrimaryKeyConstraint("watch_users_pk", ["request_id", "position"])
        .addUniqueConstraint("watch_users_user", ["request_id", "user_id"])
        .execute();
      // Each successful sign-in after a revocation, once (Graph's sign-in ID), until it is reported.
      await db.schema
        .createTable("watch_signins")
        .addColumn("request_id", "text", (c) => c.notNull().references("watches.request_id"))
        .addColumn("signin_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("ip", "text", (c) => c.notNull())
        .addColumn("location", "text", (c) => c.notNull())
        .addColumn("app", "text", (c) => c.notNull())
        .addColumn("client", "text", (c) => c.notNull())
        .addColumn("interactive", "integer")
        .addColumn("incident_ip", "integer", (c) => c.notNull())
        .addColumn("seen_before", "integer")
        .addColumn("reported_at", "text")
        .addPrimaryKeyConstraint("watch_signins_pk", ["request_id", "signin_id"])
        .execute();
      await db.schema.createIndex("watch_signins_unreported").on("watch_signins").columns(["request_id", "reported_at", "created_at"]).execute();
      // `status <user>` lists the requests that named a user.
      await db.schema.createIndex("request_targets_user_id").on("request_targets").column("user_id").execute();
    },
  },
  "006-api-requests": {
    async up(db: Kysely<unknown>): Promise<void> {
      // JSON of the incident a request from automation names ({source, id, title, url?}); null for chat.
      await db.schema.alterTable("requests").addColumn("incident", "text").execute();
      // One row per caller app and Idempotency key: the request it made (null while it is being
      // made), and the sha256 of the body, so the same key with another body is refused.
      await db.schema
        .createTable("api_idempotency")
        .addColumn("caller_app_id", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text", (c) => c.notNull())
        .addColumn("body_sha256", "text", (c) => c.notNull())
        .addColumn("request_id", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("api_idempotency_pk", ["caller_app_id", "idempotency_key"])
        .execute();
    },
  },
  "007-containment": {
    async up(db: Kysely<unknown>): Promise<void> {
      // The containment options a request asks for (--reset-password, --confirm-compromised).
      await db.schema.alterTable("requests").addColumn("reset_password", "integer", (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable("requests").addColumn("confirm_compromised", "integer", (c) => c.notNull().defaultTo(0)).execute();
      // What the request does: revoke (the default) or enable (`enable <user>`); and, for an
      // enable, whether the account was disabled by someone other than this bot when it was asked.
      await db.schema.alterTable("requests").addColumn("action", "text", (c) => c.notNull().defaultTo("revoke")).execute();
      await db.schema.alterTable("requests").addColumn("foreign_disable", "integer", (c) => c.notNull().defaultTo(0)).execute();
      // Whether the bot disabled an account is read from its latest outcomes (`enable`).
      await db.schema.createIndex("target_outcomes_user_id").on("target_outcomes").columns(["user_id", "at"]).execute();
      // One row per target and containment step: marked (attempt_at) under the job's lease before
      // the call, and given its outcome (status, detail) exactly once; a resumed job skips steps
      // that have one. Never holds a password.
      await db.schema
        .createTable("containment_steps")
        .addColumn("request_id", "text", (c) => c.notNull().references("requests.id"))
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("step", "text", (c) => c.notNull())
        .addColumn("attempt_at", "text")
        .addColumn("attempt_owner", "text")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("status", "text")
        .addColumn("detail", "text")
        .addColumn("at", "text")
        .addPrimaryKeyConstraint("containment_steps_pk", ["request_id", "user_id", "step"])
        .addCheckConstraint("containment_steps_step_known", sql`step in ('reset_password','confirm_compromised')`)
        .execute();
    },
  },
  "008-responders-failed-sign-ins": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Frozen with the request, so its card, every refresh and the audit show the same: the targets
      // who are responders, `revoke ip`'s failed sign-ins (information, never targets), and how an
      // approver settled the responders (included, or left out of the set).
      await db.schema.alterTable("requests").addColumn("responders", "text").execute();
      await db.schema.alterTable("requests").addColumn("failed_sign_ins", "text").execute();
      await db.schema.alterTable("requests").addColumn("responders_choice", "text").execute();
    },
  },
  "009-watch-floods-and-containment": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Whether the target's sessions were revoked, whatever its later containment steps did: a
      // failed password reset makes the outcome failed, but the user is still revoked and watched.
      await db.schema.alterTable("target_outcomes").addColumn("sessions_revoked", "integer").execute();
      await sql`update target_outcomes set sessions_revoked = 1 where status in ('revoked_verified','revoked_unverified')`.execute(db);
      // The last sweep of a watch re-reads from each user's revocation (late log records).
      await db.schema.alterTable("watches").addColumn("final_sweep", "integer", (c) => c.notNull().defaultTo(0)).execute();
      // Sign-ins past the per-user cap of a sweep: counted (and audited in one entry), not stored.
      await db.schema.alterTable("watches").addColumn("overflow_signins", "integer", (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable("watches").addColumn("overflow_alarms", "integer", (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable("watch_users").addColumn("overflow_through", "text").execute();
      // 'pending': the address is judged after the sign-in is stored; 'many': the user signed in
      // from more new addresses than a sweep looks up; null: judged (or the incident's address).
      await db.schema.alterTable("watch_signins").addColumn("address_check", "text").execute();
    },
  },
  "010-graph-pauses": {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row per throttled Graph API (the reports API, Identity Protection) and tenant: until
      // when every replica waits after a 429 (ms since the epoch). The sends themselves are counted
      // in write_ledger under their own keys.
      await db.schema
        .createTable("graph_pauses")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("paused_until", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  "011-idempotency-claim-owner": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Who holds an idempotency key's claim (a random ID per call): the holder refreshes
      // created_at while it works, and only it may complete or release the claim, so a call
      // whose claim was taken over cannot overwrite or delete its successor's.
      await db.schema.alterTable("api_idempotency").addColumn("claim_owner", "text").execute();
    },
  },
  "012-enable-against-disable": {
    async up(db: Kysely<unknown>): Promise<void> {
      // An enable records the --disable it was asked against (that request's ID; null when this
      // bot had never disabled the account): a newer disable makes the enable stale (issue 22 #5).
      await db.schema.alterTable("requests").addColumn("enable_against", "text").execute();
    },
  },
  "013-outbox-blocked-and-placeholders": {
    async up(db: Kysely<unknown>): Promise<void> {
      // The audit channel unreachable (403/404, the bot removed from the team): the post leading
      // the queue is marked with when, so /readyz and npm run audit:outbox show since when.
      await db.schema.alterTable("outbox").addColumn("blocked_at", "text").execute();
      // A post Teams refused for its content is set aside and a short note takes its place in the
      // channel; posts set aside before this version were already logged, so they get no note.
      await db.schema.alterTable("outbox").addColumn("placeholder_at", "text").execute();
      await sql`update outbox set placeholder_at = set_aside_at where set_aside_at is not null`.execute(db);
    },
  },
  "017-admin-reset-check": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Frozen with a --reset-password request, so its card, every refresh and the audit show the
      // same: admins among the targets and whether the bot's identity can reset their passwords.
      await db.schema.alterTable("requests").addColumn("admin_reset", "text").execute();
    },
  },
  "018-request-selection": {
    async up(db: Kysely<unknown>): Promise<void> {
      // How a request's targets were chosen (named users, a department, an address and its window,
      // the disabled accounts), as JSON: its cards and audit posts say what was asked (issue 21).
      // Older requests have none and keep the counted wording.
      await db.schema.alterTable("requests").addColumn("selection", "text").execute();
    },
  },
  "019-watch-shared-incident": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A user watched under several requests is judged against every incident address their
      // active watches know (issue 21): the request whose address a sign-in came from, or null.
      await db.schema.alterTable("watch_signins").addColumn("incident_request_id", "text").execute();
      // Finding a user's other active watches reads watch_users by user.
      await db.schema.createIndex("watch_users_user_id").on("watch_users").column("user_id").execute();
      // One ALARM per sign-in, whichever of the user's watches stores it first: the sign-in's ID
      // is claimed here (Graph's IDs are unique in a tenant), and only the claimant audits it.
      await db.schema
        .createTable("watch_alarms")
        .addColumn("signin_id", "text", (c) => c.primaryKey())
        .addColumn("request_id", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

/** Names of every migration this build knows, in order. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

/**
 * Brings the schema to the latest version, all or nothing. Safe to run from several processes at
 * once (PostgreSQL: Kysely's advisory lock and transaction; SQLite: see inSqliteWriteLock); throws
 * with the failing migration's name when one fails.
 */
export async function migrateToLatest(db: Kysely<unknown>, kind: DialectKind): Promise<MigrationResultSet> {
  const migrate = () => migratorFor(db).migrateToLatest();
  const result = kind === "sqlite" ? await inSqliteWriteLock(db, migrate) : await migrate();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
    const cause = result.error instanceof Error ? result.error.message : inspect(result.error);
    // No failed migration means none ran: the database could not be reached or locked.
    throw new Error(failed === undefined ? `database migrations could not run: ${cause}` : `database migration ${failed} failed: ${cause}`);
  }
  return result;
}

/**
 * Names of this build's migrations that the database has not applied yet, in order (empty: the
 * schema is current). Only reads: the read-only tools use it to refuse a database with no schema
 * instead of creating one.
 */
export async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  const migrations = await migratorFor(db).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Kysely's migrator over this build's migrations and tables (also used by tests to stop at an older version). */
export function migratorFor(db: Kysely<unknown>): Migrator {
  return new Migrator({ db, provider, migrationTableName: "schema_migrations", migrationLockTableName: "schema_migrations_lock" });
}

/**
 * Kysely runs SQLite migrations outside any transaction and without a lock (its lock only covers
 * the one connection of this process): two processes starting on a new file both create the tables
 * and one fails, and a crash half-way leaves half a schema. So the whole run is one BEGIN IMMEDIATE
 * transaction: its write lock makes another process wait (busy_timeout) and then find the
 * migrations applied, and a failed migration rolls back with everything before it.
 */
async function inSqliteWriteLock(db: Kysely<unknown>, migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  await sql`begin immediate`.execute(db);
  let result: MigrationResultSet;
  try {
    result = await migrate();
  } catch (err) {
    await sql`rollback`.execute(db);
    throw err;
  }
  await sql.raw(result.error === undefined ? "commit" : "rollback").execute(db);
  return result;
}
