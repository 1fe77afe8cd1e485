/**
 * Phase two of `npm run demo` (see scripts/demo.ts): in a process that already trusts the
 * simulator's certificate, starts the Graph simulator, the bot and the Agents Playground, prints
 * what to do, and stops all three on Ctrl-C, SIGTERM, or when the Playground dies.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError, readConfig, type AppConfig } from "../../src/config.js";
import { startBot, type RunningBot } from "../../src/index.js";
import { startSimulator, type StartedSimulator, type TlsIdentity } from "@teams-revoke-bot/graph-simulator";
import { DEMO_TOOLS_DIR, demoToolFiles, printBanner, type BannerInfo } from "./banner.js";
import { DemoError } from "./demo-error.js";
import { createDemoLogger } from "./logging.js";
import { DEMO_CONVERSATIONS, demoPlaygroundConfig, PLAYGROUND_CONFIG_FILE, renderPlaygroundConfig } from "./playground-config.js";
import { startPlayground, type RunningPlayground } from "./playground-process.js";
import { assertPortFree } from "./ports.js";

/** The Playground's usual port; the printed instructions and the browser test rely on it. */
const PLAYGROUND_PORT = 56150;

const REPO_ROOT = resolve(__dirname, "..", "..");
const ENV_FILE = join(REPO_ROOT, "env", ".env.local");
/** Git-ignored: the generated Playground config and the Playground's log live here. */
const PLAYGROUND_DIR = join(REPO_ROOT, DEMO_TOOLS_DIR);

/** What the demo started, in start order; stopped in reverse. */
interface Started {
  simulator?: StartedSimulator;
  bot?: RunningBot;
  playground?: RunningPlayground;
}

/** Reads env/.env.local (KEY=VALUE lines, # comments): the demo's part of the bot configuration. */
function readDemoEnvFile(): Record<string, string> {
  if (!existsSync(ENV_FILE)) {
    throw new DemoError(`${relative(REPO_ROOT, ENV_FILE)} is missing; it comes with the repository (git checkout -- env/.env.local).`);
  }
  return parseEnv(readFileSync(ENV_FILE, "utf8")) as Record<string, string>;
}

/**
 * The bot's configuration: env/.env.local, plus the started simulator's token and Graph endpoints
 * and credentials, plus the Playground channel that receives audit posts. The person's shell
 * environment is deliberately not consulted, so a stray AZURE_* or GRAPH_BASE_URL there can never
 * point the demo at a real tenant.
 */
