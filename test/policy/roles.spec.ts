import assert from "node:assert/strict";
import { GraphRoleLookup } from "../../src/policy/roles.js";
import { FakeDirectory } from "../fakes/fake-directory.js";

const REVOKERS = "11111111-0000-4000-8000-000000000001";
const APPROVERS = "11111111-0000-4000-8000-000000000002";
const id = (n: number) => `cccccccc-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A directory that counts checkMemberGroups calls. */
class CountingDirectory extends FakeDirectory {
  calls = 0;
  override memberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    this.calls++;
    return super.memberGroups(userId, groupIds);
  }
}

describe("policy: GraphRoleLookup cache", () => {
  const groups = { revokerGroupIds: [REVOKERS], approverGroupIds: [APPROVERS] };

  it("caches a person's roles for the TTL, then asks Graph again", async () => {
    let now = 0;
    const directory = new CountingDirectory([]);
    directory.groups.set(id(1), [REVOKERS]);
    const roles = new GraphRoleLookup(directory, groups, 60_000, () => now);
    assert.deepEqual(await roles.rolesOf(id(1)), { revoker: true, approver: false });
    await roles.rolesOf(id(1).toUpperCase());
    assert.equal(directory.calls, 1, "a hit, in any case");
    now = 60_001;
    directory.groups.set(id(1), []);
    assert.deepEqual(await roles.rolesOf(id(1)), { revoker: false, approver: false }, "a removed member loses the role after the TTL");
    assert.equal(directory.calls, 2);
  });

  it("holds at most maxEntries people, dropping the least recently used first", async () => {
    const directory = new CountingDirectory([]);
    const roles = new GraphRoleLookup(directory, groups, 60_000, () => 0, 3);
    for (const n of [1, 2, 3]) await roles.rolesOf(id(n));
    await roles.rolesOf(id(1)); // 1 is now the most recently used
    await roles.rolesOf(id(4)); // evicts 2, the least recently used
    assert.equal(roles.size, 3);
    const before = directory.calls;
    await roles.rolesOf(id(1));
    await roles.rolesOf(id(3));
    await roles.rolesOf(id(4));
    assert.equal(directory.calls, before, "1, 3 and 4 are still cached");
    await roles.rolesOf(id(2));
    assert.equal(directory.calls, before + 1, "2 was evicted and is looked up again");
    assert.equal(roles.size, 3);
  });

  it("stays bounded when many different people are looked up (the default bound)", async () => {
    const directory = new CountingDirectory([]);
    const roles = new GraphRoleLookup(directory, groups, 60_000, () => 0, 100);
    for (let n = 0; n < 1000; n++) await roles.rolesOf(id(n));
    assert.equal(roles.size, 100);
  });
});

describe("policy: GraphRoleLookup.responderIds", () => {
  it("reads every member of every revoker and approver group afresh each time (never cached), lower case, each once", async () => {
    const directory = new FakeDirectory([]);
    directory.groups.set(id(1), [REVOKERS]);
    directory.groups.set(id(2), [APPROVERS, REVOKERS]);
    const roles = new GraphRoleLookup(directory, { revokerGroupIds: [REVOKERS], approverGroupIds: [APPROVERS] });
    assert.deepEqual([...(await roles.responderIds())].sort(), [id(1), id(2)]);
    directory.groups.set(id(3), [APPROVERS]);
    assert.deepEqual([...(await roles.responderIds())].sort(), [id(1), id(2), id(3)], "a new member counts at the next request");
  });
});
