/**
 * Runs mocha in a process that trusts a certificate made for this run, so in-process tests can
 * talk to the Graph simulator over HTTPS exactly as the bot does in production: Node reads
 * NODE_EXTRA_CA_CERTS only at process start, so the certificate must exist before mocha starts.
 * Arguments are passed on to mocha (e.g. a spec file, --grep).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTlsIdentity } from "../../src/simulator/certificate.js";

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "revoke-bot-test-tls-"));
  const identity = await createTlsIdentity("127.0.0.1");
  const certPath = join(dir, "sim-cert.pem");
  const keyPath = join(dir, "sim-key.pem");
  writeFileSync(certPath, identity.certPem);
  writeFileSync(keyPath, identity.keyPem, { mode: 0o600 });

  const mocha = require.resolve("mocha/bin/mocha.js");
  const child = spawn(process.execPath, [mocha, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath, TEST_SIM_CERT: certPath, TEST_SIM_KEY: keyPath },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", (code, signal) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code ?? (signal === null ? 1 : 128));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`could not start the tests: ${String(err)}\n`);
  process.exit(1);
});
