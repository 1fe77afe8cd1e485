import { sql, type Kysely } from "kysely";
import type { DirectoryUser } from "../directory/types.js";
import type { Actor } from "../domain/actor.js";
import type { IncidentAddress } from "../watch/judgement.js";
import type { FailedStep, PendingSignIn, SignInOverflow, UnreportedSignIn, Watch, WatchedUser, WatchListing, WatchProgress, WatchSignIn, WatchState, WatchStore } from "../watch/types.js";
import type { Database, WatchesTable } from "./schema.js";
import { signInOf, watchOf } from "./watch-rows.js";

/** Users `watch` names per watch; the rest are counted. */
const LISTED_USERS = 3;

/** Rows written per insert statement (SQLite allows 32,766 bound values per statement). */
const CHUNK = 500;

const REVOKED = ["revoked_verified", "revoked_unverified"];

/** Post-revocation watches in the database (005-signin-watch); leased like jobs. */
export class SqlWatchStore implements WatchStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(requestId: string, createdAt: string, endsAt: string, incidentIp: string | null): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("watches").select("request_id").where("request_id", "=", requestId).executeTakeFirst();
      if (existing !== undefined) return 0;
      const rows = await trx
        .selectFrom("target_outcomes as o")
        .innerJoin("request_targets as t", (join) => join.onRef("t.request_id", "=", "o.request_id").onRef("t.user_id", "=", "o.user_id"))
        .select(["o.user_id", "o.position", "o.sessions_valid_from", "o.at", "t.snapshot"])
        .where("o.request_id", "=", requestId)
        // Whoever's sessions were revoked is watched, whatever a later containment step did.
        .where((eb) => eb.or([eb("o.status", "in", REVOKED), eb("o.sessions_revoked", "=", 1)]))
        .orderBy("o.position")
        .execute();
      if (rows.length === 0) return 0;
      await trx
        .insertInto("watches")
        .values({
          request_id: requestId,
          created_at: createdAt,
          ends_at: endsAt,
          state: "active",
          incident_ip: incidentIp,
          user_count: rows.length,
          lease_owner: null,
          lease_expires_at: null,
          next_position: 0,
          sweep_cursor: null,
          sweep_started_at: null,
          next_sweep_at: createdAt,
          last_post_at: null,
          failures: 0,
          ended_at: null,
          ended_by_id: null,
          ended_by_name: null,
          end_reason: null,
        })
        .execute();
      const users = rows.map((row, position) => {
        const snapshot = JSON.parse(row.snapshot) as Partial<DirectoryUser>;
        // The verified time is when Entra stopped honouring old sessions; without it, the outcome's.
        const since = row.sessions_valid_from ?? row.at;
        return {
          request_id: requestId,
          position,
          user_id: row.user_id.toLowerCase(),
          upn: snapshot.userPrincipalName ?? row.user_id,
          display_name: snapshot.displayName ?? snapshot.userPrincipalName ?? row.user_id,
          since: new Date(since).toISOString(),
          last_summary_at: null,
        };
      });
      for (let i = 0; i < users.length; i += CHUNK) await trx.insertInto("watch_users").values(users.slice(i, i + CHUNK)).execute();
      return users.length;
    });
  }

  async get(requestId: string): Promise<Watch | undefined> {
    const row = await this.db.selectFrom("watches").selectAll().where("request_id", "=", requestId).executeTakeFirst();
    return row === undefined ? undefined : watchOf(row);
  }

  async claim(owner: string, leaseMs: number, now: Date, limit: number): Promise<string[]> {
    const nowIso = now.toISOString();
    const candidates = await this.db
      .selectFrom("watches")
      .select(["request_id", "lease_owner", "lease_expires_at"])
      .where("state", "=", "active")
      .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<=", nowIso)]))
      .orderBy("created_at", "asc")
      .limit(limit)
      .execute();
    const claimed: string[] = [];
    for (const c of candidates) {
      // Compare-and-set on what was read: of two replicas racing for a watch, one wins.
      let update = this.db
        .updateTable("watches")
        .set({ lease_owner: owner, lease_expires_at: new Date(now.getTime() + leaseMs).toISOString() })
        .where("request_id", "=", c.request_id)
        .where("state", "=", "active");
      update =
        c.lease_owner === null
          ? update.where("lease_owner", "is", null)
          : update.where("lease_owner", "=", c.lease_owner).where("lease_expires_at", "=", c.lease_expires_at);
      const result = await update.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) claimed.push(c.request_id);
    }
    return claimed;
  }

  async renew(requestId: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable("watches")
      .set({ lease_expires_at: new Date(now.getTime() + leaseMs).toISOString() })
      .where("request_id", "=", requestId)
      .where("lease_owner", "=", owner)
      .where("state", "=", "active")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(requestId: string, owner: string): Promise<void> {
    await this.db
      .updateTable("watches")
      .set({ lease_owner: null, lease_expires_at: null })
      .where("request_id", "=", requestId)
      .where("lease_owner", "=", owner)
      .execute();
  }

  async usersFrom(requestId: string, from: number, limit: number): Promise<WatchedUser[]> {
    const rows = await this.db
      .selectFrom("watch_users")
      .selectAll()
      .where("request_id", "=", requestId)
      .where("position", ">=", from)
      .orderBy("position")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      position: Number(r.position),
      userId: r.user_id,
      upn: r.upn,
      displayName: r.display_name,
      since: r.since,
      lastSummaryAt: r.last_summary_at,
      overflowThrough: r.overflow_through ?? null,
    }));
  }

  async advance(requestId: string, owner: string, progress: WatchProgress): Promise<boolean> {
    const set: Partial<WatchesTable> = {};
    if (progress.nextPosition !== undefined) set.next_position = progress.nextPosition;
    if (progress.sweepCursor !== undefined) set.sweep_cursor = progress.sweepCursor;
    if (progress.sweepStartedAt !== undefined) set.sweep_started_at = progress.sweepStartedAt;
    if (progress.nextSweepAt !== undefined) set.next_sweep_at = progress.nextSweepAt;
    if (progress.failures !== undefined) set.failures = progress.failures;
    if (progress.finalSweep !== undefined) set.final_sweep = progress.finalSweep ? 1 : 0;
    if (Object.keys(set).length === 0) return true;
    const result = await this.db
      .updateTable("watches")
      .set(set)
      .where("request_id", "=", requestId)
      .where("lease_owner", "=", owner)
      .where("state", "=", "active")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async addSignIns(requestId: string, signIns: readonly WatchSignIn[]): Promise<WatchSignIn[]> {
    if (signIns.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const fresh: WatchSignIn[] = [];
      for (const s of signIns) {
        const result = await trx
          .insertInto("watch_signins")
          .values({
            request_id: requestId,
            signin_id: s.signInId,
            user_id: s.userId,
            created_at: s.createdAt,
            ip: s.ip,
            location: s.location,
            app: s.app,
            client: s.client,
            interactive: s.interactive === null ? null : s.interactive ? 1 : 0,
            incident_ip: s.incidentIp ? 1 : 0,
            incident_request_id: s.incidentRequestId,
            seen_before: s.seenBefore === null ? null : s.seenBefore ? 1 : 0,
            reported_at: null,
            address_check: s.addressCheck,
          })
          .onConflict((oc) => oc.columns(["request_id", "signin_id"]).doNothing())
          .executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) fresh.push(s);
      }
      return fresh;
    });
  }

  async knownIds(requestId: string, signInIds: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < signInIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("watch_signins")
        .select("signin_id")
        .where("request_id", "=", requestId)
        .where("signin_id", "in", signInIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) known.add(r.signin_id);
    }
    return known;
  }

  async addOverflow(requestId: string, overflow: readonly SignInOverflow[]): Promise<void> {
    if (overflow.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const o of overflow) {
        await trx
          .updateTable("watch_users")
          .set({ overflow_through: o.last })
          .where("request_id", "=", requestId)
          .where("user_id", "=", o.userId)
          .where((eb) => eb.or([eb("overflow_through", "is", null), eb("overflow_through", "<", o.last)]))
          .execute();
      }
      const signIns = overflow.reduce((n, o) => n + o.count, 0);
      const alarms = overflow.reduce((n, o) => n + o.fromIncident, 0);
      await trx
        .updateTable("watches")
        .set((eb) => ({ overflow_signins: eb("overflow_signins", "+", signIns), overflow_alarms: eb("overflow_alarms", "+", alarms) }))
        .where("request_id", "=", requestId)
        .execute();
    });
  }

  async pendingChecks(requestId: string, limit: number): Promise<PendingSignIn[]> {
    const rows = await this.db
      .selectFrom("watch_signins as s")
      .innerJoin("watch_users as u", (join) => join.onRef("u.request_id", "=", "s.request_id").onRef("u.user_id", "=", "s.user_id"))
      .selectAll("s")
      .select(["u.upn", "u.display_name", "u.last_summary_at", "u.since"])
      .where("s.request_id", "=", requestId)
      .where("s.address_check", "=", "pending")
      .orderBy("s.created_at")
      .orderBy("s.signin_id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...signInOf(r), upn: r.upn, displayName: r.display_name, lastSummaryAt: r.last_summary_at, since: r.since }));
  }

  async judged(requestId: string, userId: string, ip: string, seenBefore: boolean | null, check: "many" | null): Promise<void> {
    await this.db
      .updateTable("watch_signins")
      .set({ seen_before: seenBefore === null ? null : seenBefore ? 1 : 0, address_check: check })
      .where("request_id", "=", requestId)
      .where("user_id", "=", userId)
      .where("ip", "=", ip)
      .where("address_check", "=", "pending")
      .execute();
  }

  async incidentAddresses(requestId: string, userIds: readonly string[]): Promise<Array<IncidentAddress & { userId: string }>> {
    const found: Array<IncidentAddress & { userId: string }> = [];
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("watch_users as u")
        .innerJoin("watches as w", "w.request_id", "u.request_id")
        .select(["u.user_id", "w.request_id", "w.incident_ip", "w.created_at"])
        .where("u.user_id", "in", userIds.slice(i, i + CHUNK).map((id) => id.toLowerCase()))
        .where("w.request_id", "!=", requestId)
        .where("w.state", "=", "active")
        .where("w.incident_ip", "is not", null)
        .execute();
      for (const r of rows) if (r.incident_ip !== null) found.push({ userId: r.user_id, requestId: r.request_id, ip: r.incident_ip, createdAt: r.created_at });
    }
    return found;
  }

  async claimAlarms(requestId: string, signInIds: readonly string[], at: string): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (let i = 0; i < signInIds.length; i += CHUNK) {
      const chunk = [...new Set(signInIds.slice(i, i + CHUNK))];
      // Of two watches storing the same sign-in at once, the primary key lets one insert it.
      await this.db
        .insertInto("watch_alarms")
        .values(chunk.map((id) => ({ signin_id: id, request_id: requestId, at })))
        .onConflict((oc) => oc.column("signin_id").doNothing())
        .execute();
      const rows = await this.db.selectFrom("watch_alarms").select("signin_id").where("signin_id", "in", chunk).where("request_id", "=", requestId).execute();
      for (const r of rows) claimed.add(r.signin_id);
    }
    return claimed;
  }

  async failedSteps(requestId: string): Promise<FailedStep[]> {
    const rows = await this.db
      .selectFrom("containment_steps as c")
      .innerJoin("watch_users as u", (join) => join.onRef("u.request_id", "=", "c.request_id").onRef("u.user_id", "=", "c.user_id"))
      .select(["u.upn", "u.display_name", "c.step"])
      .where("c.request_id", "=", requestId)
      .where("c.status", "=", "failed")
      .orderBy("u.position")
      .orderBy("c.step")
      .limit(100)
      .execute();
    return rows.map((r) => ({ upn: r.upn, displayName: r.display_name, step: r.step }));
  }

  async knownVerdict(requestId: string, userId: string, ip: string): Promise<boolean | null | undefined> {
    const row = await this.db
      .selectFrom("watch_signins")
      .select("seen_before")
      .where("request_id", "=", requestId)
      .where("user_id", "=", userId)
      .where("ip", "=", ip)
      .where("seen_before", "is not", null)
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : row.seen_before === null ? null : Number(row.seen_before) === 1;
  }

  async unreported(requestId: string, limit: number): Promise<UnreportedSignIn[]> {
    const rows = await this.db
      .selectFrom("watch_signins as s")
      .innerJoin("watch_users as u", (join) => join.onRef("u.request_id", "=", "s.request_id").onRef("u.user_id", "=", "s.user_id"))
      .selectAll("s")
      .select(["u.upn", "u.display_name", "u.last_summary_at"])
      .where("s.request_id", "=", requestId)
      .where("s.reported_at", "is", null)
      .where((eb) => eb.or([eb("s.address_check", "is", null), eb("s.address_check", "!=", "pending")]))
      .orderBy("s.created_at")
      .orderBy("s.signin_id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...signInOf(r), upn: r.upn, displayName: r.display_name, lastSummaryAt: r.last_summary_at }));
  }

  async markReported(requestId: string, signInIds: readonly string[], userIds: readonly string[], at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < signInIds.length; i += CHUNK) {
        await trx
          .updateTable("watch_signins")
          .set({ reported_at: at })
          .where("request_id", "=", requestId)
          .where("signin_id", "in", signInIds.slice(i, i + CHUNK))
          .execute();
      }
      for (let i = 0; i < userIds.length; i += CHUNK) {
        await trx
          .updateTable("watch_users")
          .set({ last_summary_at: at })
          .where("request_id", "=", requestId)
          .where("user_id", "in", userIds.slice(i, i + CHUNK))
          .execute();
      }
      await trx.updateTable("watches").set({ last_post_at: at }).where("request_id", "=", requestId).execute();
    });
  }

  async end(requestId: string, state: Exclude<WatchState, "active">, at: string, reason: string, by: Actor | null): Promise<boolean> {
    const result = await this.db
      .updateTable("watches")
      .set({
        state,
        ended_at: at,
        end_reason: reason,
        ended_by_id: by?.aadObjectId ?? null,
        ended_by_name: by?.name ?? null,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where("request_id", "=", requestId)
      .where("state", "=", "active")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listActive(limit: number): Promise<WatchListing[]> {
    const rows = await this.db.selectFrom("watches").selectAll().where("state", "=", "active").orderBy("created_at").limit(limit).execute();
    return Promise.all(
      rows.map(async (row) => {
        const listing = await this.withCounts(watchOf(row));
        // `watch` names the first few users; the count says how many more.
        const users = await this.db
          .selectFrom("watch_users")
          .select(["display_name", "upn"])
          .where("request_id", "=", row.request_id)
          .orderBy("position")
          .limit(LISTED_USERS)
          .execute();
        return { ...listing, firstUsers: users.map((u) => ({ displayName: u.display_name, upn: u.upn })) };
      }),
    );
  }

  async listing(requestId: string): Promise<WatchListing | undefined> {
    const watch = await this.get(requestId);
    return watch === undefined ? undefined : this.withCounts(watch);
  }

  async unwatched(since: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("requests as r")
      .select("r.id")
      .where("r.state", "in", ["completed", "failed"])
      .where("r.updated_at", ">=", since)
      .where((eb) => eb.not(eb.exists(eb.selectFrom("watches as w").select("w.request_id").whereRef("w.request_id", "=", "r.id"))))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("target_outcomes as o")
            .select("o.request_id")
            .whereRef("o.request_id", "=", "r.id")
            .where((o) => o.or([o("o.status", "in", REVOKED), o("o.sessions_revoked", "=", 1)])),
        ),
      )
      .orderBy("r.updated_at")
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  private async withCounts(watch: Watch): Promise<WatchListing> {
    // One read: the sign-ins, the ALARMs among them, and of those the ones from another watching
    // request's incident address (`watch` and the end of a watch say them apart).
    const counts = await this.db
      .selectFrom("watch_signins")
      .select((eb) => [
        eb.fn.countAll<number>().as("signIns"),
        eb.fn.sum<number>("incident_ip").as("alarms"),
        eb.fn.sum<number>(sql`case when incident_request_id is not null and incident_request_id <> request_id then 1 else 0 end`).as("others"),
      ])
      .where("request_id", "=", watch.requestId)
      .executeTakeFirst();
    return {
      watch,
      signIns: Number(counts?.signIns ?? 0) + watch.overflowSignIns,
      alarms: Number(counts?.alarms ?? 0) + watch.overflowAlarms,
      alarmsFromOthers: Number(counts?.others ?? 0),
    };
  }

}
