/**
 * POST /api/messages reads JSON only, bounded, in memory: every other type is a 415 decided from
 * the header before the body is read, past 256 KB a 413, malformed JSON a 400. (The 5 MB
 * multipart upload that must leave no file behind runs against a bot process with its own TMPDIR:
 * test/e2e/inbound-process.spec.ts.)
 */
import assert from "node:assert/strict";
import { messageActivity } from "../fakes/activities.js";
import { useWorld } from "./harness.js";

describe("e2e: /api/messages accepts bounded JSON only", function () {
  this.timeout(30_000);
  const h = useWorld();

  const url = (): string => `${h.bot.url}/api/messages`;
  const help = () => messageActivity(h.connector.url, h.user("sam"), h.personal("sam"), "help");
  const token = (serviceUrl = h.connector.url): string => `Bearer ${h.sim.channel.issueChannelToken({ serviceUrl })}`;
  const send = async (body: BodyInit, headers: Record<string, string>): Promise<number> => {
    const res = await fetch(url(), { method: "POST", headers: { authorization: token(), ...headers }, body });
    await res.arrayBuffer();
    return res.status;
  };

  it("answers 415 to anything but application/json, whatever the token", async () => {
    const json = JSON.stringify(help());
    assert.equal(await send(json, { "content-type": "text/plain" }), 415);
    assert.equal(await send(json, { "content-type": "application/x-www-form-urlencoded" }), 415);
    assert.equal(await send(json, { "content-type": "application/json-patch+json" }), 415);
    assert.equal(await send(json, { "content-type": "application/json; charset=iso-8859-1" }), 415);
    assert.equal(await send(json, { "content-type": "application/json", "content-encoding": "gzip" }), 415);
    const form = new FormData();
    form.append("file", new Blob(["x".repeat(1024)]), "a.bin");
    assert.equal(await send(form, {}), 415);
    const bare = await fetch(url(), { method: "POST", body: new Uint8Array([1, 2, 3]) });
    assert.equal(bare.status, 415);
  });

  it("accepts application/json with a UTF-8 charset", async () => {
    assert.equal(await send(JSON.stringify(help()), { "content-type": "Application/JSON; charset=UTF-8" }), 200);
  });

  it("answers 413 past 256 KB, by Content-Length and when streamed without one", async () => {
    const big = JSON.stringify({ ...help(), text: "a".repeat(300 * 1024) });
    assert.equal(await send(big, { "content-type": "application/json" }), 413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(10 * 1024)));
        controller.close();
      },
    });
    const res = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: token() },
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
  });

  it("accepts an activity just under the limit", async () => {
    const activity = { ...help(), channelData: { tenant: { id: h.tenantId }, padding: "p".repeat(200 * 1024) } };
    assert.equal(await send(JSON.stringify(activity), { "content-type": "application/json" }), 200);
  });

  it("answers 400 to malformed JSON, to JSON that is not an object, and to an activity without a type", async () => {
    assert.equal(await send("{\"type\": \"message\",", { "content-type": "application/json" }), 400);
    assert.equal(await send("[1,2,3]", { "content-type": "application/json" }), 400);
    assert.equal(await send("null", { "content-type": "application/json" }), 400);
    assert.equal(await send(JSON.stringify({ ...help(), type: undefined }), { "content-type": "application/json" }), 400);
  });

  it("still answers HEAD (the Agents Playground probes the endpoint)", async () => {
    const res = await fetch(url(), { method: "HEAD" });
    assert.equal(res.status, 200);
  });
});
