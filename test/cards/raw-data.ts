/**
 * Finds raw data in what a person reads: ISO timestamps, booleans, enum keys (outcome statuses,
 * audit event names), snake_case counters, runner IDs, configuration variable names, Teams thread
 * IDs and GUIDs cut off mid-way. The e2e harness runs it over every message, card and invoke
 * answer the bot sends (test/e2e/harness.ts); test/cards/raw-data.spec.ts proves it finds each kind.
 */
import type { AuditAction } from "../../src/audit/audit-log.js";
import type { OutcomeStatus } from "../../src/domain/outcome.js";

const AUDIT_ACTIONS = [
  "request.created",
  "request.refused",
  "request.approved",
  "request.cancelled",
  "request.rejected",
  "request.expired",
  "decision.refused",
  "revocation.started",
  "revocation.resumed",
  "target.outcome",
  "revocation.completed",
  "revocation.failed",
  "audit.channel.set",
  "activity.refused",
  "status.viewed",
  "audit.channel.moved",
  "revocation.refused",
  "audit.keyed",
  "target.containment",
  "watch.started",
  "watch.signin",
  "watch.alarm",
  "watch.report",
  "watch.stopped",
  "watch.ended",
  "watch.unavailable",
  "watch.refused",
] as const satisfies readonly AuditAction[];
const OUTCOMES = ["revoked_verified", "revoked_unverified", "enabled", "not_found", "skipped", "failed"] as const satisfies readonly OutcomeStatus[];
// Compile-time: a new audit action or outcome status must be added above.
const everyAction: Exclude<AuditAction, (typeof AUDIT_ACTIONS)[number]> extends never ? true : false = true;
const everyOutcome: Exclude<OutcomeStatus, (typeof OUTCOMES)[number]> extends never ? true : false = true;
void everyAction;
void everyOutcome;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const ENUM_KEY = new RegExp(`(?<![\\w.])(?:${[...AUDIT_ACTIONS, ...OUTCOMES.filter((o) => o.includes("_"))].map(escapeRe).join("|")})(?![\\w])`);

const CHECKS: Array<{ kind: string; find: (text: string) => string | undefined }> = [
  { kind: "ISO timestamp", find: (t) => /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?/.exec(t)?.[0] },
  { kind: "boolean", find: (t) => /(?<![\w-])(?:true|false)(?![\w-])/.exec(t)?.[0] },
  { kind: "enum key", find: (t) => ENUM_KEY.exec(t)?.[0] },
  // UPNs (which may hold underscores: guest accounts) and URLs are not counters.
  { kind: "snake_case name", find: (t) => /(?<![\w\\-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w\\-])/.exec(withoutAddresses(t))?.[0] },
  { kind: "runner ID", find: (t) => /\b[\w.-]+:\d{2,}:[0-9a-f]{4,}\b/.exec(t)?.[0] },
  { kind: "configuration variable name", find: (t) => /(?<![\w#])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w#])/.exec(withoutAddresses(t))?.[0] },
  { kind: "Teams thread ID", find: (t) => /19:[^\s"']*@thread[\w.]*/.exec(t)?.[0] },
  { kind: "GUID cut off", find: clippedGuid },
];

function withoutAddresses(text: string): string {
  return text.replace(/\S+@\S+/g, " ").replace(/https?:\/\/\S+/g, " ");
}

function clippedGuid(text: string): string | undefined {
  for (const m of text.matchAll(/(?<![0-9a-fA-F-])[0-9a-fA-F]{8}-[0-9a-fA-F-]*/g)) {
    if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(m[0])) return m[0];
  }
  return undefined;
}

/** What kinds of raw data the text holds, with the offending words. */
export function rawDataIn(text: string): Array<{ kind: string; found: string }> {
  // Markdown escapes ("revoked\_verified") read as the characters they escape.
  text = text.replace(/\\(.)/g, "$1");
  const out: Array<{ kind: string; found: string }> = [];
  for (const check of CHECKS) {
    const found = check.find(text);
    if (found !== undefined) out.push({ kind: check.kind, found });
  }
  return out;
}

/** Keys of an Adaptive Card whose strings a person reads. */
const VISIBLE = new Set(["text", "title", "value", "label", "placeholder", "errorMessage", "altText", "fallbackText", "speak"]);
/** Parts of a card no person reads (action payloads, the refresh, element IDs, verbs). */
const HIDDEN = new Set(["data", "refresh", "verb", "id", "targetElements", "associatedInputs", "$schema", "userIds", "url"]);

/** Every string a person reads in an Adaptive Card (or any card-like JSON). */
export function visibleTexts(card: unknown, key = ""): string[] {
  if (typeof card === "string") return VISIBLE.has(key) ? [card] : [];
  if (Array.isArray(card)) return card.flatMap((item) => visibleTexts(item, key));
  if (typeof card === "object" && card !== null) {
    return Object.entries(card).flatMap(([k, v]) => (HIDDEN.has(k) ? [] : visibleTexts(v, k)));
  }
  return [];
}

/** One outgoing thing a person reads: a chat message, a card, or an invoke's answer. */
export interface Readable {
  where: string;
  text?: string;
  summary?: string;
  cards?: unknown[];
}

/** Every raw-data finding over what the bot sent, as lines for an assertion message. */
export function rawDataFindings(items: readonly Readable[]): string[] {
  const findings: string[] = [];
  for (const item of items) {
    const texts = [item.text ?? "", item.summary ?? "", ...(item.cards ?? []).flatMap((c) => visibleTexts(c))];
    for (const text of texts) {
      for (const hit of rawDataIn(text)) findings.push(`${item.where}: ${hit.kind} "${hit.found}" in: ${text.slice(0, 300)}`);
    }
  }
  return findings;
}
