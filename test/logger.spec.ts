import assert from "node:assert/strict";
import { createLogger, routeConsoleToLog } from "../src/logger.js";

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

  it("takes what libraries print to the console into the log, clipped, at most the limit a minute, and counts the rest", () => {
    const out = capture();
    let clock = 0;
    const original = console.error;
    const restore = routeConsoleToLog(createLogger("info", out.stream), 3, () => clock);
    try {
      console.error(`Error finding key for token. Available keys: ${"K".repeat(5000)}`);
      console.warn("second", { depth: { a: { b: { c: 1 } } } });
      console.log("third");
      for (let i = 0; i < 50; i++) console.error("flood");
      clock = 60_000;
      console.error("after a minute");
    } finally {
      restore();
    }
    const lines = out.lines();
    assert.equal(lines.length, 4);
    assert.deepEqual(lines.map((l) => [l.source, l.method, l.level]), [
      ["console", "error", 40],
      ["console", "warn", 40],
      ["console", "log", 40],
      ["console", "error", 40],
    ]);
    assert.ok((lines[0]?.msg as string).length < 1100);
    assert.equal(lines[3]?.msg, "after a minute");
    assert.equal(lines[3]?.suppressedBefore, 50);
    assert.equal(console.error, original, "the console is put back");
  });
});
