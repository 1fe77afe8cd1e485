import assert from "node:assert/strict";
import { ALL_GRAPH_ROLES, GRAPH_ROLES, startSimulator, WELL_KNOWN } from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { getToken, graph, graphErrorOf } from "./support/sim-client.js";

const STRONG = "Vq7#mW2kP9!xL4zR";

describe("simulator: password resets and Identity Protection's confirmCompromised", () => {
  let sim: StartedSimulator;
  let token: string;

  before(async () => {
    // Each check on its own: Identity Protection's rate limit has its own tests below.
    sim = await startSimulator({ identityProtectionQuota: false });
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setRoles([...ALL_GRAPH_ROLES]);
    sim.tenant.entraIdP2 = true;
  });

  const reset = (t: string, id: string, password: string) =>
    graph(sim, t, `/users/${id}`, { method: "PATCH", body: { passwordProfile: { password, forceChangePasswordNextSignIn: true } } });

  describe("PATCH /users/{id} with passwordProfile", () => {
    it("sets the password (204), requires a change, and moves lastPasswordChangeDateTime", async () => {
      const before = sim.tenant.passwordResets.length;
      const response = await reset(token, WELL_KNOWN.alice.id, STRONG);
      assert.equal(response.status, 204);
      assert.deepEqual(sim.tenant.passwordResets.slice(before).map((r) => [r.userId, r.forceChangePasswordNextSignIn]), [[WELL_KNOWN.alice.id, true]]);
      const read = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}?$select=id,lastPasswordChangeDateTime`);
      const changed = Date.parse(String((read.json as Record<string, unknown>).lastPasswordChangeDateTime));
      assert.ok(Date.now() - changed < 5000, "changed just now");
    });

    it("400s a password that breaks Entra's complexity rule: too short, too few kinds, the user's own name, characters Entra refuses", async () => {
      for (const weak of ["Ab1!", "alllowercaseletters", "ALLUPPER12345", "alice-Secret-2026", "Pässwörd123!"]) {
        const response = await reset(token, WELL_KNOWN.alice.id, weak);
        assert.equal(response.status, 400, weak);
        assert.match(graphErrorOf(response).message, /complexity/);
      }
    });

    it("403s without the User Administrator role whatever the permission; an admin's reset needs Privileged Authentication Administrator", async () => {
      try {
        sim.tenant.appDirectoryRoles.set(sim.clientId, []);
        const refused = await reset(token, WELL_KNOWN.alice.id, STRONG);
        assert.equal(refused.status, 403, "the permission alone is not enough");
        assert.equal(graphErrorOf(refused).code, "Authorization_RequestDenied");
        sim.tenant.appDirectoryRoles.set(sim.clientId, ["User Administrator"]);
        assert.equal((await reset(token, WELL_KNOWN.alice.id, STRONG)).status, 204);
        assert.equal((await reset(token, WELL_KNOWN.dollar.id, STRONG)).status, 403, "User Administrator cannot reset an admin");
        sim.tenant.appDirectoryRoles.set(sim.clientId, ["Privileged Authentication Administrator"]);
        assert.equal((await reset(token, WELL_KNOWN.dollar.id, STRONG)).status, 204);
        assert.equal((await reset(token, WELL_KNOWN.alice.id, STRONG)).status, 204);
      } finally {
        sim.tenant.appDirectoryRoles.clear();
      }
    });

    it("403s Authorization_RequestDenied for a holder of an admin role while the app holds only User Administrator, whatever the permission", async () => {
      sim.setRoles([...ALL_GRAPH_ROLES, GRAPH_ROLES.directoryReadWriteAll]);
      const strong = await getToken(sim);
      for (const admin of [WELL_KNOWN.breakglass.id, WELL_KNOWN.dollar.id]) {
        const response = await reset(strong, admin, STRONG);
        assert.equal(response.status, 403);
        assert.equal(graphErrorOf(response).code, "Authorization_RequestDenied");
      }
    });

    it("403s without User-PasswordProfile.ReadWrite.All, and accepts User.ReadWrite.All instead", async () => {
      sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== GRAPH_ROLES.userPasswordProfileReadWriteAll));
      const without = await getToken(sim);
      assert.equal((await reset(without, WELL_KNOWN.bob.id, STRONG)).status, 403);
      // Disabling still works: it needs its own permission only.
      assert.equal((await graph(sim, without, `/users/${WELL_KNOWN.bob.id}`, { method: "PATCH", body: { accountEnabled: true } })).status, 204);
      sim.setRoles([...ALL_GRAPH_ROLES.filter((r) => r !== GRAPH_ROLES.userPasswordProfileReadWriteAll), GRAPH_ROLES.userReadWriteAll]);
      assert.equal((await reset(await getToken(sim), WELL_KNOWN.bob.id, STRONG)).status, 204);
    });
  });

  describe("POST /identityProtection/riskyUsers/confirmCompromised", () => {
    const confirm = (t: string, body: unknown) => graph(sim, t, "/identityProtection/riskyUsers/confirmCompromised", { method: "POST", body });

    it("marks the users confirmed compromised (204)", async () => {
      const response = await confirm(token, { userIds: [WELL_KNOWN.alice.id, WELL_KNOWN.bob.id] });
      assert.equal(response.status, 204);
      assert.equal(sim.tenant.riskStates.get(WELL_KNOWN.bob.id), "confirmedCompromised");
    });

    it("403s without IdentityRiskyUser.ReadWrite.All, and without Entra ID P2", async () => {
      sim.tenant.riskStates.clear();
      sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== GRAPH_ROLES.identityRiskyUserReadWriteAll));
      assert.equal((await confirm(await getToken(sim), { userIds: [WELL_KNOWN.alice.id] })).status, 403);
      sim.setRoles([...ALL_GRAPH_ROLES]);
      sim.tenant.entraIdP2 = false;
      const unlicensed = await confirm(await getToken(sim), { userIds: [WELL_KNOWN.alice.id] });
      assert.equal(unlicensed.status, 403);
      assert.match(graphErrorOf(unlicensed).message, /licen/);
      assert.equal(sim.tenant.riskStates.size, 0);
    });

    it("400s a body without user IDs or with a malformed one", async () => {
      assert.equal((await confirm(token, {})).status, 400);
      assert.equal((await confirm(token, { userIds: ["not-a-guid"] })).status, 400);
    });
  });
});

describe("simulator: Identity Protection's limit (1 request per second per tenant, 429 without Retry-After)", () => {
  let sim: StartedSimulator;

  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });

  const confirm = (t: string, id: string) => graph(sim, t, "/identityProtection/riskyUsers/confirmCompromised", { method: "POST", body: { userIds: [id] } });

  it("answers a second request within the second 429 with no Retry-After header; a second later it is accepted", async () => {
    const token = await getToken(sim);
    assert.equal((await confirm(token, WELL_KNOWN.alice.id)).status, 204);
    const throttled = await confirm(token, WELL_KNOWN.bob.id);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers["retry-after"], undefined, "Microsoft documents no Retry-After on these 429s");
    assert.equal(graphErrorOf(throttled).code, "TooManyRequests");
    assert.equal(sim.tenant.riskStates.get(WELL_KNOWN.bob.id), undefined, "nothing was done");
    await new Promise((resolve) => setTimeout(resolve, 1050));
    assert.equal((await confirm(token, WELL_KNOWN.bob.id)).status, 204);
    assert.deepEqual(sim.stats().identityProtection, { accepted: 2, throttled: 1 });
  });
});
