import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { API_ROLES } from "../../src/api/requests-api.js";
import { REVOCATION_APP_ROLES } from "@teams-revoke-bot/graph-simulator";

const fragment = JSON.parse(readFileSync(join(__dirname, "..", "..", "manifest", "app-registration-api.json"), "utf8")) as {
  identifierUris: string[];
  appRoles: Array<{ allowedMemberTypes: string[]; id: string; isEnabled: boolean; value: string }>;
};

describe("manifest/app-registration-api.json: the app roles the API checks", () => {
  it("defines exactly the API's roles, for applications, enabled, and the api://<client id> URI", () => {
    assert.deepEqual(fragment.identifierUris, ["api://<AZURE_CLIENT_ID>"]);
    assert.deepEqual(fragment.appRoles.map((r) => r.value).sort(), Object.values(API_ROLES).sort());
    for (const role of fragment.appRoles) {
      assert.deepEqual(role.allowedMemberTypes, ["Application"]);
      assert.equal(role.isEnabled, true);
    }
    // The simulated tenant's registration is the same (so the demo and tests model this manifest).
    assert.deepEqual(
      fragment.appRoles.map((r) => ({ id: r.id, value: r.value })).sort((a, b) => a.value.localeCompare(b.value)),
      Object.values(REVOCATION_APP_ROLES).map((r) => ({ id: r.id, value: r.value })).sort((a, b) => a.value.localeCompare(b.value)),
    );
  });
});
