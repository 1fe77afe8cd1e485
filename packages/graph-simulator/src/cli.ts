/**
 * Command-line entry: starts the simulator on its own so a bot (or curl) can be pointed at it.
 *
 *   npm run simulator -- [--port 8443] [--host 127.0.0.1] [--seed 42] [--users 300]
 *     [--bulk-department "Load Test" --bulk-users 100000] [--latency 50]
 *     [--write-quota 3000/150000] [--throttle-limits "Tenant:writes:18000/300000:0.5;…"]
 *
 * `--write-quota` is the per app+tenant writes per window (ms), counted as a sliding window;
 * `--throttle-limits` adds Graph's other limits (throttle-limits.ts, parseThrottleLimits).
 * It prints the settings a bot needs and the path of the CA certificate to put in
 * NODE_EXTRA_CA_CERTS, then runs until SIGINT/SIGTERM.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_BULK_USERS } from "./bulk-department.js";
import { parseThrottleLimits } from "./throttle-limits.js";
import { APPROVER_GROUP_ID, REVOKER_GROUP_ID } from "./well-known.js";
import { startSimulator } from "./simulator.js";
import type { SimulatorOptions } from "./simulator.js";

const USAGE =
  "Usage: cli.ts [--port N] [--host H] [--seed N] [--users N] [--bulk-department NAME --bulk-users N] [--latency MS] [--write-quota N/MS] [--throttle-limits SCOPE:writes|resourceUnits:N/MS[:SHARE];…]";

/**
 * Parses `--port N`, `--host H`, `--seed N`, `--users N`, `--bulk-department NAME` with
 * `--bulk-users N`, and `--latency MS` (also as `--name=value`).
 */
export function parseCliArguments(argv: readonly string[]): SimulatorOptions {
  const options: SimulatorOptions = {};
  let bulkName: string | undefined;
  let bulkCount: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i] ?? "";
    const [flag = "", inline] = argument.split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) {
      throw new Error(`${flag} needs a value`);
    }
    switch (flag) {
      case "--port":
        options.port = parseInteger(flag, value, 0, 65535);
        break;
      case "--host":
        options.host = value;
        break;
      case "--seed":
        options.seed = parseInteger(flag, value, 0, 2 ** 32 - 1);
        break;
      case "--users":
        options.userCount = parseInteger(flag, value, 0, 100_000);
        break;
      case "--bulk-department":
        bulkName = value;
        break;
      case "--bulk-users":
        bulkCount = parseInteger(flag, value, 0, MAX_BULK_USERS);
        break;
      case "--latency":
        options.latencyMs = parseInteger(flag, value, 0, 60_000);
        break;
      case "--write-quota": {
        const m = /^(\d+)\/(\d+)$/.exec(value);
        if (m === null) throw new Error(`--write-quota is writes/windowMs, e.g. 3000/150000, got "${value}"`);
        options.writeQuota = { capacity: Number(m[1]), windowMs: Number(m[2]), counting: "sliding" };
        break;
      }
      case "--throttle-limits":
        options.throttleLimits = parseThrottleLimits(value);
        break;
      default:
        throw new Error(`Unknown argument ${argument}. ${USAGE}`);
    }
  }
  if ((bulkName === undefined) !== (bulkCount === undefined)) {
    throw new Error(`--bulk-department and --bulk-users go together. ${USAGE}`);
  }
  if (bulkName !== undefined && bulkCount !== undefined) {
    options.bulkDepartment = { name: bulkName, count: bulkCount };
  }
  return options;
}

function parseInteger(flag: string, value: string, min: number, max: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const options = parseCliArguments(process.argv.slice(2));
  const simulator = await startSimulator(options);
  const directory = await mkdtemp(join(tmpdir(), "graph-simulator-"));
  const caPath = join(directory, "simulator-ca.pem");
  await simulator.writeCaCert(caPath);

  const lines = [
    `Graph simulator listening on ${simulator.url}`,
    `  AZURE_AUTHORITY_HOST=${simulator.authorityHost}`,
    `  GRAPH_BASE_URL=${simulator.graphBaseUrl}`,
    `  AZURE_TENANT_ID=${simulator.tenantId}`,
    `  AZURE_CLIENT_ID=${simulator.clientId}`,
    `  AZURE_CLIENT_SECRET=${simulator.clientSecret}`,
    `  REVOKER_GROUP_IDS=${REVOKER_GROUP_ID}`,
    `  APPROVER_GROUP_IDS=${APPROVER_GROUP_ID}`,
    `  NODE_EXTRA_CA_CERTS=${caPath}`,
    `  BOT_ID=${simulator.channel.registration.appId}`,
    `  BOT_PASSWORD=${simulator.channel.registration.password}`,
    `  BOT_TYPE=SingleTenant`,
    `  BOT_TENANT_ID=${simulator.tenantId}`,
    `  BOT_OPENID_METADATA_URL=${simulator.channel.openIdMetadataUrl}`,
    `  BOT_TOKEN_ISSUER=${simulator.channel.issuer}`,
    `  BOT_LOGIN_URL=${simulator.url}/${simulator.tenantId}`,
    `  BOT_OAUTH_SCOPE=${simulator.channel.registration.connectorScope}`,
    `${simulator.tenant.users.size} users in the simulated tenant. Ctrl+C to stop.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping the simulator\n`);
    simulator
      .close()
      .then(() => rm(directory, { recursive: true, force: true }))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`Could not stop cleanly: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

// Only run when executed, not when a test imports parseCliArguments.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`Could not start the simulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
