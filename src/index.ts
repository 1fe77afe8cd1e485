/**
 * The process entry: reads the configuration and starts the bot (src/main/start-bot.ts, the
 * composition root: the only place that constructs SDK clients; everything else receives what it
 * needs). The wiring of each part lives in src/main/.
 */
import { ConfigError, readConfig, type AppConfig } from "./config.js";
import { startBot } from "./main/start-bot.js";

export { createCredential, createGraphClient } from "./main/graph-client.js";
export { listenHost } from "./main/listen-host.js";
export { startBot } from "./main/start-bot.js";
export type { RunningBot, StartOptions } from "./main/start-options.js";

async function main(): Promise<void> {
  let config: Readonly<AppConfig>;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee README.md, "Configuration".\n`);
      process.exit(1);
    }
    throw err;
  }
  const bot = await startBot(config, { routeConsole: true });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing running work, then stopping\n`);
    bot.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`teams-revoke-bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
