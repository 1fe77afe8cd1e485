import assert from "node:assert/strict";
import { adminResetAuditText } from "../../src/cards/admin-reset-words.js";
import { confirmCardData, type PendingContext } from "../../src/cards/present.js";
import { renderCard } from "../../src/cards/render.js";
import type { AdminResetCheck } from "../../src/revocation/admin-reset.js";
import type { RevocationRequest } from "../../src/revocation/types.js";
import { rawDataFindings, visibleTexts } from "./raw-data.js";
import { bulkRequest, SAMPLE_NOW } from "./samples.js";

const context: PendingContext = { secondPerson: "containment needs a second person", approvalWhere: "", refreshUserIds: [], now: SAMPLE_NOW };

function withCheck(adminReset: AdminResetCheck | undefined, resetPassword = true): RevocationRequest {
  return { ...bulkRequest, containment: { resetPassword, confirmCompromised: false }, ...(adminReset === undefined ? {} : { adminReset }) };
}

function adminsOf(n: number) {
  return bulkRequest.targets.slice(0, n).map((t) => ({ id: t.id, userPrincipalName: t.userPrincipalName, displayName: t.displayName, roles: ["Exchange Administrator"] }));
}

function texts(request: RevocationRequest): string {
  const card = renderCard("revoke-confirm", confirmCardData(request, context, { abilities: { approve: true, reject: true, cancel: false }, isRequester: false }));
  assert.deepEqual(rawDataFindings([{ where: "approval card", cards: [card] }]), []);
  return visibleTexts(card).join("\n");
}

describe("approval card: admins and --reset-password, in words", () => {
  it("names up to three admins in the line, the rest under Details with their roles", () => {
    const [a, b, c, d] = bulkRequest.targets.map((t) => t.displayName ?? "");
    const few = texts(withCheck({ checked: true, botCan: "non_admins", adminCount: 3, admins: adminsOf(3) }));
    assert.ok(few.includes(`3 of these users hold admin roles (${a}, ${b} and ${c}): this bot's identity has no role that can reset an admin's password (Privileged Authentication Administrator), so their passwords will not be reset; their sessions are still revoked.`), few);
    const many = texts(withCheck({ checked: true, botCan: "non_admins", adminCount: 60, admins: adminsOf(50) }));
    assert.ok(many.includes(`60 of these users hold admin roles (${a}, ${b}, ${c} and 57 more, named under Details)`), many);
    assert.ok(many.includes(`${d} (Exchange Administrator)`) && many.includes(", and 10 more"), many);
  });

  it("says nothing when the bot can reset everyone, when no target is an admin, or without --reset-password", () => {
    const plain = texts(withCheck(undefined));
    for (const request of [
      withCheck({ checked: true, botCan: "everyone", adminCount: 2, admins: adminsOf(2) }),
      withCheck({ checked: true, botCan: "non_admins", adminCount: 0, admins: [] }),
      withCheck({ checked: true, botCan: "nobody", adminCount: 1, admins: adminsOf(1) }, false),
    ]) {
      const text = texts(request);
      assert.ok(!text.includes("admin role") && !text.includes("could not check") && !text.includes("Admin roles"), text);
    }
    assert.ok(!plain.includes("admin role") && !plain.includes("could not check"), plain);
  });

  it("the stronger warning without any role, and the check that could not be made", () => {
    assert.ok(texts(withCheck({ checked: true, botCan: "nobody", adminCount: 0, admins: [] })).includes("no password can be reset; their sessions are still revoked"));
    const refused = texts(withCheck({ checked: false, permissionMissing: true, cause: "ignored" }));
    assert.ok(refused.includes("could not check whether these users hold admin roles") && refused.includes("RoleManagement.Read.Directory"), refused);
    const failed = texts(withCheck({ checked: false, permissionMissing: false, cause: "Microsoft Graph is unavailable (503)." }));
    assert.ok(failed.includes(": Microsoft Graph is unavailable \\(503\\). Their sessions are revoked either way."), failed);
  });

  it("the audit card's words for the entry's record", () => {
    assert.equal(adminResetAuditText({ checked: true, botCanReset: "nobody", adminCount: 2 }), "Checked before approval: 2 targets hold admin roles; the bot's identity could reset no password");
    assert.equal(adminResetAuditText({ checked: false, permissionMissing: true }), "Not checked for admins: the permission RoleManagement.Read.Directory is missing");
    assert.equal(adminResetAuditText(undefined), undefined);
  });
});
