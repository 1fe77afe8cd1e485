import assert from "node:assert/strict";
import { clipString } from "../../src/audit/clip.js";
import { escapeMarkdown } from "../../src/cards/markdown.js";
import { plain } from "../../src/cards/present.js";

describe("cards: escapeMarkdown", () => {
  it("escapes every markdown character with a backslash", () => {
    for (const ch of ["*", "_", "`", "[", "]", "(", ")", "<", ">", "#", "|", "~", "!", "\\", "{", "}"]) {
      assert.equal(escapeMarkdown(`a${ch}b`), `a\\${ch}b`, ch);
    }
  });

  it("turns line breaks into spaces, so text cannot start a heading or a list of its own", () => {
    assert.equal(escapeMarkdown("line one\n# Approved\r\n- by everyone\u2028x"), "line one \\# Approved  - by everyone x");
  });

  it("a reason like [click here](https://evil) does not become a link", () => {
    const escaped = escapeMarkdown("[click here](https://evil.example/x)");
    assert.equal(escaped, "\\[click here\\]\\(https://evil.example/x\\)");
    assert.doesNotMatch(escaped, /(?<!\\)\[[^\]]*(?<!\\)\]\(/, "no unescaped [text]( left");
  });

  it("leaves ordinary text alone", () => {
    assert.equal(escapeMarkdown("Pat O'Neil — Research & Development, 2nd floor"), "Pat O'Neil — Research & Development, 2nd floor");
  });

  it("is what card text uses (plain)", () => {
    assert.equal(plain("**Admin** <b>"), "\\*\\*Admin\\*\\* \\<b\\>");
  });

  it("runs in one pass over 200,000 characters", () => {
    const text = "[](".repeat(70_000);
    assert.equal(escapeMarkdown(text).length, text.length * 2);
  });
});

describe("clipString (typed text in log lines and audit details)", () => {
  it("keeps short text and clips long text, saying how long it was", () => {
    assert.equal(clipString("short", 200), "short");
    const clipped = clipString("x".repeat(5000), 200);
    assert.ok(clipped.length < 260);
    assert.match(clipped, /\[clipped: 5000 characters\]$/);
  });
});
