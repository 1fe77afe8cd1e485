import { readFileSync } from "node:fs";
import type { TlsIdentity } from "../../src/simulator/certificate.js";

/**
 * The certificate this test process trusts (made by test/support/run-mocha.ts), for simulators
 * started in-process. Throws with the fix when mocha was started some other way.
 */
export function trustedSimulatorTls(): TlsIdentity {
  const cert = process.env.TEST_SIM_CERT;
  const key = process.env.TEST_SIM_KEY;
  if (cert === undefined || key === undefined) {
    throw new Error("Run the tests with `npm run test:unit` (or `npm test`): it makes the simulator's certificate trusted by the test process.");
  }
  return { certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") };
}
