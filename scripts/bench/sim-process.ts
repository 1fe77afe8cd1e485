/**
 * The Graph simulator and a local Teams connector for `bench:turns` and `bench:memory`
 * (scripts/bench/bot-stack.ts), in a process of their own: the simulator's work for a large job
 * then neither delays the benchmark's clock nor counts as the bot's. Prints one JSON line
 * (SimProcessInfo) once both listen, and runs until its stdin closes.
 *
 *   BENCH_USERS        users in the department "Load Test"
 *   BENCH_WINDOW_MS    the write quota's window (3,000 writes per window, counted as a sliding window)
 *   BENCH_CA_FILE      where to write the simulator's CA certificate (the bot trusts it)
 */
import { writeFileSync } from "node:fs";
import { startSimulator } from "@teams-revoke-bot/graph-simulator";
import { channelAuthEnv } from "../../test/e2e/harness.js";
import { FakeConnector } from "../../test/fakes/connector.js";

export interface SimProcessInfo {
  /** The bot's Graph, Entra and channel settings for this simulator (GRAPH_BASE_URL, BOT_ID, …). */
  env: Record<string, string>;
  connectorUrl: string;
  /** A channel token for activities whose serviceUrl is the connector (valid for the run). */
  channelToken: string;
  tenantId: string;
}

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (run through npm run bench:turns or bench:memory)`);
  return value;
}

async function main(): Promise<void> {
  const sim = await startSimulator({
    bulkDepartment: { name: "Load Test", count: Number(setting("BENCH_USERS")) },
    userCount: 50,
    latencyMs: 0,
    writeQuota: { capacity: 3000, windowMs: Number(setting("BENCH_WINDOW_MS")), counting: "sliding" },
    recordRequests: false,
  });
  writeFileSync(setting("BENCH_CA_FILE"), sim.caCertPem);
  const connector = new FakeConnector((authorization) => {
    const check = sim.channel.checkConnectorToken(authorization);
    return check.valid ? undefined : check.reason;
  });
  await connector.start();
  // The connector keeps every call; a long job's card edits are not needed here.
  setInterval(() => connector.calls.splice(0, connector.calls.length), 10_000).unref();
  const info: SimProcessInfo = {
    env: {
      AZURE_TENANT_ID: sim.tenantId,
      AZURE_CLIENT_ID: sim.clientId,
      AZURE_CLIENT_SECRET: sim.clientSecret,
      AZURE_AUTHORITY_HOST: sim.authorityHost,
      GRAPH_BASE_URL: sim.graphBaseUrl,
      ...channelAuthEnv(sim),
    },
    connectorUrl: connector.url,
    channelToken: sim.channel.issueChannelToken({ serviceUrl: connector.url }),
    tenantId: sim.tenantId,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => {
    void Promise.all([connector.stop(), sim.close()]).finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench simulator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