function demoBotConfig(fileEnv: Record<string, string>, simulator: StartedSimulator): Readonly<AppConfig> {
  try {
    return readConfig({
      ...fileEnv,
      AZURE_TENANT_ID: simulator.tenantId,
      AZURE_CLIENT_ID: simulator.clientId,
      AZURE_CLIENT_SECRET: simulator.clientSecret,
      AZURE_AUTHORITY_HOST: simulator.authorityHost,
      GRAPH_BASE_URL: simulator.graphBaseUrl,
      AUDIT_CHANNEL_ID: DEMO_CONVERSATIONS.auditChannel.id,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new DemoError(`${err.message}\n(check ${relative(REPO_ROOT, ENV_FILE)})`);
    throw err;
  }
}

/** Writes .playground/.m365agentsplayground.yml and returns its path. */
function writePlaygroundConfig(): string {
  mkdirSync(PLAYGROUND_DIR, { recursive: true });
  const path = join(PLAYGROUND_DIR, PLAYGROUND_CONFIG_FILE);
  writeFileSync(path, renderPlaygroundConfig(demoPlaygroundConfig()));
  return path;
}

/** Both ports are checked before anything starts, so a clash fails in a second, not halfway. */
async function checkPorts(botPort: number): Promise<void> {
  await assertPortFree(
    botPort,
    "127.0.0.1",
    `Port ${botPort} (PORT in env/.env.local) is already in use, so the bot cannot start. Is another \`npm run demo\` or \`npm run dev\` running? Stop it (\`lsof -i :${botPort}\` shows what listens) or change PORT in env/.env.local.`,
  );
  await assertPortFree(
    PLAYGROUND_PORT,
    undefined,
    `Port ${PLAYGROUND_PORT} is already in use, so the Agents Playground cannot start there. Is another \`npm run demo\` or Agents Playground running? Stop it (\`lsof -i :${PLAYGROUND_PORT}\` shows what listens) and try again.`,
  );
}

/** How long after a revocation the simulated attacker signs in again. */
const DEMO_ATTACKER_DELAY_MS = 60_000;

/** Starts the three parts into `started` (so a caller can stop whatever did start). */
async function startAll(env: NodeJS.ProcessEnv, tls: TlsIdentity, started: Started): Promise<{ config: Readonly<AppConfig>; botLog: string }> {
  const fileEnv = readDemoEnvFile();
  await checkPorts(Number(fileEnv.PORT ?? "3978"));

  // The demo's attacker signs in again a minute after each revocation (see the banner's "Sign-in watch").
  started.simulator = await startSimulator({ tls, port: 0, attackerReturns: { delayMs: DEMO_ATTACKER_DELAY_MS } });
  const config = demoBotConfig(fileEnv, started.simulator);
  const botLog = join(resolve(REPO_ROOT, config.dataDir), "bot.log");
  // Loopback only: in demo mode the bot does not authenticate inbound requests.
  started.bot = await startBot(config, {
    logger: createDemoLogger(config.logLevel, botLog),
    host: "127.0.0.1",
    routeConsole: true,
    // Sweeps every 20 s instead of 5 min, so the attacker's return shows in the thread within a minute.
    watchOptions: { sweepIntervalMs: 20_000 },
  });

  started.playground = await startPlayground(
    { workDir: PLAYGROUND_DIR, configPath: writePlaygroundConfig(), botEndpoint: `${started.bot.url}/api/messages`, port: PLAYGROUND_PORT },
    env,
  );
  return { config, botLog };
}

/** Stops the Playground first (no new activities), then the bot (lets running jobs end), then the simulator. */
async function stopAll(started: Started): Promise<void> {
  await started.playground?.stop();
  await started.bot?.close();
  await started.simulator?.close();
}

/** Signals that mean "stop the demo" (Ctrl-C, kill, closing the terminal). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function stopMessage(signal: NodeJS.Signals): string {
  return `${signal}: stopping the Agents Playground, the bot and the Graph simulator…`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Starts everything, prints what to do, and arranges the stop: exit 0 after Ctrl-C or SIGTERM,
 * 1 when the Playground dies on its own. Rejects (after stopping what started) if a part fails
 * to start.
 */
export async function runDemo(env: NodeJS.ProcessEnv, tls: TlsIdentity): Promise<void> {
  const started: Started = {};
  let stopping = false;
  const shutdown = (why: string, exitCode: number) => {
    if (stopping) return; // Ctrl-C reaches this process twice (from the terminal and from phase one)
    stopping = true;
    process.stderr.write(`\n${why}\n`);
    // The bot waits at most 25 s for running revocations; never hang much beyond that.
    setTimeout(() => {
      process.stderr.write("Could not stop everything within 40 s; exiting anyway.\n");
      process.exit(1);
    }, 40_000).unref();
    stopAll(started).then(
      () => {
        process.stderr.write("Stopped.\n");
        process.exit(exitCode);
      },
      (err: unknown) => {
        process.stderr.write(`Error while stopping: ${messageOf(err)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => shutdown(stopMessage(signal), 0));

  let info: { config: Readonly<AppConfig>; botLog: string };
  try {
    info = await startAll(env, tls, started);
  } catch (err) {
    // Ctrl-C while starting also ends the Playground (same process group), which fails the start:
    // that is the requested stop, already under way in shutdown(), not an error to report.
    if (stopping) return;
    await stopAll(started).catch((stopErr: unknown) => process.stderr.write(`(stopping what had started failed too: ${messageOf(stopErr)})\n`));
    throw err;
  }
  const { simulator, playground } = started;
  if (stopping || simulator === undefined || playground === undefined) return; // Ctrl-C while starting

  void playground.exited.then(({ code, signal }) => {
    if (stopping) return;
    // The Playground shares the terminal's process group: a Ctrl-C may reach it a moment before
    // this process notices its own SIGINT. That is a requested stop, not a crash.
    if (signal !== null && STOP_SIGNALS.includes(signal)) {
      shutdown(stopMessage(signal), 0);
      return;
    }
    shutdown(
      `The Agents Playground stopped unexpectedly (${signal ?? `exit code ${String(code)}`}). Its last log lines:\n${playground.recentLog()}\n\nStopping the bot and the Graph simulator.`,
      1,
    );
  });

  const dataDir = resolve(REPO_ROOT, info.config.dataDir);
  const banner: BannerInfo = {
    playgroundUrl: playground.url,
    serviceUrl: playground.serviceUrl,
    simulatorUrl: simulator.url,
    auditLog: relative(REPO_ROOT, join(dataDir, "revoke-bot.db")),
    botLog: relative(REPO_ROOT, info.botLog),
    playgroundLog: relative(REPO_ROOT, playground.logFile),
    playgroundConfig: relative(REPO_ROOT, join(PLAYGROUND_DIR, PLAYGROUND_CONFIG_FILE)),
    botUrl: started.bot?.url ?? "",
    caCertPath: env.NODE_EXTRA_CA_CERTS ?? "",
    clientId: info.config.graph.credential.clientId,
  };
  writeDemoTools(banner);
  printBanner(banner);
}

/** Writes the scripts the banner's short lines call (say-as, api-token, request.json) into .playground/. */
function writeDemoTools(banner: BannerInfo): void {
  mkdirSync(PLAYGROUND_DIR, { recursive: true });
  for (const file of demoToolFiles(banner)) {
    const path = join(PLAYGROUND_DIR, file.name);
    writeFileSync(path, file.content);
    chmodSync(path, file.executable ? 0o755 : 0o644);
  }
}
