/**
 * Telemetry through the real endpoints (issue 18 point 4): a revocation asked in Teams, approved in
 * the approval channel, and an automation API call; then the Prometheus endpoint is scraped, and
 * the envelopes Azure Monitor's exporter sent to the simulated Application Insights are read.
 * Neither holds a sign-in name, a display name, an address, a reason or a comment.
 */
import net from "node:net";
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { HOSTILE_IPV4, WELL_KNOWN, type TelemetryEnvelope } from "@teams-revoke-bot/graph-simulator";
import { Verbs } from "../../src/cards/verbs.js";
import { inThread, installActivity } from "../fakes/activities.js";
import { freePort } from "../support/free-port.js";
import { lastConfirmCard, storedRequest } from "./cards.js";
import { useWorld, type Harness, type HarnessOptions } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const REASON = `credential stuffing from ${HOSTILE_IPV4} against payroll`;
const COMMENT = "Checked with Alice's manager by phone.";
const { alice, bob, oneil, val, riley } = WELL_KNOWN;
/** Three targets: a request of this size is also offered to approvers in the approval channel. */
const TARGETS = [alice, bob, oneil];

/** What must never leave the process: names, sign-in names, addresses, the reason, the comment, secrets. */
function personalValues(h: Harness): string[] {
  return [
    ...TARGETS.flatMap((t) => [t.userPrincipalName, t.displayName]),
    val.userPrincipalName,
    val.displayName,
    riley.userPrincipalName,
    riley.displayName,
    HOSTILE_IPV4,
    REASON,
    "credential stuffing",
    COMMENT,
    h.sim.clientSecret,
    h.sim.channel.registration.password,
  ];
}

/** Val asks for three users in her chat; Riley approves in the approval channel; the job runs; an unauthenticated API call is refused. */
async function revocationApprovedInTeams(h: Harness): Promise<string> {
  const channel = h.channel("secops-audit");
  assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), channel))).status, 200);
  assert.equal((await h.say("val", `revoke user ${TARGETS.map((t) => t.userPrincipalName).join(" ")} --reason "${REASON}"`)).status, 200);
  const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
  const approved = await h.click("riley", Verbs.approve, { requestId: shared.requestId, comment: COMMENT }, shared.call.id, inThread(channel, shared.call.id));
  assert.equal(approved.status, 200);
  await h.bot.idle();
  assert.equal((await storedRequest(h, shared.requestId))?.state, "completed");
  assert.equal((await h.api("GET", `/api/requests/${shared.requestId}`)).status, 401);
  return shared.requestId;
}

function harnessEnv(extra: Record<string, string>): HarnessOptions {
  return { env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL, ...extra } };
}

