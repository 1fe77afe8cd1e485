/**
 * `npm run demo`: the bot on a simulated Contoso tenant, driven from the Microsoft 365 Agents
 * Playground in a browser. One command starts three things and Ctrl-C stops all three:
 *
 *   1. the Microsoft Graph + Entra ID simulator (packages/graph-simulator), over HTTPS on an ephemeral port;
 *   2. the bot (src/index.ts startBot) with env/.env.local, pointed at the simulator;
 *   3. the Agents Playground web UI on http://localhost:56150, pointed at the bot.
 *
 * It runs in two phases because the bot's Graph client and @azure/identity trust the simulator's
 * self-signed certificate only through NODE_EXTRA_CA_CERTS, which Node reads at process start:
 * this file (phase one) makes the certificate and re-runs itself with that variable set; phase
 * two (scripts/demo/run-demo.ts) does the real work. Nothing here talks to a real tenant.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTlsIdentity } from "@teams-revoke-bot/graph-simulator/certificate";
import { DemoError } from "./demo/demo-error.js";

/** Set by phase one for phase two: where the simulator's certificate and key are. */
const CERT_ENV = "REVOKE_BOT_DEMO_SIM_CERT";
const KEY_ENV = "REVOKE_BOT_DEMO_SIM_KEY";

const REPO_ROOT = resolve(__dirname, "..");

/**
 * restify pulls in spdy, whose http-deceiver touches process.binding('http_parser'): a harmless
 * deprecation warning that would be the first thing a newcomer sees.
 */
const PHASE_TWO_NODE_OPTIONS = ["--disable-warning=DEP0111"];

/** Signals that mean "stop the demo" (Ctrl-C, kill, closing the terminal). */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Phase one: creates the simulator's TLS identity in a private temp folder and runs this script
 * again with NODE_EXTRA_CA_CERTS naming it. Signals are forwarded so that `kill <pid>` stops the
 * real demo too; the exit code is phase two's.
 */
async function launch(env: NodeJS.ProcessEnv): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "revoke-bot-demo-tls-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);

  const phaseTwo: { child?: ChildProcess; stopRequested: boolean } = { stopRequested: false };
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      phaseTwo.stopRequested = true;
      // Before phase two exists there is nothing to stop but this process (the exit hook tidies up).
      if (phaseTwo.child === undefined) process.exit(0);
      // A Ctrl-C in the terminal reaches both phases; phase two ignores the forwarded duplicate.
      phaseTwo.child.kill(signal);
    });
  }

  const identity = await createTlsIdentity("127.0.0.1");
  const certPath = join(dir, "simulator-cert.pem");
  const keyPath = join(dir, "simulator-key.pem");
  writeFileSync(certPath, identity.certPem);
  writeFileSync(keyPath, identity.keyPem, { mode: 0o600 });

  const child = spawn(process.execPath, [...PHASE_TWO_NODE_OPTIONS, ...process.execArgv, __filename], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    // Only the simulator's certificate, on purpose: it is phase two's only HTTPS peer, and another
    // certificate with the same subject (say, the test runner's simulator's) would shadow it.
    env: { ...env, NODE_EXTRA_CA_CERTS: certPath, [CERT_ENV]: certPath, [KEY_ENV]: keyPath },
  });
  phaseTwo.child = child;
  child.on("exit", (code, signal) => {
    // A stop signal that arrived while phase two was still loading ends it before its own
    // handlers exist: that is still the stop that was asked for.
    const stoppedOnRequest = phaseTwo.stopRequested && signal !== null && (STOP_SIGNALS as readonly string[]).includes(signal);
    process.exit(stoppedOnRequest ? 0 : (code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}

async function main(): Promise<void> {
  const env = process.env;
  const certPath = env[CERT_ENV];
  const keyPath = env[KEY_ENV];
  if (certPath === undefined || keyPath === undefined) {
    await launch(env);
    return;
  }
  // Loaded only in phase two: it brings in the whole bot, which phase one does not need.
  const { runDemo } = await import("./demo/run-demo.js");
  await runDemo(env, { certPem: readFileSync(certPath, "utf8"), keyPem: readFileSync(keyPath, "utf8") });
}

main().catch((err: unknown) => {
  // A DemoError's message is the whole story; anything else is a bug, so show where it happened.
  const detail = err instanceof Error ? (err instanceof DemoError ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`npm run demo failed: ${detail}\n`);
  process.exit(1);
});
