import assert from "node:assert/strict";
import { EntraTokenValidator } from "../../src/api/access-token.js";
import { JwtSigner } from "@teams-revoke-bot/graph-simulator";

const TENANT = "c0ffee00-7e4a-4e57-9d1c-5e55104b0d1e";
const CLIENT = "b0770b07-4e40-4c1d-8b07-5e55104b0d1e";
const APP = "50000000-0000-4000-8000-000000000003";
const AUTHORITY = "https://login.example.test";

/** A fake Entra: its metadata documents and key set, counting every read. */
function fakeEntra(signers: JwtSigner[]) {
  const reads: string[] = [];
  let keys = signers;
  return {
    reads,
    rotate(next: JwtSigner[]) {
      keys = next;
    },
    fetchJson: (url: string): Promise<unknown> => {
      reads.push(url);
      if (url === `${AUTHORITY}/${TENANT}/v2.0/.well-known/openid-configuration`) {
        return Promise.resolve({ issuer: `${AUTHORITY}/{tenantid}/v2.0`, jwks_uri: `${AUTHORITY}/${TENANT}/discovery/v2.0/keys` });
      }
      if (url === `${AUTHORITY}/${TENANT}/.well-known/openid-configuration`) return Promise.resolve({ issuer: `https://sts.windows.net/${TENANT}/` });
      if (url.endsWith("/discovery/v2.0/keys")) return Promise.resolve({ keys: keys.map((k) => k.publicJwk()) });
      return Promise.reject(new Error(`unexpected ${url}`));
    },
  };
}

function v1Claims(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { aud: `api://${CLIENT}`, iss: `https://sts.windows.net/${TENANT}/`, tid: TENANT, appid: APP, oid: "30000000-0000-4000-8000-000000000003", roles: ["Revocation.Request"], idtyp: "app", ver: "1.0", nbf: now - 300, exp: now + 3600, ...extra };
}

describe("api: EntraTokenValidator", () => {
  let entra: JwtSigner;
  let clock: number;
  before(async () => {
    entra = await JwtSigner.generate();
  });
  beforeEach(() => {
    clock = Date.UTC(2026, 11, 1, 10, 0, 0);
  });
  const nowS = () => Math.floor(clock / 1000);
  const validator = (fake: ReturnType<typeof fakeEntra>) =>
    new EntraTokenValidator({ authorityHost: AUTHORITY, tenantId: TENANT, clientId: CLIENT, fetchJson: fake.fetchJson, now: () => clock, minKeyRefreshMs: 60_000 });

  it("accepts a v1.0 token (audience api://<client id>) and a v2.0 token (audience the client ID, v2.0 issuer with the tenant in place of {tenantid})", async () => {
    const v = validator(fakeEntra([entra]));
    const v1 = await v.validate(`Bearer ${entra.sign(v1Claims(nowS(), { app_displayname: "Contoso Sentinel Playbook" }))}`);
    assert.deepEqual(v1, { ok: true, caller: { appId: APP, objectId: "30000000-0000-4000-8000-000000000003", displayName: "Contoso Sentinel Playbook", roles: ["Revocation.Request"] } });
    const v2 = await v.validate(`Bearer ${entra.sign({ ...v1Claims(nowS()), aud: CLIENT, iss: `${AUTHORITY}/${TENANT}/v2.0`, ver: "2.0", appid: undefined, azp: APP })}`);
    assert.equal(v2.ok, true);
  });

  it("tolerates 60 s of clock skew on exp, not more", async () => {
    const v = validator(fakeEntra([entra]));
    assert.equal((await v.validate(`Bearer ${entra.sign(v1Claims(nowS(), { exp: nowS() - 30 }))}`)).ok, true);
    assert.equal((await v.validate(`Bearer ${entra.sign(v1Claims(nowS(), { exp: nowS() - 61 }))}`)).ok, false);
  });

  it("reads the keys again for an unknown key ID at most once a minute, and then finds a rotated key", async () => {
    const fake = fakeEntra([entra]);
    const v = validator(fake);
    assert.equal((await v.validate(`Bearer ${entra.sign(v1Claims(nowS()))}`)).ok, true);
    const keyReads = () => fake.reads.filter((u) => u.endsWith("/keys")).length;
    assert.equal(keyReads(), 1);
    const stranger = await JwtSigner.generate();
    for (let i = 0; i < 20; i++) {
      const check = await v.validate(`Bearer ${stranger.sign(v1Claims(nowS()))}`);
      assert.deepEqual(check, { ok: false, kind: "invalid", reason: "the token is signed with a key the tenant does not publish" });
    }
    assert.equal(keyReads(), 1, "twenty unknown key IDs within a minute: no further read");
    // Entra rolls its keys: the new key is found once the minute is over.
    const rolled = await JwtSigner.generate();
    fake.rotate([entra, rolled]);
    clock += 61_000;
    assert.equal((await v.validate(`Bearer ${rolled.sign(v1Claims(nowS()))}`)).ok, true);
    assert.equal(keyReads(), 2);
  });

  it("metadata that cannot be read is 'unavailable' (not the caller's fault), and is tried again on the next call", async () => {
    let fail = true;
    const fake = fakeEntra([entra]);
    const v = new EntraTokenValidator({
      authorityHost: AUTHORITY,
      tenantId: TENANT,
      clientId: CLIENT,
      fetchJson: (url) => (fail ? Promise.reject(new Error("connect ECONNREFUSED")) : fake.fetchJson(url)),
      now: () => clock,
    });
    const token = `Bearer ${entra.sign(v1Claims(nowS()))}`;
    const first = await v.validate(token);
    assert.equal(first.ok === false && first.kind, "unavailable");
    fail = false;
    assert.equal((await v.validate(token)).ok, true);
  });

  it("keys that cannot be read are 'unavailable' (503), also for the calls right after, never 'a key the tenant does not publish'", async () => {
    const fake = fakeEntra([entra]);
    let keysDown = true;
    const v = new EntraTokenValidator({
      authorityHost: AUTHORITY,
      tenantId: TENANT,
      clientId: CLIENT,
      now: () => clock,
      minKeyRefreshMs: 60_000,
      fetchJson: (url) => (keysDown && url.endsWith("/discovery/v2.0/keys") ? Promise.reject(new Error("503")) : fake.fetchJson(url)),
    });
    const token = `Bearer ${entra.sign(v1Claims(nowS()))}`;
    const calls = await Promise.all([v.validate(token), v.validate(token), v.validate(token)]);
    for (const check of calls) assert.equal(!check.ok && check.kind, "unavailable", JSON.stringify(check));
    clock += 1000;
    const next = await v.validate(token);
    assert.equal(!next.ok && next.kind, "unavailable", JSON.stringify(next));
    keysDown = false;
    clock += 60_000;
    assert.equal((await v.validate(token)).ok, true);
  });

  it("refuses HS256 keyed with the public key, a token without kid, and one with scp", async () => {
    const v = validator(fakeEntra([entra]));
    const claims = Buffer.from(JSON.stringify(v1Claims(nowS()))).toString("base64url");
    const hs = `${Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", kid: entra.keyId })).toString("base64url")}.${claims}.AAAA`;
    assert.match(JSON.stringify(await v.validate(`Bearer ${hs}`)), /only RS256/);
    assert.match(JSON.stringify(await v.validate(`Bearer ${entra.sign(v1Claims(nowS()), { kid: undefined })}`)), /no signing key/);
    assert.match(JSON.stringify(await v.validate(`Bearer ${entra.sign(v1Claims(nowS(), { scp: "user_impersonation" }))}`)), /delegated/);
  });
});
