/**
 * Runs a Node.js script in a child process that trusts a certificate made for this run, so code in
 * that process can talk to an in-process simulator over HTTPS exactly as a client does against
 * Microsoft: Node reads NODE_EXTRA_CA_CERTS only at process start, so the certificate must exist
 * before the child starts. The child finds the certificate and key through `trustedSimulatorTls()`.
 *
 *   node --import tsx trusted-run.ts <script> [arguments…]
 *   node --import tsx trusted-run.ts mocha [mocha arguments…]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTlsIdentity } from "./certificate.js";
import type { TlsIdentity } from "./certificate.js";

const CERT_VARIABLE = "TEST_SIM_CERT";
const KEY_VARIABLE = "TEST_SIM_KEY";

/**
 * The certificate and key the process trusts (made by `runTrusted`), for simulators started in
 * it. Throws with the fix when the process was started some other way.
 */
export function trustedSimulatorTls(): TlsIdentity {
  const cert = process.env[CERT_VARIABLE];
  const key = process.env[KEY_VARIABLE];
  if (cert === undefined || key === undefined) {
    throw new Error(
      "This process does not trust a simulator certificate. Run the tests with `npm run test:unit` (or `npm test`), which start them through the simulator's trusted-run.",
    );
  }
  return { certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") };
}

/**
 * Starts `node <args…>` trusting a new certificate for 127.0.0.1, forwards SIGINT and SIGTERM,
 * removes the certificate when the child ends, and exits with the child's code.
 */
export async function runTrusted(args: readonly string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "graph-simulator-tls-"));
  const identity = await createTlsIdentity("127.0.0.1");
  const certPath = join(dir, "sim-cert.pem");
  const keyPath = join(dir, "sim-key.pem");
  writeFileSync(certPath, identity.certPem);
  writeFileSync(keyPath, identity.keyPem, { mode: 0o600 });

  const child = spawn(process.execPath, [...args], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath, [CERT_VARIABLE]: certPath, [KEY_VARIABLE]: keyPath },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", (code, signal) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code ?? (signal === null ? 1 : 128));
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    process.stderr.write("Usage: trusted-run.ts <script> [arguments…]\n");
    process.exit(2);
  }
  if (args[0] === "mocha") args[0] = require.resolve("mocha/bin/mocha.js");
  runTrusted(args).catch((err: unknown) => {
    process.stderr.write(`could not start ${args[0] ?? ""}: ${String(err)}\n`);
    process.exit(1);
  });
}
