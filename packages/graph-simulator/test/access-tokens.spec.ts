import assert from "node:assert/strict";
import { AccessTokenAuthority } from "../src/access-tokens.js";
import { GraphError } from "../src/graph-error.js";
import { JwtSigner } from "../src/jwt.js";
import { SIM_CLIENT_ID, SIM_TENANT_ID } from "../src/index.js";

const grant = {
  clientId: SIM_CLIENT_ID,
  appDisplayName: "Teams Revoke Bot",
  servicePrincipalId: "30000000-0000-4000-8000-000000000002",
  roles: ["User.Read.All"],
  clientAuthMethod: "1" as const,
};

function rejectsWith(authority: AccessTokenAuthority, header: string | undefined, pattern: RegExp, nowMs?: number): void {
  assert.throws(
    () => authority.validate(header, nowMs),
    (error: unknown) => error instanceof GraphError && error.status === 401 && error.code === "InvalidAuthenticationToken" && pattern.test(error.message),
  );
}

describe("simulator: access tokens", () => {
  let signer: JwtSigner;
  let authority: AccessTokenAuthority;

  before(async () => {
    signer = await JwtSigner.generate();
    authority = new AccessTokenAuthority(signer, SIM_TENANT_ID);
  });

  it("validates its own token and returns the roles", () => {
    const claims = authority.validate(`Bearer ${authority.issue(grant)}`);
    assert.deepEqual(claims.roles, ["User.Read.All"]);
    assert.equal(claims.appId, SIM_CLIENT_ID);
  });

  it("refuses an expired token (lifetime validation)", () => {
    const issuedTwoHoursAgo = authority.issue(grant, Date.now() - 2 * 3600_000);
    rejectsWith(authority, `Bearer ${issuedTwoHoursAgo}`, /^Lifetime validation failed, the token is expired\.$/);
  });

  it("refuses a token for another audience or another tenant, even when correctly signed", () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: authority.issuer, tid: SIM_TENANT_ID, exp: now + 600, appid: SIM_CLIENT_ID, oid: grant.servicePrincipalId };
    rejectsWith(authority, `Bearer ${signer.sign({ ...base, aud: "https://management.azure.com" })}`, /Invalid audience/);
    const otherTenant = new AccessTokenAuthority(signer, "11111111-2222-4333-8444-555555555555");
    rejectsWith(authority, `Bearer ${otherTenant.issue(grant)}`, /Invalid issuer/);
  });

  it("says 'Access token is empty.' for a missing or empty bearer", () => {
    rejectsWith(authority, undefined, /^Access token is empty\.$/);
    rejectsWith(authority, "Bearer ", /^Access token is empty\.$/);
    rejectsWith(authority, "Basic abc", /^Access token is empty\.$/);
  });

  it("refuses an unsigned (alg none) token", () => {
    const [header, payload] = authority.issue(grant).split(".");
    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    assert.ok(header && payload);
    rejectsWith(authority, `Bearer ${none}.${payload}.`, /validation failed/);
  });
});
