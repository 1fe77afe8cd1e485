/**
 * Compact JWS (JWT) signing, verification and decoding with RS256, on node:crypto.
 *
 * Why not jose: jose v6 is ESM-only and this package compiles to CommonJS (module Node16 without
 * "type": "module"), where TypeScript refuses a static `import` of it (TS1479). node:crypto does
 * RS256 and JWK export natively, so the simulator needs no dynamic-import dance.
 */
import { createHash, generateKeyPair, sign, verify } from "node:crypto";
import type { JsonWebKey, KeyObject } from "node:crypto";

/** A JSON object as it appears in a JWT header or payload. */
export type JwtClaims = Record<string, unknown>;

/** A JWT split into its parts, without any signature check. */
export interface DecodedJwt {
  header: JwtClaims;
  payload: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

/** Why a token was refused, in words a Graph error message can carry. */
export type JwtVerification =
  | { valid: true; claims: JwtClaims }
  | { valid: false; reason: string };

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function parseJsonObject(segment: string): JwtClaims | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as JwtClaims)
      : undefined;
  } catch {
    // Not JSON: the caller reports the token as malformed.
    return undefined;
  }
}

/** Splits and parses a compact JWT; undefined when it is not well formed. Does NOT check the signature. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) {
    return undefined;
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  if (![headerPart, payloadPart, signaturePart].every((part) => /^[A-Za-z0-9_-]*$/.test(part))) {
    return undefined;
  }
  const header = parseJsonObject(headerPart);
  const payload = parseJsonObject(payloadPart);
  if (!header || !payload) {
    return undefined;
  }
  return {
    header,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, "base64url"),
  };
}

/** An RSA key pair that signs RS256 JWTs and publishes itself as a JWKS. */
export class JwtSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    /** Key id: the RFC 7638 thumbprint of the public key, so it is stable for the key's lifetime. */
    readonly keyId: string,
  ) {}

  /** Generates a fresh 2048-bit RSA key pair. */
  static async generate(): Promise<JwtSigner> {
    const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
      (resolve, reject) => {
        generateKeyPair("rsa", { modulusLength: 2048 }, (error, pub, priv) => {
          if (error) reject(error);
          else resolve({ privateKey: priv, publicKey: pub });
        });
      },
    );
    const jwk = publicKey.export({ format: "jwk" });
    const thumbprintInput = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
    const keyId = createHash("sha256").update(thumbprintInput).digest("base64url");
    return new JwtSigner(privateKey, publicKey, keyId);
  }

  /** Signs the claims as an RS256 JWT carrying this key's id. */
  sign(claims: JwtClaims, extraHeader: JwtClaims = {}): string {
    const header = { typ: "JWT", alg: "RS256", kid: this.keyId, ...extraHeader };
    const signingInput = `${base64UrlJson(header)}.${base64UrlJson(claims)}`;
    const signature = sign("sha256", Buffer.from(signingInput), this.privateKey);
    return `${signingInput}.${signature.toString("base64url")}`;
  }

  /** Checks that the token is well formed, RS256 and signed by this key. Claims are the caller's job. */
  verify(token: string): JwtVerification {
    const decoded = decodeJwt(token);
    if (!decoded) {
      return { valid: false, reason: "the token is not a well-formed JWT" };
    }
    if (decoded.header.alg !== "RS256") {
      return { valid: false, reason: `the signing algorithm '${String(decoded.header.alg)}' is not accepted` };
    }
    const signed = verify("sha256", Buffer.from(decoded.signingInput), this.publicKey, decoded.signature);
    if (!signed) {
      return { valid: false, reason: "the signature is invalid" };
    }
    return { valid: true, claims: decoded.payload };
  }

  /** The public key as PEM (SPKI), e.g. for a test that forges an HS256 token with it as the secret. */
  publicKeyPem(): string {
    return this.publicKey.export({ format: "pem", type: "spki" }).toString();
  }

  /** The public key as one JSON Web Key with this key's id. */
  publicJwk(): JsonWebKey & { kid: string } {
    const jwk = this.publicKey.export({ format: "jwk" });
    return { kty: "RSA", use: "sig", kid: this.keyId, n: jwk.n, e: jwk.e };
  }

  /** The public key as a JSON Web Key Set, as served at `jwks_uri`. */
  jwks(issuer: string): { keys: JsonWebKey[] } {
    const jwk = this.publicKey.export({ format: "jwk" });
    return { keys: [{ kty: "RSA", use: "sig", kid: this.keyId, n: jwk.n, e: jwk.e, issuer }] };
  }
}
