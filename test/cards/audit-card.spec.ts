import assert from "node:assert/strict";
import type { AuditAction, AuditEntry } from "../../src/audit/audit-log.js";
import { auditCardData, auditHeadline, auditSummary } from "../../src/cards/audit-card.js";
import { escapeMarkdownLines } from "../../src/cards/markdown.js";
import { CARD_ESCAPING, renderCard } from "../../src/cards/render.js";
import { liveMarkdown, shownTexts } from "./live-markdown.js";

/** A link an outsider would like the audit channel to show as a link. */
const LINK = "[x](https://evil.example)";
const HOSTILE = `${LINK} **bold** # heading <b>`;

function entry(action: AuditAction, details: Record<string, unknown>, requestId: string | null = "R-0000000001"): AuditEntry {
  return {
    seq: 42,
    at: "2026-12-01T10:02:00.000Z",
    actor: { aadObjectId: "5f0c6a1e-2b9d-4c3a-8e1f-0a1b2c3d4e5f", name: "Riley Approver" },
    action,
    requestId,
    details,
    prevHash: "0".repeat(64),
    hash: "1".repeat(64),
    hashAlg: "sha256",
  };
}

/** Fails with where and what when any text the rendered post shows would render as markdown. */
function assertNoLiveMarkdown(e: AuditEntry): void {
  const card = renderCard("audit-entry", auditCardData(e));
  for (const { at, text } of shownTexts(card)) {
    const live = liveMarkdown(text);
    assert.equal(live, undefined, `${e.action} ${at}: ${live ?? ""}`);
  }
}

/** Every action, so a new one is a type error here until it is added (and checked). */
const ACTIONS: Record<AuditAction, true> = {
  "request.created": true,
  "request.refused": true,
  "request.approved": true,
  "request.cancelled": true,
  "request.rejected": true,
  "request.expired": true,
  "decision.refused": true,
  "revocation.started": true,
  "revocation.resumed": true,
  "target.outcome": true,
  "revocation.completed": true,
  "revocation.failed": true,
  "audit.channel.set": true,
  "activity.refused": true,
  "status.viewed": true,
  "audit.channel.moved": true,
  "revocation.refused": true,
  "audit.keyed": true,
  "target.containment": true,
  "watch.started": true,
  "watch.signin": true,
  "watch.alarm": true,
  "watch.report": true,
  "watch.stopped": true,
  "watch.ended": true,
  "watch.unavailable": true,
  "watch.refused": true,
};