/** The value of one Prometheus sample whose name matches and whose labels include `labels`. */
function sample(scrape: string, name: RegExp, labels: Record<string, string> = {}): number | undefined {
  for (const line of scrape.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (match === null || !name.test(match[1] ?? "")) continue;
    const labelText = match[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(match[3]);
  }
  return undefined;
}

describe("e2e: telemetry", function () {
  this.timeout(90_000);

  describe("Prometheus endpoint (METRICS_PORT)", () => {
    const h = useWorld(async () => harnessEnv({ METRICS_PORT: String(await freePort()) }));
    let scrape: string;
    let requestId: string;

    before(async () => {
      requestId = await revocationApprovedInTeams(h);
      const res = await fetch(h.bot.metricsUrl ?? "no metrics URL");
      assert.equal(res.status, 200);
      scrape = await res.text();
    });

    it("listens on loopback by default, on its own port", async () => {
      const url = new URL(h.bot.metricsUrl ?? "");
      assert.equal(url.hostname, "127.0.0.1");
      assert.notEqual(url.port, String(h.bot.port));
      // Not on the machine's other addresses.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a !== undefined && a.family === "IPv4" && !a.internal);
      if (external !== undefined) {
        const reached = await fetch(`http://${external.address}:${url.port}/metrics`, { signal: AbortSignal.timeout(3000) }).then(
          () => true,
          () => false,
        );
        assert.equal(reached, false, `the metrics endpoint answered on ${external.address}`);
      }
      // The bot's own port does not serve metrics.
      assert.equal((await fetch(`${h.bot.url}/metrics`)).status, 404);
    });

    it("counts requests by state, revocations by outcome, Graph calls, API calls by status and jobs", () => {
      assert.equal(sample(scrape, /^revoke_bot_requests(_total)?$/, { state: "created" }), 1, scrape);
      assert.equal(sample(scrape, /^revoke_bot_requests(_total)?$/, { state: "approved" }), 1, scrape);
      assert.equal(sample(scrape, /^revoke_bot_revocations(_total)?$/, { outcome: "revoked_verified" }), TARGETS.length, scrape);
      assert.equal(sample(scrape, /^revoke_bot_jobs_completed(_total)?$/), 1, scrape);
      const graphOk = sample(scrape, /^revoke_bot_graph_calls(_total)?$/, { http_response_status_code: "200" }) ?? 0;
      assert.ok(graphOk >= 1, `Graph calls counted: ${scrape}`);
      assert.equal(sample(scrape, /^revoke_bot_api_calls(_total)?$/, { http_response_status_code: "401" }), 1, scrape);
    });

    it("measures turns and clicks, and gauges the job queue and the audit outbox", () => {
      assert.equal(sample(scrape, /^revoke_bot_turn_duration(_seconds)?_count$/, { kind: "message" }), 1, scrape);
      assert.equal(sample(scrape, /^revoke_bot_turn_duration(_seconds)?_count$/, { kind: "other" }), 1, scrape);
      // Seconds, in buckets for seconds: a sub-second click is below the 1 s bound, not lumped into the first.
      assert.equal(sample(scrape, /^revoke_bot_turn_duration(_seconds)?_bucket$/, { kind: "invoke", le: "1" }), 1, scrape);
      assert.equal(sample(scrape, /^revoke_bot_turn_duration(_seconds)?_bucket$/, { kind: "invoke", le: "0.005" }), 0, scrape);
      assert.equal(sample(scrape, /^revoke_bot_turn_duration(_seconds)?_count$/, { kind: "invoke" }), 1, scrape);
      for (const gauge of [/^revoke_bot_jobs_queued$/, /^revoke_bot_jobs_stalled$/, /^revoke_bot_outbox_waiting$/, /^revoke_bot_outbox_set_aside_held$/, /^revoke_bot_outbox_blocked$/]) {
        assert.equal(sample(scrape, gauge), 0, `${String(gauge)} in ${scrape}`);
      }
      assert.notEqual(sample(scrape, /^revoke_bot_jobs_oldest_age(_seconds)?$/), undefined, scrape);
      assert.equal(sample(scrape, /^target_info$/, { service_name: "teams-revoke-bot" }), 1, scrape);
    });

    it("holds no personal data or secrets (object IDs and request IDs at most)", () => {
      for (const value of personalValues(h)) assert.ok(!scrape.includes(value), `"${value}" in the scrape`);
      assert.match(requestId, /^R-[A-Z0-9]+$/);
    });
  });

  describe("Azure Monitor (APPLICATIONINSIGHTS_CONNECTION_STRING), into the simulated Application Insights", () => {
    let requestId: string;
    let envelopes: TelemetryEnvelope[];

    const metricNames = () =>
      new Set(
        h.sim.telemetry
          .filter((e) => e.data?.baseType === "MetricData")
          .flatMap((e) => (e.data?.baseData?.metrics as Array<{ name: string }> | undefined) ?? [])
          .map((m) => m.name),
      );

    // Every address the process connects to while Azure Monitor runs: loopback only (the Azure
    // Monitor distro asked the Azure VM metadata address, 169.254.169.254, at every start).
    const connected: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- restored as it was in after()
    const realConnect = net.Socket.prototype.connect;
    /** The host a Socket.connect call names: (options), (port, host) or (path). */
    const hostOf = (args: unknown[]): string => {
      const first = args[0];
      if (typeof first === "object" && first !== null) {
        const o = first as { host?: unknown; path?: unknown };
        if (typeof o.path === "string") return "unix";
        return typeof o.host === "string" ? o.host : "localhost";
      }
      return typeof args[1] === "string" ? args[1] : "localhost";
    };

    // Declared before the world: the recorder is in place before the bot starts.
    before(() => {
      const original = realConnect;
      net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
        connected.push(hostOf(args));
        return (original as (...a: unknown[]) => net.Socket).apply(this, args);
      };
    });
    const h = useWorld({ ...harnessEnv({}), simEnv: (sim) => ({ APPLICATIONINSIGHTS_CONNECTION_STRING: sim.connectionString }), telemetryExportIntervalMs: 500 });
    before(async () => {
      requestId = await revocationApprovedInTeams(h);
      // Metrics go every 500 ms here; spans in batches every 5 s.
      const until = Date.now() + 30_000;
      while (Date.now() < until && !(metricNames().has("revoke_bot.revocations") && h.sim.telemetry.some((e) => e.data?.baseType === "RequestData" || e.data?.baseType === "RemoteDependencyData"))) {
        await new Promise((r) => setTimeout(r, 200));
      }
      envelopes = [...h.sim.telemetry];
    });
    // Declared after the world: restored once the bot is closed.
    after(() => {
      net.Socket.prototype.connect = realConnect;
    });

    it("connects to nothing but this machine (no cloud metadata probe, no Microsoft endpoint)", () => {
      const elsewhere = connected.filter((host) => !["localhost", "127.0.0.1", "::1", "unix"].includes(host));
      assert.deepEqual(elsewhere, []);
      assert.ok(connected.length > 0, "the recorder saw the process's connections");
    });

    it("sends the bot's metrics as MetricData to the connection string's ingestion endpoint", () => {
      const names = metricNames();
      for (const name of ["revoke_bot.requests", "revoke_bot.revocations", "revoke_bot.graph.calls", "revoke_bot.api.calls", "revoke_bot.turn.duration", "revoke_bot.jobs.queued", "revoke_bot.outbox.waiting"]) {
        assert.ok(names.has(name), `${name} among ${[...names].join(", ")}`);
      }
      const revoked = envelopes
        .filter((e) => e.data?.baseType === "MetricData")
        .find((e) => (e.data?.baseData?.metrics as Array<{ name: string }>)[0]?.name === "revoke_bot.revocations");
      assert.equal((revoked?.data?.baseData?.properties as Record<string, string> | undefined)?.outcome, "revoked_verified");
      assert.ok(h.sim.requests.some((r) => r.path === "/v2.1/track" && r.method === "POST"));
      assert.equal(revoked?.tags?.["ai.cloud.role"], "teams-revoke-bot");
    });

    it("traces the revocation job with its request ID, and each Teams activity", () => {
      const spans = envelopes.filter((e) => e.data?.baseType === "RequestData" || e.data?.baseType === "RemoteDependencyData");
      const job = spans.find((e) => e.data?.baseData?.name === "revocation.job");
      assert.ok(job !== undefined, `a revocation.job span among ${spans.map((e) => String(e.data?.baseData?.name)).join(", ")}`);
      assert.equal((job.data?.baseData?.properties as Record<string, string>)["revoke_bot.request.id"], requestId);
      assert.ok(spans.some((e) => e.data?.baseData?.name === "teams.activity"));
    });

    it("sends no statsbeat or SDK stats (nothing addressed to Microsoft's own resource) and no live metrics", () => {
      const iKey = /InstrumentationKey=([0-9a-f-]{36})/.exec(h.sim.connectionString)?.[1];
      assert.ok(envelopes.every((e) => e.iKey === iKey));
      assert.ok(!envelopes.some((e) => /statsbeat/i.test(e.name) || /Statsbeat|Item_Success_Count|Request_Success_Count/.test(JSON.stringify(e.data ?? {}))));
      // The connection string's LiveEndpoint is the simulator: a Live Metrics ping would be in its log.
      assert.ok(/LiveEndpoint=https:\/\/127\.0\.0\.1/.test(h.sim.connectionString));
      assert.deepEqual(h.sim.requests.filter((r) => /QuickPulseService/i.test(r.path)).map((r) => r.path), []);
      assert.equal(process.env.APPLICATION_INSIGHTS_NO_STATSBEAT, "true");
    });

    it("holds no personal data or secrets in any envelope", () => {
      const text = JSON.stringify(envelopes);
      for (const value of personalValues(h)) assert.ok(!text.includes(value), `"${value}" in an envelope`);
    });
  });
});
