import assert from "node:assert/strict";
import { escapeMarkdown } from "../../src/cards/markdown.js";
import { selectionNone, selectionWhat } from "../../src/cards/selection-words.js";

describe("cards: how a bulk selection is named (selection-words.ts)", () => {
  it("a department's typed name is quoted the door's way: escaped for chat, as sent for the API", () => {
    const selection = { kind: "department" as const, name: "R*D_Labs" };
    assert.equal(selectionWhat(selection, escapeMarkdown), 'the users of department "R\\*D\\_Labs"');
    assert.equal(selectionWhat(selection, (t) => t), 'the users of department "R*D_Labs"');
    assert.equal(selectionNone(selection, (t) => t), 'department "R*D_Labs" has no member users (Graph compares the name exactly, ignoring case)');
  });

  it("an address's window: the hours chat asked for, or the time the API sent", () => {
    const since = "2026-11-30T08:00:00.000Z";
    assert.equal(selectionWhat({ kind: "ip", address: "203.0.113.50", since, sinceHours: 24 }, escapeMarkdown), "the users who signed in from 203.0.113.50 in the last 24 hours");
    assert.equal(selectionNone({ kind: "ip", address: "203.0.113.50", since, sinceHours: 72 }, escapeMarkdown), "nobody signed in from 203.0.113.50 in the last 3 days");
    assert.match(selectionWhat({ kind: "ip", address: "2001:db8::1", since }, (t) => t), /^the users who signed in from 2001:db8::1 since /);
    assert.equal(selectionNone({ kind: "disabled" }, (t) => t), "no account is disabled");
  });
});