describe("audit posts: no outside value becomes markdown", () => {
  it("the audit card is escaped when rendered, not by each builder", () => {
    assert.equal(CARD_ESCAPING["audit-entry"], "at render");
  });

  it("ALARM: the app, location and address an attacker chose read as typed, not as a link", () => {
    const alarm = entry("watch.alarm", {
      user: "alice@contoso.com",
      signedIn: "1 Dec, 10:01 UTC",
      address: `203.0.113.7 ${LINK}`,
      location: `Springfield ${LINK}`,
      app: `Contoso Mail ${LINK}`,
      client: LINK,
      signInKind: "interactive",
      signInId: LINK,
    });
    assertNoLiveMarkdown(alarm);
    const card = JSON.stringify(renderCard("audit-entry", auditCardData(alarm)));
    assert.ok(card.includes(JSON.stringify("Contoso Mail \\[x\\]\\(https://evil.example\\)").slice(1, -1)), card);
  });

  it("a forged click's request ID (Request named) and a foreign tenant (Tenant) read as typed", () => {
    const forged = entry("decision.refused", { verb: "approve", reason: "card action refused: no such request", claimedRequestId: LINK, conversation: "a:1" }, null);
    const foreign = entry("activity.refused", { reason: "tenant-not-allowed", tenantId: `# ${LINK}`, channelId: "msteams" }, null);
    for (const e of [forged, foreign]) {
      assertNoLiveMarkdown(e);
      const facts = auditCardData(e).facts.map((f) => f.title);
      assert.ok(facts.includes(e.action === "decision.refused" ? "Request named" : "Tenant"), JSON.stringify(facts));
    }
  });

  it("every action, with every detail, the actor's name and the request ID hostile, renders without live markdown", () => {
    for (const action of Object.keys(ACTIONS) as AuditAction[]) {
      const details: Record<string, unknown> = {};
      for (const key of [
        "reason", "comment", "command", "claimedRequestId", "tenantId", "upn", "lookedUp", "step", "detail", "user", "signedIn", "address",
        "location", "app", "client", "signInKind", "signInId", "watched", "until", "incidentAddress", "keyId", "previousKeyId", "confirmed",
        "disabledBy", "expiresAt", "targetsSha256", "signInsAfterRevocation", "fromIncidentAddress", "incidentAddressOf", "unknownLaterKey",
      ]) details[key] = `${HOSTILE}\n- a line of its own`;
      details.targets = [{ upn: HOSTILE, id: "x" }];
      details.targetCount = 1;
      details.incident = { id: HOSTILE };
      details.outcomes = [{ upn: HOSTILE, status: "failed", detail: HOSTILE }];
      details.reported = [HOSTILE];
      const e = { ...entry(action, details, HOSTILE), actor: { aadObjectId: HOSTILE, name: HOSTILE } };
      assertNoLiveMarkdown(e);
    }
  });

  it("the notification summary is plain text and the history line is escaped", () => {
    const forged = entry("decision.refused", { verb: "approve", claimedRequestId: LINK }, null);
    const foreign = { ...entry("request.refused", { command: LINK }), actor: { aadObjectId: "x", name: LINK } };
    assert.equal(auditSummary(foreign), `Audit #42: ${LINK}'s “${LINK}” was refused`);
    assert.equal(liveMarkdown(auditHeadline(foreign)), undefined);
    assert.equal(liveMarkdown(auditHeadline(forged)), undefined);
  });
});

describe("audit posts: an ALARM from another request's incident address", () => {
  const details = {
    user: "Alice Wood (alice@contoso.com)",
    signedIn: "2026-12-01T10:01:00.000Z",
    address: "203.0.113.50 — the incident address of R-AAAAAAAAAA, another request watching this user",
    location: "Tallinn, Harjumaa, EE",
    app: "Microsoft Teams",
    client: "Browser",
    signInId: "6f000000-0000-4000-8000-000000000001",
  };

  it("names whose address it was in the headline, once, and not as a detail of its own", () => {
    const other = auditCardData(entry("watch.alarm", { ...details, incidentAddressOf: "R-AAAAAAAAAA" }, "R-BBBBBBBBBB"));
    assert.equal(other.title, "🚨 ALARM: Alice Wood (alice@contoso.com) signed in again after R-BBBBBBBBBB, from the incident address of R-AAAAAAAAAA");
    assert.ok(!other.details.some((f) => f.title === "Incident address of"), JSON.stringify(other.details));
    const own = auditCardData(entry("watch.alarm", { ...details, address: "203.0.113.50 — the address this request named" }, "R-AAAAAAAAAA"));
    assert.equal(own.title, "🚨 ALARM: Alice Wood (alice@contoso.com) signed in again after R-AAAAAAAAAA, from the incident's address");
  });

  it("a counted entry past the cap says whose address too, its user's name escaped once (when the card renders), not twice", () => {
    const counted = auditCardData(
      entry("watch.alarm", { user: "Alice Wood (alice@contoso.com)", signIns: 12, fromIncidentAddress: 12, first: "2026-12-01T10:01:00.000Z", last: "2026-12-01T10:05:00.000Z", addresses: 1, incidentAddressOf: "R-AAAAAAAAAA" }, "R-BBBBBBBBBB"),
    );
    assert.equal(counted.title, "🚨 ALARM: Alice Wood (alice@contoso.com) signed in 12 more times after R-BBBBBBBBBB, all from the incident address of R-AAAAAAAAAA");
  });
});

describe("cards: escapeMarkdownLines", () => {
  it("keeps the bot's lines and escapes each, lists and headings at a line's start included", () => {
    assert.equal(escapeMarkdownLines("a — Failed\n- b\n+ c\n1. d\n===\n[e](f)"), "a — Failed\n\\- b\n\\+ c\n1\\. d\n\\===\n\\[e\\]\\(f\\)");
  });
});
