/**
 * The message cap and linear-time patterns: a message is measured before any pattern runs on it,
 * and every pattern on the input path runs in time linear in the message's length.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { readCardData } from "../../../src/bot/commands/card-actions.js";
import { MAX_MESSAGE_LENGTH, normalizeText, parseCommand, type ParseError } from "../../../src/bot/commands/parse.js";

/** The adversarial shapes: each made super-linear backtracking, or a long scan per character, likely somewhere. */
const SHAPES: Record<string, string> = {
  "<": "<",
  "<a": "<a",
  '"': '"',
  '--reason "': '--reason "',
  spaces: " ",
  "<at>": "<at>",
  "<at>x": "<at>x",
  "&amp;": "&amp;",
  "]( ": "]( ",
  "--": "--",
  "a@": "a@",
  "a.": "a.",
};

function fill(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

describe("commands: message cap and linear patterns", () => {
  it("a message longer than MAX_MESSAGE_LENGTH is refused before anything reads it, saying the limit and what to do", () => {
    // A string-like value whose every method throws: the cap must be decided from its length alone.
    const untouchable = new Proxy(Object.create(String.prototype) as object, {
      get(_target, prop) {
        if (prop === "length") return MAX_MESSAGE_LENGTH + 1;
        throw new Error(`the message was read (${String(prop)}) before the cap`);
      },
    }) as unknown as string;
    const result = parseCommand(untouchable) as ParseError;
    assert.equal(result.kind, "error");
    assert.match(result.message, /16,385 characters long/);
    assert.match(result.message, /at most 16,384 characters/);
    assert.match(result.message, /nothing was done/);
    assert.match(result.message, /split a long list of users/);
  });

  it("exactly MAX_MESSAGE_LENGTH characters is still read", () => {
    const text = `help${" ".repeat(MAX_MESSAGE_LENGTH - 4)}`;
    assert.deepEqual(parseCommand(text), { kind: "help" });
    assert.equal((parseCommand(`${text} `) as ParseError).kind, "error");
  });

  it("strips tags without the quadratic scan: a run of < without > stays, <tags> go", () => {
    assert.equal(normalizeText("<<<<b>x</b>"), "<<< x");
    assert.equal(normalizeText("<at>Revoke Bot</at> revoke user <b>alice@contoso.com</b>"), "revoke user alice@contoso.com");
    assert.equal(normalizeText("a < b > c"), "a c");
  });

  it("parses every adversarial shape at the cap; prints the slowest (a figure, not an assertion)", () => {
    const timings: string[] = [];
    for (const [name, unit] of Object.entries(SHAPES)) {
      for (const prefix of ["", "revoke user ", "revoke department ", "revoke ip ", "status "]) {
        const text = prefix + fill(unit, MAX_MESSAGE_LENGTH - prefix.length);
        const started = performance.now();
        normalizeText(text);
        const parsed = parseCommand(text);
        const ms = performance.now() - started;
        timings.push(`${ms.toFixed(1)} ms  ${JSON.stringify(prefix)} + ${JSON.stringify(name)}`);
        // Whatever it is, it is an answer, never an exception.
        assert.ok(parsed === undefined || typeof parsed.kind === "string");
      }
    }
    timings.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    console.log(`      slowest parses of ${MAX_MESSAGE_LENGTH} characters: ${timings.slice(0, 3).join("; ")}`);
  });

  it("card data checks take adversarial comments of 200,000 characters in one pass", () => {
    for (const unit of ["\rx", "\r\nx", "]( ", "<"]) {
      const checked = readCardData({ requestId: "R-0123456789", comment: fill(unit, 200_000) });
      assert.equal(checked.ok, false, JSON.stringify(unit));
      assert.match(checked.ok ? "" : checked.why, /keep it to 500/);
    }
  });
});
