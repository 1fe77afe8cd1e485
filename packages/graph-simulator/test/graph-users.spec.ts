import assert from "node:assert/strict";
import {
  ALL_GRAPH_ROLES,
  APPROVER_GROUP_ID,
  BOT_APPLICATION_ID,
  GRAPH_ROLES,
  PAYROLL_SERVICE_PRINCIPAL_ID,
  REVOKER_GROUP_ID,
  startSimulator,
  toODataStringLiteral,
  WELL_KNOWN,
} from "../src/index.js";
import type { StartedSimulator } from "../src/index.js";
import { getToken, graph, graphErrorOf } from "./support/sim-client.js";

const SELECT = "id,displayName,userPrincipalName,accountEnabled,department,userType,signInSessionsValidFromDateTime";

type UserBody = Record<string, unknown> & { "@odata.context": string };

describe("simulator: Graph users and directory objects", () => {
  let sim: StartedSimulator;
  let token: string;

  before(async () => {
    sim = await startSimulator();
    token = await getToken(sim);
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setRoles([...ALL_GRAPH_ROLES]);
    sim.setReadLag(0);
  });

  describe("GET /users/{key}", () => {
    it("reads a user by object id, honouring $select and naming it in @odata.context", async () => {
      const response = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}?$select=${SELECT}`);
      assert.equal(response.status, 200);
      const body = response.json as UserBody;
      assert.equal(body["@odata.context"], `${sim.graphBaseUrl}/$metadata#users(${SELECT})/$entity`);
      assert.deepEqual(Object.keys(body).slice(1), SELECT.split(","));
      assert.equal(body.id, WELL_KNOWN.alice.id);
      assert.equal(body.userPrincipalName, "alice@contoso.com");
      assert.equal(body.accountEnabled, true);
      assert.equal(body.department, "Sales");
      assert.equal(body.userType, "Member");
      assert.equal(body.signInSessionsValidFromDateTime, WELL_KNOWN.alice.signInSessionsValidFromDateTime);
      assert.ok(typeof response.headers["request-id"] === "string");
    });

    it("returns Graph's default property set without $select (no accountEnabled, no department)", async () => {
      const body = (await graph(sim, token, `/users/${WELL_KNOWN.bob.id}`)).json as UserBody;
      assert.equal(body["@odata.context"], `${sim.graphBaseUrl}/$metadata#users/$entity`);
      assert.equal(body.displayName, "Bob Stone");
      assert.ok("businessPhones" in body && "mail" in body && "id" in body);
      assert.ok(!("accountEnabled" in body));
      assert.ok(!("department" in body));
      assert.ok(!("signInSessionsValidFromDateTime" in body));
    });

    it("reads a user by UPN, case-insensitively", async () => {
      const body = (await graph(sim, token, "/users/ALICE@Contoso.com?$select=id")).json as UserBody;
      assert.equal(body.id, WELL_KNOWN.alice.id);
    });

    it("reads a UPN with an apostrophe, plain or percent-encoded", async () => {
      const plain = await graph(sim, token, "/users/pat.o'neil@contoso.com?$select=id,displayName");
      assert.equal(plain.status, 200);
      assert.equal((plain.json as UserBody).displayName, "Pat O'Neil");
      const encoded = await graph(sim, token, `/users/${encodeURIComponent(WELL_KNOWN.oneil.userPrincipalName)}?$select=id`);
      assert.equal((encoded.json as UserBody).id, WELL_KNOWN.oneil.id);
    });

    it("reads a $-prefixed UPN only in the quoted key form", async () => {
      const upn = WELL_KNOWN.dollar.userPrincipalName;
      const quoted = await graph(sim, token, `/users('${upn}')?$select=id,userPrincipalName`);
      assert.equal(quoted.status, 200);
      assert.equal((quoted.json as UserBody).userPrincipalName, upn);
      const quotedEncoded = await graph(sim, token, `/users(${encodeURIComponent(`'${upn}'`)})?$select=id`);
      assert.equal((quotedEncoded.json as UserBody).id, WELL_KNOWN.dollar.id);

      const plain = await graph(sim, token, `/users/${encodeURIComponent(upn)}`);
      assert.equal(plain.status, 400);
      assert.equal(graphErrorOf(plain).code, "BadRequest");
    });

    it("reads an apostrophe UPN in the quoted key form, with the quote doubled", async () => {
      const literal = encodeURIComponent(toODataStringLiteral(WELL_KNOWN.oneil.userPrincipalName));
      const response = await graph(sim, token, `/users(${literal})?$select=id`);
      assert.equal((response.json as UserBody).id, WELL_KNOWN.oneil.id);
    });

    it("reads a guest's #EXT# UPN when the # is percent-encoded", async () => {
      const response = await graph(sim, token, `/users/${encodeURIComponent(WELL_KNOWN.guest.userPrincipalName)}?$select=id,userType`);
      assert.equal(response.status, 200);
      assert.equal((response.json as UserBody).userType, "Guest");
    });

    it("404s an unknown user with Graph's Request_ResourceNotFound shape", async () => {
      const response = await graph(sim, token, "/users/nobody@contoso.com");
      assert.equal(response.status, 404);
      const error = graphErrorOf(response);
      assert.equal(error.code, "Request_ResourceNotFound");
      assert.equal(
        error.message,
        "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present.",
      );
      assert.match(String(error.innerError.date), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      assert.equal(error.innerError["request-id"], response.headers["request-id"]);
      assert.ok(typeof error.innerError["client-request-id"] === "string");
    });

    it("400s a key that is neither a GUID nor a UPN", async () => {
      const response = await graph(sim, token, "/users/alice");
      assert.equal(response.status, 400);
      const error = graphErrorOf(response);
      assert.equal(error.code, "Request_BadRequest");
      assert.equal(error.message, "Invalid object identifier 'alice'.");
    });

    it("400s an unknown $select property", async () => {
      const response = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}?$select=id,shoeSize`);
      assert.equal(response.status, 400);
      assert.match(graphErrorOf(response).message, /shoeSize/);
    });

    it("403s without a user-read role", async () => {
      sim.setRoles([GRAPH_ROLES.userRevokeSessionsAll]);
      const limited = await getToken(sim);
      const response = await graph(sim, limited, `/users/${WELL_KNOWN.alice.id}`);
      assert.equal(response.status, 403);
      const error = graphErrorOf(response);
      assert.equal(error.code, "Authorization_RequestDenied");
      assert.equal(error.message, "Insufficient privileges to complete the operation.");
    });
  });

  describe("POST /users/{id}/revokeSignInSessions", () => {
    it("returns true and moves signInSessionsValidFromDateTime strictly forward, visible in a read", async () => {
      const before = sim.tenant.userByKey(WELL_KNOWN.bob.id)?.signInSessionsValidFromDateTime;
      const response = await graph(sim, token, `/users/${WELL_KNOWN.bob.id}/revokeSignInSessions`, { method: "POST", body: {} });
      assert.equal(response.status, 200);
      assert.deepEqual(response.json, { "@odata.context": `${sim.graphBaseUrl}/$metadata#Edm.Boolean`, value: true });

      const after = sim.tenant.userByKey(WELL_KNOWN.bob.id)?.signInSessionsValidFromDateTime;
      assert.ok(after);
      assert.match(after, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(Date.parse(after) > Date.parse(before ?? ""));
      const read = await graph(sim, token, `/users/${WELL_KNOWN.bob.id}?$select=signInSessionsValidFromDateTime`);
      assert.equal((read.json as UserBody).signInSessionsValidFromDateTime, after);
    });

    it("never repeats a value: two revocations within one second are one second apart", async () => {
      const path = `/users/${WELL_KNOWN.alice.id}/revokeSignInSessions`;
      await graph(sim, token, path, { method: "POST" });
      const first = sim.tenant.userByKey(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime ?? "";
      await graph(sim, token, path, { method: "POST" });
      const second = sim.tenant.userByKey(WELL_KNOWN.alice.id)?.signInSessionsValidFromDateTime ?? "";
      assert.ok(Date.parse(second) > Date.parse(first), `${second} should be after ${first}`);
    });

    it("works by UPN and by quoted $ UPN", async () => {
      const byUpn = await graph(sim, token, `/users/${WELL_KNOWN.oneil.userPrincipalName}/revokeSignInSessions`, { method: "POST" });
      assert.equal(byUpn.status, 200);
      const byQuoted = await graph(sim, token, `/users('${WELL_KNOWN.dollar.userPrincipalName}')/revokeSignInSessions`, { method: "POST" });
      assert.equal(byQuoted.status, 200);
    });

    it("hides the new value from reads during the read lag, then shows it", async () => {
      const id = WELL_KNOWN.riley.id;
      const before = sim.tenant.userByKey(id)?.signInSessionsValidFromDateTime;
      sim.setReadLag(300);
      await graph(sim, token, `/users/${id}/revokeSignInSessions`, { method: "POST" });
      const truth = sim.tenant.userByKey(id)?.signInSessionsValidFromDateTime;
      assert.notEqual(truth, before);

      const during = await graph(sim, token, `/users/${id}?$select=signInSessionsValidFromDateTime`);
      assert.equal((during.json as UserBody).signInSessionsValidFromDateTime, before);
      await new Promise((resolve) => setTimeout(resolve, 350));
      const after = await graph(sim, token, `/users/${id}?$select=signInSessionsValidFromDateTime`);
      assert.equal((after.json as UserBody).signInSessionsValidFromDateTime, truth);
    });

    it("403s when the token lacks User.RevokeSessions.All (and the broader write roles)", async () => {
      sim.setRoles([GRAPH_ROLES.userReadAll, GRAPH_ROLES.groupMemberReadAll]);
      const limited = await getToken(sim);
      const before = sim.tenant.userByKey(WELL_KNOWN.val.id)?.signInSessionsValidFromDateTime;
      const response = await graph(sim, limited, `/users/${WELL_KNOWN.val.id}/revokeSignInSessions`, { method: "POST" });
      assert.equal(response.status, 403);
      assert.equal(graphErrorOf(response).code, "Authorization_RequestDenied");
      assert.equal(sim.tenant.userByKey(WELL_KNOWN.val.id)?.signInSessionsValidFromDateTime, before);

      // Tokens issued earlier keep the roles they were issued with, as in Entra.
      const earlier = await graph(sim, token, `/users/${WELL_KNOWN.val.id}/revokeSignInSessions`, { method: "POST" });
      assert.equal(earlier.status, 200);
    });

    it("accepts User.ReadWrite.All in place of User.RevokeSessions.All", async () => {
      sim.setRoles([GRAPH_ROLES.userReadWriteAll]);
      const broad = await getToken(sim);
      const response = await graph(sim, broad, `/users/${WELL_KNOWN.nina.id}/revokeSignInSessions`, { method: "POST" });
      assert.equal(response.status, 200);
    });

    it("404s an unknown user id", async () => {
      const response = await graph(sim, token, "/users/99999999-9999-4999-8999-999999999999/revokeSignInSessions", { method: "POST" });
      assert.equal(response.status, 404);
      assert.equal(graphErrorOf(response).code, "Request_ResourceNotFound");
    });

    it("405s a GET on the action", async () => {
      const response = await graph(sim, token, `/users/${WELL_KNOWN.alice.id}/revokeSignInSessions`);
      assert.equal(response.status, 405);
    });
  });

  describe("PATCH /users/{id}", () => {
    it("disables and re-enables an account with 204", async () => {
      const id = WELL_KNOWN.breakglass.id;
      const off = await graph(sim, token, `/users/${id}`, { method: "PATCH", body: { accountEnabled: false } });
      assert.equal(off.status, 204);
      assert.equal(off.text, "");
      assert.equal(sim.tenant.userByKey(id)?.accountEnabled, false);
      const read = await graph(sim, token, `/users/${id}?$select=accountEnabled`);
      assert.equal((read.json as UserBody).accountEnabled, false);
      const on = await graph(sim, token, `/users/${id}`, { method: "PATCH", body: { accountEnabled: true } });
      assert.equal(on.status, 204);
      assert.equal(sim.tenant.userByKey(id)?.accountEnabled, true);
    });

    it("400s other properties, a non-boolean value and malformed JSON", async () => {
      const id = WELL_KNOWN.bob.id;
      const other = await graph(sim, token, `/users/${id}`, { method: "PATCH", body: { displayName: "Robert" } });
      assert.equal(other.status, 400);
      const notBoolean = await graph(sim, token, `/users/${id}`, { method: "PATCH", body: { accountEnabled: "no" } });
      assert.equal(notBoolean.status, 400);
      const malformed = await graph(sim, token, `/users/${id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: "{accountEnabled:",
      });
      assert.equal(malformed.status, 400);
      assert.equal(graphErrorOf(malformed).code, "BadRequest");
      assert.equal(sim.tenant.userByKey(id)?.accountEnabled, true);
    });

    it("403s without User.EnableDisableAccount.All", async () => {
      sim.setRoles([GRAPH_ROLES.userReadAll, GRAPH_ROLES.userRevokeSessionsAll]);
      const limited = await getToken(sim);
      const response = await graph(sim, limited, `/users/${WELL_KNOWN.bob.id}`, { method: "PATCH", body: { accountEnabled: false } });
      assert.equal(response.status, 403);
      assert.equal(sim.tenant.userByKey(WELL_KNOWN.bob.id)?.accountEnabled, true);
    });
  });

  describe("POST /users/{id}/checkMemberGroups", () => {
    const check = (userId: string, groupIds: unknown) =>
      graph(sim, token, `/users/${userId}/checkMemberGroups`, { method: "POST", body: { groupIds } });

    it("returns the groups among those asked that the user is a member of", async () => {
      const groups = [REVOKER_GROUP_ID, APPROVER_GROUP_ID];
      const sam = await check(WELL_KNOWN.sam.id, groups);
      assert.equal(sam.status, 200);
      assert.deepEqual((sam.json as { value: string[] }).value, groups);
      assert.deepEqual(((await check(WELL_KNOWN.riley.id, groups)).json as { value: string[] }).value, [APPROVER_GROUP_ID]);
      assert.deepEqual(((await check(WELL_KNOWN.val.id, groups)).json as { value: string[] }).value, [REVOKER_GROUP_ID]);
      assert.deepEqual(((await check(WELL_KNOWN.nina.id, groups)).json as { value: string[] }).value, []);
    });

    it("400s more than 20 ids, a missing list and a non-GUID id", async () => {
      const many = Array.from({ length: 21 }, (_, i) => `20000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
      assert.equal((await check(WELL_KNOWN.sam.id, many)).status, 400);
      assert.equal((await check(WELL_KNOWN.sam.id, undefined)).status, 400);
      assert.equal((await check(WELL_KNOWN.sam.id, ["secops"])).status, 400);
    });

    it("403s without a group-read role", async () => {
      sim.setRoles([GRAPH_ROLES.userReadAll]);
      const limited = await getToken(sim);
      const response = await graph(sim, limited, `/users/${WELL_KNOWN.sam.id}/checkMemberGroups`, {
        method: "POST",
        body: { groupIds: [REVOKER_GROUP_ID] },
      });
      assert.equal(response.status, 403);
    });
  });

  describe("GET /directoryObjects/{id}", () => {
    const typeOf = async (id: string) => {
      const response = await graph(sim, token, `/directoryObjects/${id}`);
      assert.equal(response.status, 200, response.text);
      return response.json as Record<string, unknown>;
    };

    it("tells users, service principals, applications and groups apart by @odata.type", async () => {
      const user = await typeOf(WELL_KNOWN.alice.id);
      assert.equal(user["@odata.type"], "#microsoft.graph.user");
      assert.equal(user.displayName, "Alice Wood");
      const servicePrincipal = await typeOf(PAYROLL_SERVICE_PRINCIPAL_ID);
      assert.equal(servicePrincipal["@odata.type"], "#microsoft.graph.servicePrincipal");
      assert.equal(servicePrincipal.displayName, "Contoso Payroll Connector");
      assert.equal((await typeOf(BOT_APPLICATION_ID))["@odata.type"], "#microsoft.graph.application");
      const group = await typeOf(REVOKER_GROUP_ID);
      assert.equal(group["@odata.type"], "#microsoft.graph.group");
      assert.equal(group.displayName, "SecOps Revokers");
    });

    it("keeps @odata.type with $select=id", async () => {
      const response = await graph(sim, token, `/directoryObjects/${PAYROLL_SERVICE_PRINCIPAL_ID}?$select=id`);
      const body = response.json as Record<string, unknown>;
      assert.equal(body["@odata.type"], "#microsoft.graph.servicePrincipal");
      assert.equal(body.id, PAYROLL_SERVICE_PRINCIPAL_ID);
      assert.ok(!("displayName" in body));
    });

    it("404s an unknown id and 400s a UPN", async () => {
      const unknown = await graph(sim, token, "/directoryObjects/99999999-9999-4999-8999-999999999999");
      assert.equal(unknown.status, 404);
      const upn = await graph(sim, token, "/directoryObjects/alice@contoso.com");
      assert.equal(upn.status, 400);
    });

    it("403s without Directory.Read.All", async () => {
      sim.setRoles([GRAPH_ROLES.userReadAll]);
      const limited = await getToken(sim);
      const response = await graph(sim, limited, `/directoryObjects/${WELL_KNOWN.alice.id}`);
      assert.equal(response.status, 403);
    });
  });
});
