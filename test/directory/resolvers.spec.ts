import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Client } from "@microsoft/microsoft-graph-client";
import { GraphError } from "@microsoft/microsoft-graph-client";
import type { GraphDirectory } from "../../src/directory/graph-directory.js";
import { listGroupUserIds, listSignInUsers, listUsers, readFailedSignIns, type SignInUser } from "../../src/directory/graph-listing.js";
import { departmentFilter, DISABLED_FILTER } from "../../src/directory/odata.js";
import { resolveTargets, type ResolveProgress } from "../../src/directory/resolvers.js";
import type { DirectoryUser } from "../../src/directory/types.js";
import { AppError } from "../../src/errors.js";
import { ALL_GRAPH_ROLES, APPROVER_GROUP_ID, REVOKER_GROUP_ID, startSimulator, WELL_KNOWN, type StartedSimulator } from "@teams-revoke-bot/graph-simulator";
import type { SimSignIn } from "@teams-revoke-bot/graph-simulator/graph-signins";
import { simUser } from "@teams-revoke-bot/graph-simulator";
import { graphFor } from "../support/graph.js";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";

const HOUR_MS = 3_600_000;
const HOSTILE_IPV4 = "203.0.113.50";
const HOSTILE_IPV6 = "2001:db8::50";

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** The Graph error code a call fails with (the client's GraphError, before any mapping). */
async function graphErrorCode(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected a GraphError, got ${String(err)}`);
    return err.code;
  }
  assert.fail("expected a Graph error");
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a rejection");
}

const idFor = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;

/** The distinct user IDs the simulator's own log says signed in from ip since since. */
/** Users with a successful sign-in from `ip` since `since` (a failed one never chooses a target). */
function expectedSignInUsers(sim: StartedSimulator, ip: string, since: Date): string[] {
  const ids = sim.tenant.signIns
    // What Graph v1.0's sign-in log lists: interactive sign-ins only; and successful ones only.
    .filter((s) => s.isInteractive !== false && s.ipAddress === ip && Date.parse(s.createdDateTime) >= Math.floor(since.getTime() / 1000) * 1000 && s.status.errorCode === 0)
    .map((s) => s.userId);
  return [...new Set(ids)].sort();
}

/**
 * A way to force a full garbage collection, so heap measurements count live objects only: global.gc
 * when node runs with --expose-gc, else the same flag set at run time (V8 then hands `gc` to new
 * contexts). Undefined if neither works; the memory test then widens its margins.
 */
function findGc(): (() => void) | undefined {
  if (typeof globalThis.gc === "function") return () => globalThis.gc?.();
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? () => void (gc as () => unknown)() : undefined;
  } catch (err) {
    // Some embedders forbid flag changes at run time; measurements fall back to wide margins.
    void err;
    return undefined;
  }
}

describe("resolving bulk targets against the Graph simulator", function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let client: Client;
  let directory: GraphDirectory;

  before(async () => {
    // These tests read the sign-in log far faster than the reports API's 5 requests per 10 s allow;
    // what they check is resolution, not pacing (test/e2e/watch.spec.ts and the simulator's own tests do that).
    sim = await startSimulator({ tls: trustedSimulatorTls(), reportsQuota: false });
    ({ client, directory } = graphFor(sim));
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearRequests();
    sim.setRoles([...ALL_GRAPH_ROLES]);
  });

  const requestsTo = (path: string) => sim.requests.filter((r) => r.method === "GET" && r.path === path);

  describe("by department", () => {
    const DEPARTMENT = "Incident Response";
    const MEMBERS = 1_234;
    const guests: string[] = [];
    let protectedId = "";
    let disabledId = "";

    before(() => {
      // More members than one page of 999, with a guest every 100th and one disabled account.
      for (let i = 1; i <= MEMBERS; i++) {
        const id = idFor("72000000", i);
        const guest = i % 100 === 0;
        sim.tenant.addUser(
          simUser(id, {
            department: i % 2 === 0 ? DEPARTMENT : DEPARTMENT.toUpperCase(),
            userType: guest ? "Guest" : "Member",
            userPrincipalName: guest ? `g${i}_fabrikam.com#EXT#@contoso.onmicrosoft.com` : `ir.${i}@contoso.com`,
            accountEnabled: i !== 7,
          }),
        );
        if (guest) guests.push(id);
      }
      // A guest the directory marks Member but whose UPN says #EXT#: skipped too.
      guests.push(idFor("72000000", 3));
      const third = sim.tenant.userById(idFor("72000000", 3));
      assert.ok(third !== undefined);
      third.userPrincipalName = "ext3_fabrikam.com#EXT#@contoso.onmicrosoft.com";
      protectedId = idFor("72000000", 11);
      disabledId = idFor("72000000", 7);
    });

    it("pages past 999 and returns every member exactly once, guests skipped and protected excluded", async () => {
      const progress: ResolveProgress[] = [];
      const result = await resolveTargets(listUsers(client, departmentFilter("incident response")), {
        // By object ID in upper case, and by UPN: both match case-insensitively.
        protectedUsers: [protectedId.toUpperCase(), "BreakGlass@Contoso.com"],
        onProgress: (p) => progress.push(p),
      });
      const all = [...result.targets, ...result.guests, ...result.protectedUsers].map((u) => u.id);
      assert.equal(all.length, MEMBERS);
      assert.equal(new Set(all).size, MEMBERS, "no user twice");
      const expected = sim.tenant
        .listUsers()
        .filter((u) => u.department?.toLowerCase() === DEPARTMENT.toLowerCase())
        .map((u) => u.id)
        .sort();
      assert.deepEqual([...all].sort(), expected);
      assert.deepEqual(result.guests.map((u) => u.id).sort(), [...guests].sort());
      assert.deepEqual(result.protectedUsers.map((u) => u.id), [protectedId]);
      assert.equal(result.targets.length, MEMBERS - guests.length - 1);
      assert.ok(result.targets.some((u) => u.id === disabledId && u.accountEnabled === false), "disabled members are still revoked");
      assert.equal(result.pages, 2);
      assert.equal(result.duplicates, 0);
      assert.deepEqual(progress, [
        { pages: 1, users: 999 },
        { pages: 2, users: MEMBERS },
      ]);

      const calls = requestsTo("/v1.0/users");
      assert.equal(calls.length, 2);
      assert.equal(calls[0]?.query.$top, "999");
      assert.equal(calls[1]?.query.$filter, "department eq 'incident response'");
      assert.ok(calls[1]?.query.$skiptoken !== undefined, "the second page came from @odata.nextLink");
      assert.ok(calls.every((c) => c.authenticated));
    });

    it("keeps only the DirectoryUser fields in the snapshot", async () => {
      const result = await resolveTargets(listUsers(client, departmentFilter(DEPARTMENT), { pageSize: 500 }), { protectedUsers: [] });
      assert.equal(result.pages, 3);
      const fields = new Set(result.targets.flatMap((u) => Object.keys(u)));
      assert.deepEqual([...fields].sort(), [
        "accountEnabled",
        "department",
        "displayName",
        "id",
        "signInSessionsValidFromDateTime",
        "userPrincipalName",
        "userType",
      ]);
    });

    it("skips guests and excludes protected accounts in the seeded IT department", async () => {
      const result = await resolveTargets(listUsers(client, departmentFilter("IT")), {
        protectedUsers: [WELL_KNOWN.breakglass.id],
      });
      assert.deepEqual(result.protectedUsers.map((u) => u.userPrincipalName), ["breakglass@contoso.com"]);
      assert.ok(result.targets.some((u) => u.id === WELL_KNOWN.dollar.id));
      assert.ok(!result.targets.some((u) => u.id === WELL_KNOWN.breakglass.id));
      assert.ok(result.targets.every((u) => u.userType === "Member" && !u.userPrincipalName.includes("#EXT#")));
    });

    it("counts a user Graph lists twice once", async () => {
      const alice = await directory.getUser(WELL_KNOWN.alice.id);
      assert.ok(alice !== undefined);
      const user: DirectoryUser = alice;
      async function* pages(): AsyncGenerator<DirectoryUser[]> {
        yield await Promise.resolve([user]);
        yield [{ ...user, id: user.id.toUpperCase() }];
      }
      const result = await resolveTargets(pages(), { protectedUsers: [] });
      assert.equal(result.targets.length, 1);
      assert.equal(result.duplicates, 1);
    });
  });

  describe("disabled accounts", () => {
    it("resolves every disabled account, guests skipped", async () => {
      const result = await resolveTargets(listUsers(client, DISABLED_FILTER, { pageSize: 7 }), { protectedUsers: [] });
      const expected = sim.tenant
        .listUsers()
        .filter((u) => !u.accountEnabled)
        .map((u) => u.id)
        .sort();
      assert.deepEqual([...result.targets, ...result.guests, ...result.protectedUsers].map((u) => u.id).sort(), expected);
      assert.ok(result.targets.some((u) => u.id === WELL_KNOWN.disabled.id));
      assert.ok(result.targets.every((u) => u.accountEnabled === false));
      assert.equal(result.pages, Math.ceil(expected.length / 7));
    });

    it("stops at maxTargets with a clear error, without reading further pages", async () => {
      const err = await rejection(resolveTargets(listUsers(client, DISABLED_FILTER, { pageSize: 2 }), { protectedUsers: [], maxTargets: 3 }));
      assert.equal(err.code, "TooManyTargets");
      assert.match(err.userMessage, /more than 3 users/);
      assert.match(err.userMessage, /nothing was requested/);
      assert.equal(requestsTo("/v1.0/users").length, 2, "the listing was closed at the page that went over");
    });
  });

  describe("group members (the responders)", () => {
    it("reads each group's member user IDs, page by page", async () => {
      const ids = async (group: string) => {
        const all: string[] = [];
        for await (const page of listGroupUserIds(client, group, { pageSize: 1 })) all.push(...page);
        return all.sort();
      };
      assert.deepEqual(await ids(REVOKER_GROUP_ID), [WELL_KNOWN.sam.id, WELL_KNOWN.val.id].sort());
      assert.deepEqual(await ids(APPROVER_GROUP_ID), [WELL_KNOWN.sam.id, WELL_KNOWN.riley.id].sort());
    });

    it("a group that does not exist names the setting to fix; without GroupMember.Read.All, the permission", async () => {
      const missing = await rejection(collect(listGroupUserIds(client, "6a1b0000-0000-4000-8000-000000000000")));
      assert.equal(missing.code, "GraphNotFound");
      assert.match(missing.userMessage, /REVOKER_GROUP_IDS or APPROVER_GROUP_IDS/);
      sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "GroupMember.Read.All" && r !== "Directory.Read.All"));
      try {
        const denied = await rejection(collect(listGroupUserIds(graphFor(sim).client, REVOKER_GROUP_ID)));
        assert.equal(denied.code, "GraphForbidden");
        assert.match(denied.userMessage, /GroupMember\.Read\.All/);
      } finally {
        sim.setRoles([...ALL_GRAPH_ROLES]);
      }
    });
  });

  describe("by sign-in IP", () => {
    const since = (hours: number) => new Date(Date.now() - hours * HOUR_MS);

    it("finds the distinct users who signed in from 203.0.113.50 in the last 24h", async () => {
      const from = since(24);
      const users = await collect(listSignInUsers(client, HOSTILE_IPV4, from));
      const ids = users.map((u) => u.id).sort();
      assert.equal(new Set(ids).size, ids.length, "each user once");
      assert.deepEqual(ids, expectedSignInUsers(sim, HOSTILE_IPV4, from));
      for (const key of ["alice", "bob", "guest"] as const) {
        assert.ok(ids.includes(WELL_KNOWN[key].id), key);
      }
      // Their only sign-ins from the address failed (a wrong password, a disabled account): not theirs to be chosen by.
      for (const key of ["breakglass", "disabled"] as const) assert.ok(!ids.includes(WELL_KNOWN[key].id), key);
      assert.ok(!ids.includes(WELL_KNOWN.oneil.id), "3 days ago is outside 24h");
      assert.ok(!ids.includes(WELL_KNOWN.nina.id), "29 days ago is outside 24h");
      const raw = sim.tenant.signIns.filter((s) => s.ipAddress === HOSTILE_IPV4 && Date.parse(s.createdDateTime) >= from.getTime());
      assert.ok(raw.length > ids.length, "alice signed in twice and is listed once");
    });

    it("reaches back 30 days with --since 30d", async () => {
      const from = since(30 * 24);
      const ids = (await collect(listSignInUsers(client, HOSTILE_IPV4, from))).map((u) => u.id).sort();
      assert.deepEqual(ids, expectedSignInUsers(sim, HOSTILE_IPV4, from));
      assert.ok(ids.includes(WELL_KNOWN.oneil.id) && ids.includes(WELL_KNOWN.nina.id));
      assert.ok(ids.length > expectedSignInUsers(sim, HOSTILE_IPV4, since(24)).length);
    });

    it("matches IPv6 sign-ins by their canonical form", async () => {
      const ids = (await collect(listSignInUsers(client, HOSTILE_IPV6, since(24)))).map((u) => u.id);
      assert.deepEqual(ids, [WELL_KNOWN.riley.id]);
      const month = (await collect(listSignInUsers(client, HOSTILE_IPV6, since(30 * 24)))).map((u) => u.id).sort();
      assert.deepEqual(month, [WELL_KNOWN.riley.id, WELL_KNOWN.alice.id, WELL_KNOWN.bob.id].sort());
    });

    it("follows nextLink pages of sign-ins and still lists each user once", async () => {
      const from = since(30 * 24);
      const pages: SignInUser[][] = [];
      for await (const page of listSignInUsers(client, "198.51.100.10", from, { pageSize: 25 })) pages.push(page);
      const ids = pages.flat().map((u) => u.id);
      const raw = sim.tenant.signIns.filter((s) => s.isInteractive !== false && s.ipAddress === "198.51.100.10").length;
      assert.equal(pages.length, Math.ceil(raw / 25));
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual([...ids].sort(), expectedSignInUsers(sim, "198.51.100.10", from));
      assert.ok(ids.length >= 10, "several users share the office address");
    });

    it("reads each user back from the directory in batches: guests skipped, protected excluded, deleted users left out", async () => {
      const ghost = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f";
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const extra: SimSignIn[] = [
        { id: "61000000-0000-4000-8000-000000000001", createdDateTime: now, userId: ghost, userPrincipalName: "gone@contoso.com", userDisplayName: "Gone", ipAddress: HOSTILE_IPV4, appDisplayName: "Azure Portal", status: { errorCode: 0, failureReason: null } },
        { id: "61000000-0000-4000-8000-000000000002", createdDateTime: now, userId: "", userPrincipalName: "nobody@contoso.com", userDisplayName: "", ipAddress: HOSTILE_IPV4, appDisplayName: "Azure Portal", status: { errorCode: 50034, failureReason: "The user account does not exist." } },
        { id: "61000000-0000-4000-8000-000000000003", createdDateTime: now, userId: WELL_KNOWN.breakglass.id, userPrincipalName: WELL_KNOWN.breakglass.userPrincipalName, userDisplayName: "Break Glass", ipAddress: HOSTILE_IPV4, appDisplayName: "Azure Portal", status: { errorCode: 0, failureReason: null } },
      ];
      sim.tenant.signIns.push(...extra);
      try {
        sim.clearRequests();
        const result = await resolveTargets(directory.usersSignedInFrom(HOSTILE_IPV4, since(24)), { protectedUsers: ["breakglass@contoso.com"] });
        assert.deepEqual(result.guests.map((u) => u.id), [WELL_KNOWN.guest.id]);
        assert.deepEqual(result.protectedUsers.map((u) => u.id), [WELL_KNOWN.breakglass.id]);
        const targets = result.targets.map((u) => u.id);
        assert.ok(!targets.includes(ghost), "a user deleted since the sign-in is left out");
        for (const key of ["alice", "bob"] as const) assert.ok(targets.includes(WELL_KNOWN[key].id), key);
        assert.ok(!targets.includes(WELL_KNOWN.disabled.id), "a failed sign-in chooses no target");
        assert.equal(targets.length, expectedSignInUsers(sim, HOSTILE_IPV4, since(24)).length - 3, "all but ghost, guest and breakglass");
        assert.ok(sim.requests.some((r) => r.path === "/v1.0/$batch"), "users are read back 20 to a batch");
      } finally {
        sim.tenant.signIns.splice(sim.tenant.signIns.length - extra.length, extra.length);
      }
    });

    it("reads the failed attempts from the address apart: counted per account, the successful ones not among them", async () => {
      const from = since(24);
      const failed = await readFailedSignIns(client, HOSTILE_IPV4, from);
      const raw = sim.tenant.signIns.filter((s) => s.ipAddress === HOSTILE_IPV4 && Date.parse(s.createdDateTime) >= Math.floor(from.getTime() / 1000) * 1000 && s.status.errorCode !== 0);
      assert.equal(failed.attempts, raw.length);
      assert.equal(failed.more, false);
      assert.deepEqual(failed.users.map((u) => u.id).sort(), [WELL_KNOWN.breakglass.id, WELL_KNOWN.disabled.id].sort());
      assert.ok(failed.users.every((u) => u.attempts === 1));
      assert.ok(!failed.users.some((u) => u.id === WELL_KNOWN.alice.id), "alice's sign-ins succeeded");
    });

    it("without AuditLog.Read.All, says which permission to grant", async () => {
      sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "AuditLog.Read.All"));
      const fresh = graphFor(sim).client; // a new token carries the new roles
      const err = await rejection(collect(listSignInUsers(fresh, HOSTILE_IPV4, since(24))));
      assert.equal(err.code, "GraphForbidden");
      assert.match(err.userMessage, /read sign-in logs/);
      assert.match(err.userMessage, /AuditLog\.Read\.All/);
      assert.match(err.userMessage, /admin consent/);
      assert.equal(err.details.status, 403);
    });

    it("without User.Read.All, listing users names User.Read.All", async () => {
      sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== "User.Read.All" && r !== "Directory.Read.All"));
      const fresh = graphFor(sim).client;
      const err = await rejection(collect(listUsers(fresh, DISABLED_FILTER)));
      assert.equal(err.code, "GraphForbidden");
      assert.match(err.userMessage, /User\.Read\.All/);
    });
  });

  describe("filters Graph refuses", () => {
    it("a 400 Request_UnsupportedQuery says the filter was refused; Graph's own words are for the log only", async () => {
      const err = await rejection(collect(listUsers(client, "startswith(displayName,'a')")));
      assert.equal(err.code, "GraphBadRequest");
      assert.equal(err.details.graphCode, "Request_UnsupportedQuery");
      assert.match(err.details.graphMessage ?? "", /Unsupported query: the function 'startswith'/);
      assert.match(err.userMessage, /refused the filter startswith\(displayName,'a'\) as invalid \(400\)/);
      assert.doesNotMatch(err.userMessage, /Unsupported query|Request_UnsupportedQuery/);
    });

    it("the signIns route refuses what it does not take (or only between userId comparisons; no eq on times)", async () => {
      const refused = [
        "ipAddress ne '203.0.113.50'",
        "ipAddress eq '203.0.113.50' or ipAddress eq '198.51.100.10'",
        "userPrincipalName eq 'alice@contoso.com'",
        "createdDateTime eq 2025-01-01T00:00:00Z",
        "startswith(ipAddress,'203.')",
      ];
      for (const filter of refused) {
        const code = await graphErrorCode(client.api("/auditLogs/signIns").filter(encodeURIComponent(filter)).get());
        assert.equal(code, "Request_UnsupportedQuery", filter);
      }
      const recorded = requestsTo("/v1.0/auditLogs/signIns").map((r) => r.query.$filter);
      assert.deepEqual(recorded, refused, "the simulator records the raw filter");
      assert.equal(await graphErrorCode(client.api("/auditLogs/signIns").select("id").get()), "Request_UnsupportedQuery", "$select is not a signIns option");
      assert.equal(await graphErrorCode(client.api("/auditLogs/signIns").top(1000).get()), "Request_BadRequest", "$top is at most 999");
      assert.equal(await graphErrorCode(client.api("/auditLogs/signIns").post({})), "Request_BadRequest", "GET only");
    });
  });

  describe("memory", () => {
    /**
     * A 20,000-member department whose users carry about 2 KB each in properties the bot never
     * selects (job title, office, phones). The snapshot keeps 7 short fields per user; a resolver
     * that held Graph's objects (or listed without $select) would hold ten times as much.
     */
    const BIG_DEPARTMENT = "Claims Processing";
    const BIG = 20_000;
    let bigSim: StartedSimulator;
    let bigClient: Client;

    before(async () => {
      bigSim = await startSimulator({ tls: trustedSimulatorTls(), userCount: 0, reportsQuota: false });
      bigClient = graphFor(bigSim).client;
      const padding = "x".repeat(1_500);
      for (let i = 1; i <= BIG; i++) {
        const id = idFor("73000000", i);
        // Straight into the tenant's map: addUser checks UPN uniqueness by a scan, quadratic at this size.
        bigSim.tenant.users.set(
          id,
          simUser(id, {
            department: BIG_DEPARTMENT,
            userPrincipalName: `claims.${i}@contoso.com`,
            jobTitle: `Claims handler ${i} ${padding}`,
            officeLocation: `Building ${i % 40} ${padding.slice(0, 200)}`,
            businessPhones: Array.from({ length: 10 }, (_, k) => `+1 425 555 ${String(k).padStart(4, "0")}`),
          }),
        );
      }
    });
    after(async () => {
      await bigSim.close();
    });

    it("a 20,000-user department resolves with heap growth bounded by the snapshot, not by Graph's answers", async () => {
      // A first, unmeasured pass: the token, the TLS connection, compiled code and the
      // simulator's own caches are then in the baseline rather than in the growth.
      // Its result is dropped inside a function of its own, so no frame of this one still holds it.
      const warmUp = async () => (await resolveTargets(listUsers(bigClient, departmentFilter(BIG_DEPARTMENT)), { protectedUsers: [] })).targets.length;
      assert.equal(await warmUp(), BIG);
      const gc = findGc();
      const heap = () => {
        gc?.();
        return process.memoryUsage().heapUsed;
      };
      const baseline = heap();
      let peak = 0;
      const result = await resolveTargets(listUsers(bigClient, departmentFilter(BIG_DEPARTMENT)), {
        protectedUsers: [],
        // Sampled after every page, after a full collection: what is live while resolving.
        onProgress: () => {
          peak = Math.max(peak, heap() - baseline);
        },
      });
      const retained = heap() - baseline;
      assert.equal(result.targets.length, BIG);
      assert.equal(result.pages, Math.ceil(BIG / 999));

      // The bound: the snapshot's field values as JSON (~130 characters a user) times 3 covers
      // V8's object header, seven fields and five string headers per user (~300 bytes measured);
      // Graph's full objects would add the ~2 KB of unselected properties per user, about 40 MB.
      // One page in flight (about 1,000 users, raw and compact) plus the HTTP client's buffers
      // fits in the fixed allowance, which is wider when no full collection can be forced.
      // Measured on the seven DirectoryUser fields only, so a snapshot that smuggled in more
      // cannot raise its own bound.
      const snapshotJson = JSON.stringify(
        result.targets.map((u) => [u.id, u.displayName, u.userPrincipalName, u.accountEnabled, u.department, u.userType, u.signInSessionsValidFromDateTime]),
      ).length;
      const rawGraphBytes = BIG * 2_000;
      const allowance = (gc ? 8 : 32) * 1024 * 1024;
      const bound = 3 * snapshotJson + allowance;
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      const report = `peak ${mb(peak)}, retained ${mb(retained)}, snapshot JSON ${mb(snapshotJson)}, bound ${mb(bound)}, raw ≈ ${mb(rawGraphBytes)}, gc ${gc ? "yes" : "no"}`;
      assert.ok(bound < rawGraphBytes, `the bound must sit below what raw objects would take: ${report}`);
      assert.ok(peak <= bound, report);
      assert.ok(retained <= bound, report);
      if (gc) {
        // Measured after full collections, what is live beyond the final snapshot while resolving
        // is the page in flight (under 1 MB here), not the pages already read (5 MB and more).
        assert.ok(peak - retained <= 4 * 1024 * 1024, `more than one page live at a time: ${report}`);
      }
      if (process.env.REPORT_MEMORY === "1") process.stdout.write(`      ${report}\n`);
    });

    it("sign-ins: 20,000 records from one address hold only the distinct users' IDs", async () => {
      const now = Date.now();
      const appName = "A".repeat(600);
      const added = 20_000;
      for (let i = 0; i < added; i++) {
        const user = i % 20;
        bigSim.tenant.signIns.push({
          id: idFor("62000000", i + 1),
          createdDateTime: new Date(now - (i % 3_600) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          userId: idFor("73000000", user + 1),
          userPrincipalName: `claims.${user + 1}@contoso.com`,
          userDisplayName: `Claims ${user + 1}`,
          ipAddress: "203.0.113.77",
          appDisplayName: `${appName}${i}`,
          status: { errorCode: 0, failureReason: null },
        });
      }
      const since = new Date(now - 2 * HOUR_MS);
      // A first pass settles the simulator's side: serializing the records flattens their
      // concatenated strings in place, which would otherwise count as growth during the measured pass.
      const warmUp = async () => (await collect(listSignInUsers(bigClient, "203.0.113.77", since))).length;
      assert.equal(await warmUp(), 20);
      const gc = findGc();
      const heap = () => {
        gc?.();
        return process.memoryUsage().heapUsed;
      };
      const baseline = heap();
      let peak = 0;
      let pages = 0;
      const users: SignInUser[] = [];
      for await (const page of listSignInUsers(bigClient, "203.0.113.77", since)) {
        users.push(...page);
        pages += 1;
        peak = Math.max(peak, heap() - baseline);
      }
      assert.equal(pages, Math.ceil(added / 999));
      assert.equal(users.length, 20);
      // 20,000 records of ~700 bytes are ~13 MB as JSON, more as objects; one page of them
      // (~0.7 MB raw, a little more parsed) is all that may be live at once.
      const bound = (gc ? 8 : 16) * 1024 * 1024;
      const report = `peak ${(peak / 1024 / 1024).toFixed(1)} MB, bound ${(bound / 1024 / 1024).toFixed(0)} MB, gc ${gc ? "yes" : "no"}`;
      assert.ok(peak <= bound, report);
      if (process.env.REPORT_MEMORY === "1") process.stdout.write(`      ${report}\n`);
    });
  });
});
