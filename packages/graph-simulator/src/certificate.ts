/**
 * The simulator's TLS identity. It must speak HTTPS because @azure/identity refuses an `http:`
 * authority and the Graph client only attaches tokens to `https:` URLs (DESIGN.md, "Pointing the real
 * client code at a local simulator"). A fresh self-signed certificate per start keeps no key on disk.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { generate } from "selfsigned";

/** PEM-encoded certificate and private key for `https.createServer`. */
export interface TlsIdentity {
  certPem: string;
  keyPem: string;
}

/**
 * Makes a self-signed certificate valid for `host` plus the loopback names, so a client may use
 * `localhost`, `127.0.0.1` or `::1` interchangeably.
 */
export async function createTlsIdentity(host: string): Promise<TlsIdentity> {
  const dnsNames = new Set(["localhost"]);
  const ips = new Set(["127.0.0.1", "::1"]);
  if (isIP(host)) ips.add(host);
  else dnsNames.add(host);

  const notBeforeDate = new Date(Date.now() - 60_000); // tolerate a little clock skew
  const notAfterDate = new Date(notBeforeDate.getTime() + 7 * 86_400_000);
  const pems = await generate([
    // A unique subject per certificate: when two trusted certificates share a subject, OpenSSL may
    // pick the wrong one to verify with and the TLS handshake fails.
    { name: "commonName", value: `Graph simulator (${host}) ${randomBytes(4).toString("hex")}` },
  ], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      // cA: true lets clients use the certificate itself as the trust anchor (NODE_EXTRA_CA_CERTS / `ca`).
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          ...[...dnsNames].map((value) => ({ type: 2 as const, value })),
          ...[...ips].map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
