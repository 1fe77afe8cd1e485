/**
 * `--reset-password` and admins, told before approval (issue 17 #3): when the set holds users with
 * a Microsoft Entra admin role and the bot's identity holds no role that can reset them, the card
 * says so before anyone approves, and the request.created audit entry records the same. Through
 * the real server, inbound auth on, a local connector and the simulator (which serves
 * `GET /roleManagement/directory/roleAssignments` as Graph does, with the bot's own roles following
 * `tenant.appDirectoryRoles`).
 */
import assert from "node:assert/strict";
import { ALL_GRAPH_ROLES, GRAPH_ROLES, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { Verbs } from "../../src/cards/verbs.js";
import { answerCard, cardText, lastConfirmCard } from "./cards.js";
import { useWorld } from "./harness.js";

const APPROVAL_CHANNEL = "19:secops-audit@thread.tacv2";
const { alice, dollar } = WELL_KNOWN;
const ADMIN_SET = `revoke user ${alice.userPrincipalName} ${dollar.userPrincipalName} --reset-password --reason "phishing"`;

describe("e2e: a password reset the bot cannot do for admins is told before approval", function () {
  this.timeout(90_000);
  const h = useWorld({ env: { AUDIT_CHANNEL_ID: APPROVAL_CHANNEL }, installedIn: ["secops-audit"] }, "test");

  /** Val asks; the pending cards (the requester's and the approval channel's) and the request.created entry. */
  async function ask(command: string) {
    assert.equal((await h.say("val", command)).status, 200);
    const mine = lastConfirmCard(h, h.personal("val").id);
    const shared = lastConfirmCard(h, APPROVAL_CHANNEL);
    await h.bot.idle();
    const created = await h.created(mine.requestId);
    assert.ok(created !== undefined, "request.created was audited");
    return { mine, shared, created, requestId: mine.requestId };
  }

  const roleReads = () => h.sim.requests.filter((r) => r.method === "GET" && r.path === "/v1.0/roleManagement/directory/roleAssignments");

  it("with only User Administrator and an admin in the set: the card names the admin and Privileged Authentication Administrator before approval; the audit entry and a refresh say the same", async () => {
    const { mine, shared, created, requestId } = await ask(ADMIN_SET);
    for (const card of [mine.card, shared.card]) {
      const text = cardText(card);
      assert.ok(text.includes("1 of these users holds an admin role (Backup Service Account)"), text);
      assert.ok(text.includes("no role that can reset an admin's password (Privileged Authentication Administrator)"), text);
      assert.ok(text.includes("will not be reset") && text.includes("still revoked"), text);
      assert.ok(text.includes("Exchange Administrator"), `the admin's role under Details: ${text}`);
    }
    const check = created.details.passwordResetRoles as Record<string, unknown>;
    assert.equal(check.checked, true, JSON.stringify(created.details));
    assert.equal(check.botCanReset, "users without an admin role");
    assert.equal(check.adminCount, 1);
    assert.deepEqual(check.admins, [{ id: dollar.id, upn: dollar.userPrincipalName, roles: "Exchange Administrator" }]);
    // The audit channel's post of the entry says it in words.
    await h.connector.waitFor(
      (calls) => calls.some((c) => c.kind !== "update" && cardText(c.activity).includes("Checked before approval: 1 target holds an admin role; the bot's identity could reset only users without an admin role")),
      20_000,
      "the request.created audit post to say what was checked",
    );
    // One read of the bot's own assignments, one of every assignment: not one call per target.
    assert.equal(roleReads().length, 2, JSON.stringify(roleReads().map((r) => r.query)));

    // The roles change afterwards: the card shows what was frozen with the request.
    h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, ["Privileged Authentication Administrator"]);
    const refreshed = answerCard((await h.clickInThread("riley", Verbs.refresh, { requestId }, shared.call)).body);
    assert.ok(cardText(refreshed).includes("1 of these users holds an admin role (Backup Service Account)"), cardText(refreshed));
  });

  it("with Privileged Authentication Administrator: no warning, and the audit entry says every user can be reset", async () => {
    h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, ["User Administrator", "Privileged Authentication Administrator"]);
    const { mine, shared, created } = await ask(ADMIN_SET);
    for (const card of [mine.card, shared.card]) {
      const text = cardText(card);
      assert.ok(!text.includes("admin role") && !text.includes("could not check"), text);
    }
    const check = created.details.passwordResetRoles as Record<string, unknown>;
    assert.equal(check.botCanReset, "every user, admins included", JSON.stringify(created.details));
    assert.equal(check.adminCount, 1);
  });

  it("with no Entra role at all: the stronger warning, no password can be reset", async () => {
    h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, []);
    const { shared, created } = await ask(ADMIN_SET);
    const text = cardText(shared.card);
    assert.ok(text.includes("holds no User Administrator role") && text.includes("no password can be reset") && text.includes("still revoked"), text);
    assert.ok(text.includes("1 of these users holds an admin role (Backup Service Account)"), text);
    assert.equal((created.details.passwordResetRoles as Record<string, unknown>).botCanReset, "nobody");
  });

  it("with no role at all and no admin in the set: still the stronger warning", async () => {
    h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, []);
    const { shared } = await ask(`revoke user ${alice.userPrincipalName} --reset-password`);
    const text = cardText(shared.card);
    assert.ok(text.includes("no password can be reset") && !text.includes("holds an admin role"), text);
  });

  it("without RoleManagement.Read.Directory (or Directory.Read.All): the card says the check could not be made and why; the audit entry too", async () => {
    h.sim.setRoles(ALL_GRAPH_ROLES.filter((r) => r !== GRAPH_ROLES.roleManagementReadDirectory && r !== GRAPH_ROLES.directoryReadAll));
    const { shared, created } = await ask(ADMIN_SET);
    const text = cardText(shared.card);
    assert.ok(text.includes("could not check whether these users hold admin roles") && text.includes("RoleManagement.Read.Directory"), text);
    assert.ok(roleReads().some((r) => r.status === 403), "Graph refused the read");
    const check = created.details.passwordResetRoles as Record<string, unknown>;
    assert.equal(check.checked, false, JSON.stringify(created.details));
    assert.equal(check.permissionMissing, true);
  });

  it("through the automation API (options.resetPassword): the approval card says the same before approval, and the audit entry has it", async () => {
    h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, ["User Administrator"]);
    const requestId = await h.proposeAsSentinel({ selection: { users: [alice.userPrincipalName, dollar.userPrincipalName] }, reason: "Sentinel: admin phished", incident: { source: "Microsoft Sentinel", id: "4712", title: "Admin phished" }, options: { resetPassword: true }, idempotencyKey: `admin-reset-${Date.now()}` });
    await h.bot.idle();
    const text = cardText(lastConfirmCard(h, APPROVAL_CHANNEL).card);
    assert.ok(text.includes(requestId) && text.includes("1 of these users holds an admin role (Backup Service Account)") && text.includes("Privileged Authentication Administrator"), text);
    const created = await h.created(requestId);
    assert.equal((created?.details.passwordResetRoles as Record<string, unknown> | undefined)?.adminCount, 1, JSON.stringify(created?.details));
  });

  it("without --reset-password nothing is read and nothing is said", async () => {
    h.sim.tenant.appDirectoryRoles.set(h.sim.clientId, []);
    const { shared, created } = await ask(`revoke user ${alice.userPrincipalName} ${dollar.userPrincipalName}`);
    assert.ok(!cardText(shared.card).includes("admin role"));
    assert.equal(created.details.passwordResetRoles, undefined);
    assert.equal(roleReads().length, 0);
  });
});
