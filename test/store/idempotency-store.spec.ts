import assert from "node:assert/strict";
import { openDatabase, type OpenDatabase } from "../../src/store/database.js";
import { SqlIdempotencyStore } from "../../src/store/idempotency-store.js";
import { SqlRequestStore } from "../../src/store/request-store.js";
import { pendingRequestOf } from "../../src/requests/new-request.js";
import { appActor } from "../../src/domain/actor.js";
import { NO_CONTAINMENT } from "../../src/domain/containment.js";
import { testDialects, type TestDatabase } from "../support/databases.js";

for (const dialect of testDialects()) {
  describe(`SqlIdempotencyStore (${dialect.name}, migrations 006-api-requests and 011-idempotency-claim-owner)`, function () {
    this.timeout(20_000);
    let database: TestDatabase;
    let opened: OpenDatabase;
    let clock: number;
    let keys: SqlIdempotencyStore;
    const APP = "50000000-0000-4000-8000-000000000003";
    const OTHER = "50000000-0000-4000-8000-000000000004";

    before(async () => {
      database = await dialect.create();
      opened = await openDatabase(database.url);
    });
    after(async () => {
      await opened.close();
      await database.drop();
    });
    beforeEach(() => {
      clock = Date.UTC(2026, 11, 1, 10, 0, 0);
      keys = new SqlIdempotencyStore(opened.db, 120_000, () => new Date(clock));
    });

    /** The owner of a fresh claim, failing the test when the key was not claimed. */
    async function claimed(app: string, key: string, hash: string): Promise<string> {
      const claim = await keys.claim(app, key, hash);
      assert.equal(claim.kind, "claimed", JSON.stringify(claim));
      return (claim as { owner: string }).owner;
    }

    it("one claim per app and key; done after complete; keys of different apps never collide", async () => {
      const owner = await claimed(APP, "k1", "h1");
      assert.deepEqual(await keys.claim(APP, "k1", "h1"), { kind: "inProgress", bodySha256: "h1" });
      await claimed(OTHER, "k1", "h9");
      assert.equal(await keys.complete(APP, "k1", owner, "R-0000000001"), true);
      assert.deepEqual(await keys.claim(APP.toUpperCase(), "k1", "h2"), { kind: "done", requestId: "R-0000000001", bodySha256: "h1" });
    });

    it("a released key can be claimed again; a stale claim (its process died) is taken over, a fresh one is not", async () => {
      const first = await claimed(APP, "k2", "h1");
      await keys.release(APP, "k2", first);
      await claimed(APP, "k2", "h2");
      clock += 60_000;
      assert.equal((await keys.claim(APP, "k2", "h3")).kind, "inProgress");
      clock += 61_000;
      const taker = await claimed(APP, "k2", "h3");
      // A completed key is never released.
      assert.equal(await keys.complete(APP, "k2", taker, "R-0000000002"), true);
      await keys.release(APP, "k2", taker);
      assert.equal((await keys.claim(APP, "k2", "h3")).kind, "done");
    });

    it("a holder that refreshes keeps its claim past 120 s; one whose claim was taken over can neither complete nor release its successor's", async () => {
      const slow = await claimed(APP, "k3", "h1");
      for (let i = 0; i < 6; i++) {
        clock += keys.refreshEveryMs;
        assert.equal(await keys.refresh(APP, "k3", slow), true);
        assert.equal((await keys.claim(APP, "k3", "h1")).kind, "inProgress", `after ${(i + 1) * keys.refreshEveryMs} ms`);
      }
      // The holder stops refreshing (its process hangs): after 120 s a retry takes the key over.
      clock += 121_000;
      const retry = await claimed(APP, "k3", "h1");
      assert.equal(await keys.refresh(APP, "k3", slow), false);
      assert.equal(await keys.complete(APP, "k3", slow, "R-00000000AA"), false, "the old holder cannot complete");
      await keys.release(APP, "k3", slow);
      assert.equal((await keys.claim(APP, "k3", "h1")).kind, "inProgress", "nor release its successor's claim");
      assert.equal(await keys.complete(APP, "k3", retry, "R-00000000BB"), true);
      assert.deepEqual(await keys.claim(APP, "k3", "h1"), { kind: "done", requestId: "R-00000000BB", bodySha256: "h1" });
    });

    it("a request keeps its incident (the JSON column of 006); a chat request has none", async () => {
      const store = new SqlRequestStore(opened.db, opened.kind);
      const user = { id: "10000000-0000-4000-8000-000000000005", displayName: "Alice", userPrincipalName: "alice@contoso.com", accountEnabled: true, department: "Sales", userType: "Member", signInSessionsValidFromDateTime: null };
      const incident = { source: "Microsoft Sentinel", id: "4711", title: "Password spray", url: "https://portal.azure.com/#incident/4711" };
      const base = { requester: appActor(APP, "Playbook"), reason: "r", disable: false, containment: NO_CONTAINMENT, targets: [user], excluded: [], origin: {} };
      const withIncident = pendingRequestOf({ ...base, incident }, new Date(clock), 30);
      const chat = pendingRequestOf(base, new Date(clock), 30);
      for (const r of [withIncident, chat]) await store.create(r, { actor: r.requester, action: "request.created", requestId: r.id, details: {} });
      assert.deepEqual((await store.get(withIncident.id))?.incident, incident);
      assert.equal((await store.get(chat.id))?.incident, undefined);
      assert.deepEqual((await store.summary(withIncident.id, 0))?.request.incident, incident);
    });
  });
}
