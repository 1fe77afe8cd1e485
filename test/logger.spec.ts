import assert from "node:assert/strict";
import { createLogger } from "../src/logger.js";

function capture(): { lines: () => Array<Record<string, unknown>>; stream: { write(line: string): void } } {
  let text = "";
  return {
    stream: { write: (line: string) => void (text += line) },
    lines: () =>
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("the bot's logger", () => {
  it("clips long user-controlled strings in fields, nested values, errors and the message", () => {
    const out = capture();
    const logger = createLogger("info", out.stream);
    const long = "A".repeat(50_000);
    logger.info({ audit: { actor: { name: long }, reasons: Array.from({ length: 500 }, () => "r") } }, `audit ${long}`);
    logger.warn({ err: new Error(`Graph said ${long}`) }, "failed");
    const [first, second] = out.lines();
    assert.ok(first && second);
    const audit = first.audit as { actor: { name: string }; reasons: string[] };
    assert.equal(audit.actor.name, `${"A".repeat(1000)}… [clipped: 50000 characters]`);
    assert.equal(audit.reasons.length, 51);
    assert.equal(audit.reasons[50], "… and 450 more");
    assert.equal((first.msg as string).length, 1000 + "… [clipped: 50006 characters]".length);
    const err = second.err as { message: string; type: string };
    assert.equal(err.type, "Error");
    assert.ok(err.message.length < 1100, `${err.message.length}`);
    assert.match(err.message, /… \[clipped: 50011 characters\]$/);
  });

  it("still redacts secrets", () => {
    const out = capture();
    createLogger("info", out.stream).info({ config: { clientSecret: "s3cret", auditKey: "k3y" }, headers: { authorization: "Bearer x" } }, "start");
    const [line] = out.lines();
    assert.deepEqual(line?.config, { clientSecret: "***", auditKey: "***" });
    assert.deepEqual(line?.headers, { authorization: "***" });
  });
});
