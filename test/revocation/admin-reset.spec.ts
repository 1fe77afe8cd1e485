import assert from "node:assert/strict";
import type { RoleAssignment } from "../../src/directory/directory.js";
import { AppError } from "../../src/errors.js";
import { AdminResetChecker, ADMINS_LISTED, OWN_ROLES_CACHE_MS, RESET_ROLE_IDS } from "../../src/revocation/admin-reset.js";
import { FakeDirectory, testUser } from "../fakes/fake-directory.js";

const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const assign = (principalId: string, roleDefinitionId: string, roleName: string | null = null, directoryScopeId = "/"): RoleAssignment => ({ principalId, roleDefinitionId, roleName, directoryScopeId });

/** A FakeDirectory that counts its role reads and can refuse them. */
class CountingDirectory extends FakeDirectory {
  reads: Array<string | undefined> = [];
  refuse: AppError | undefined;
  override roleAssignments(principalId?: string): Promise<RoleAssignment[]> {
    this.reads.push(principalId);
    if (this.refuse !== undefined) return Promise.reject(this.refuse);
    return super.roleAssignments(principalId);
  }
}

describe("AdminResetChecker (--reset-password: admins in the set and the bot's own roles)", () => {
  let now = 0;
  let directory: CountingDirectory;
  let checker: AdminResetChecker;

  beforeEach(() => {
    now = 1_000_000;
    directory = new CountingDirectory();
    checker = new AdminResetChecker({ directory, now: () => now });
  });

  it("a 5,000-user set costs two reads (the bot's own assignments and every assignment), not one per user; admins are found by intersection", async () => {
    const users = Array.from({ length: 5000 }, () => testUser());
    const admins = [users[10], users[4000]].map((u) => u?.id ?? "");
    directory.roleAssignmentList.push(
      assign(directory.principalId, RESET_ROLE_IDS.userAdministrator, "User Administrator"),
      ...admins.map((id) => assign(id, EXCHANGE_ADMIN, "Exchange Administrator")),
      assign("aaaaaaaa-ffff-4000-8000-000000000000", EXCHANGE_ADMIN, "Exchange Administrator"),
    );
    const found = await checker.check(users);
    assert.equal(directory.reads.length, 2);
    assert.deepEqual(directory.reads, [directory.principalId, undefined]);
    assert.ok(found.checked);
    assert.equal(found.botCan, "non_admins");
    assert.equal(found.adminCount, 2);
    assert.deepEqual(found.admins.map((a) => [a.id, a.roles]), admins.map((id) => [id, ["Exchange Administrator"]]));
  });

  it("reads the bot's own roles once per 15 minutes; a failure is not kept", async () => {
    const users = [testUser()];
    directory.roleAssignmentList.push(assign(directory.principalId, RESET_ROLE_IDS.privilegedAuthenticationAdministrator));
    assert.equal((await checker.check(users)).checked && (await checker.check(users)).checked, true);
    assert.equal(directory.reads.filter((p) => p !== undefined).length, 1, "cached");
    now += OWN_ROLES_CACHE_MS;
    await checker.check(users);
    assert.equal(directory.reads.filter((p) => p !== undefined).length, 2, "read again after 15 minutes");

    const fresh = new CountingDirectory();
    const second = new AdminResetChecker({ directory: fresh, now: () => now });
    fresh.refuse = new AppError("GraphForbidden", "The bot may not read Microsoft Entra role assignments: its app registration lacks RoleManagement.Read.Directory.");
    const refused = await second.check(users);
    assert.deepEqual(refused, { checked: false, permissionMissing: true, cause: fresh.refuse.message });
    fresh.refuse = undefined;
    assert.equal((await second.check(users)).checked, true, "the next request reads again");
    fresh.refuse = new AppError("GraphUnavailable", "Microsoft Graph is unavailable (503).");
    const failed = await new AdminResetChecker({ directory: fresh }).check(users);
    assert.deepEqual(failed, { checked: false, permissionMissing: false, cause: "Microsoft Graph is unavailable (503)." });
  });

  it("only the bot's tenant-wide roles count: User Administrator scoped to an administrative unit resets nobody here", async () => {
    directory.roleAssignmentList.push(assign(directory.principalId, RESET_ROLE_IDS.userAdministrator, null, "/administrativeUnits/5b1f0e1c-0000-4000-8000-000000000001"));
    const found = await checker.check([testUser()]);
    assert.ok(found.checked);
    assert.equal(found.botCan, "nobody");
    directory.roleAssignmentList.push(assign(directory.principalId, RESET_ROLE_IDS.globalAdministrator));
    now += OWN_ROLES_CACHE_MS;
    const again = await checker.check([testUser()]);
    assert.ok(again.checked);
    assert.equal(again.botCan, "everyone");
  });

  it(`freezes at most ${ADMINS_LISTED} admins by name and counts the rest`, async () => {
    const users = Array.from({ length: ADMINS_LISTED + 5 }, () => testUser());
    directory.roleAssignmentList.push(...users.map((u) => assign(u.id, EXCHANGE_ADMIN)));
    const found = await checker.check(users);
    assert.ok(found.checked);
    assert.equal(found.adminCount, ADMINS_LISTED + 5);
    assert.equal(found.admins.length, ADMINS_LISTED);
  });
});
