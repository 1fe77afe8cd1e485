/**
 * Proactive posts and edits reject when Teams refuses them, even though the adapter has a turn
 * error handler (teams-ai installs one that logs and swallows): the audit outbox, the card
 * notifier and the automation API rely on seeing the failure.
 */
import assert from "node:assert/strict";
import { MessageFactory, type ConversationReference } from "botbuilder";
import { createChannelAdapter } from "../../src/bot/inbound-auth.js";
import { Messenger } from "../../src/bot/messenger.js";
import type { AppConfig } from "../../src/config.js";
import { FakeConnector } from "../fakes/connector.js";

const BOT_OFF: AppConfig["bot"] = {
  id: "",
  password: "",
  tenantId: "",
  type: "MultiTenant",
  allowUnauthenticated: true,
  inboundAuth: false,
  openIdMetadataUrl: "https://login.botframework.com/v1/.well-known/openidconfiguration",
  tokenIssuer: "https://api.botframework.com",
  loginUrl: undefined,
  oauthScope: "https://api.botframework.com",
  allowedTenantIds: ["c0ffee00-7e4a-4e57-9d1c-5e55104b0d1e"],
};

describe("Messenger: proactive sends", () => {
  let connector: FakeConnector;
  let messenger: Messenger;
  let swallowed: unknown[];
  let ref: Partial<ConversationReference>;

  beforeEach(async () => {
    connector = new FakeConnector();
    await connector.start();
    const adapter = createChannelAdapter({ bot: BOT_OFF });
    swallowed = [];
    // What teams-ai's app.error installs: log and carry on.
    adapter.onTurnError = (_context, error) => {
      swallowed.push(error);
      return Promise.resolve();
    };
    messenger = new Messenger(adapter, "");
    ref = {
      serviceUrl: connector.url,
      channelId: "msteams",
      conversation: { id: "19:audit@thread.tacv2", isGroup: true, conversationType: "channel", name: "" },
      bot: { id: "28:revoke-bot", name: "Revoke Bot" },
    };
  });
  afterEach(async () => {
    await connector.stop();
  });

  it("returns the new message's ID when Teams takes the post", async () => {
    const id = await messenger.post(ref, MessageFactory.text("audit"));
    assert.equal(typeof id, "string");
    assert.equal(connector.calls.length, 1);
  });

  it("rejects a post Teams refuses (403), and the turn error handler never swallows it", async () => {
    connector.failNext.push({ status: 403 });
    await assert.rejects(messenger.post(ref, MessageFactory.text("audit")), (err: unknown) => (err as { statusCode?: number }).statusCode === 403);
    assert.deepEqual(swallowed, []);
  });

  it("rejects an edit Teams refuses (404: the message is gone)", async () => {
    connector.failNext.push({ status: 404 });
    await assert.rejects(messenger.update(ref, "1:card", MessageFactory.text("edit")));
    assert.deepEqual(swallowed, []);
  });

  it("rejects with what the logic of a proactive turn throws", async () => {
    await assert.rejects(
      messenger.run(ref, () => Promise.reject(new Error("handler failed"))),
      /handler failed/,
    );
  });
});
