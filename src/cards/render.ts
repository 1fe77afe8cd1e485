/**
 * Expands the Adaptive Card templates in cards/ with the typed data of src/cards/models.ts.
 *
 * The templates hold layout only; every value arrives pre-formatted through the data. Data never
 * becomes part of the template text: adaptivecards-templating parses expressions from the template
 * once and substitutes values as plain strings, so a display name or reason that contains `${…}`,
 * quotes, backslashes or newlines comes out literally (test/cards/render.spec.ts proves it).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { Template } from "adaptivecards-templating";
import { escapeMarkdownLines } from "./markdown.js";
import type { AskCardData, AuditCardData, ConfirmCardData, NoticeCardData, ResultCardData } from "./models.js";

/** Every template in cards/, by file name without ".json". */
export const CARD_NAMES = ["revoke-confirm", "revoke-result", "revoke-ask", "notice", "audit-entry"] as const;

/** Name of a template in cards/. */
export type CardName = (typeof CARD_NAMES)[number];

/** The data interface each template is written against. */
export interface CardDataByName {
  "revoke-confirm": ConfirmCardData;
  "revoke-result": ResultCardData;
  "revoke-ask": AskCardData;
  notice: NoticeCardData;
  "audit-entry": AuditCardData;
}

/**
 * Who escapes a card's text. Teams renders markdown in TextBlocks and FactSets, so any value an
 * outsider chose (an app name, a forged click's request ID, a tenant ID, a display name) could
 * become a link or a heading. "at render": every string of the data is escaped here, whatever the
 * builder did, so a builder cannot forget a value; its data is plain text, never markdown. "by the
 * builder": the card's builder escapes each outside value itself (src/cards/format.ts `plain`)
 * because its data mixes plain text with markdown the bot writes (bold names, links). A new card
 * must be listed here (the Record makes it a type error not to): choose "at render".
 */
export const CARD_ESCAPING: Readonly<Record<CardName, "at render" | "by the builder">> = {
  "revoke-confirm": "by the builder",
  "revoke-result": "by the builder",
  "revoke-ask": "by the builder",
  notice: "by the builder",
  "audit-entry": "at render",
};

/** An expanded Adaptive Card, ready to send. */
export interface AdaptiveCardJson {
  type: "AdaptiveCard";
  version: string;
  body: unknown[];
  actions?: unknown[];
  [key: string]: unknown;
}

/** Bot Framework content type of an Adaptive Card attachment. */
export const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";

/** A template and its data do not fit together: a bug in cards/ or in the caller, never a user error. */
export class CardTemplateError extends Error {
  constructor(
    readonly card: CardName,
    message: string,
  ) {
    super(`Card template "${card}": ${message}`);
    this.name = "CardTemplateError";
  }
}

/**
 * The cards/ folder. Walks up to the project root (the folder holding package.json) because this
 * file runs both as src/cards/render.ts (tsx) and as dist/src/cards/render.js (compiled), and the
 * templates are not copied into dist/.
 */
export function cardsDirectory(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) {
      const cards = path.join(dir, "cards");
      if (!existsSync(cards)) {
        throw new Error(`The card templates folder ${cards} is missing; it ships next to package.json.`);
      }
      return cards;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`No package.json above ${__dirname}; cannot locate the cards/ templates folder.`);
    }
    dir = parent;
  }
}

const templates = new Map<CardName, Template>();

function templateOf(name: CardName): Template {
  const cached = templates.get(name);
  if (cached !== undefined) return cached;
  const file = path.join(cardsDirectory(), `${name}.json`);
  const payload: unknown = JSON.parse(readFileSync(file, "utf8"));
  // A Template parses its expressions once and can be expanded with any number of data objects.
  const template = new Template(payload);
  templates.set(name, template);
  return template;
}

/**
 * Expands cards/<name>.json with data and returns the Adaptive Card JSON object.
 * Throws a CardTemplateError if an expression stays unbound (its `${…}` would survive into the
 * card) or a `$when` in the template is not an expression.
 */
export function renderCard<N extends CardName>(name: N, given: CardDataByName[N]): AdaptiveCardJson {
  const template = templateOf(name);
  const data = CARD_ESCAPING[name] === "at render" ? (escapeStrings(given) as CardDataByName[N]) : given;

  // Values may legitimately contain "${" (a reason typed as "${x}"), so the unbound check runs on
  // a rehearsal whose data has every "$" neutralised: any "${" left there comes from the template.
  // The rehearsal keeps every string's length and emptiness, so `$when` decides the same way.
  const rehearsal: unknown = template.expand({ $root: neutraliseDollars(data) });
  const unbound = collectExpressions(rehearsal, "$");
  if (unbound.length > 0) {
    // Name the expressions, not the whole strings: the rest of a string may be user-provided text.
    const where = unbound.map((hit) => `${hit.expressions.join(" ")} at ${hit.at}`);
    throw new CardTemplateError(name, `unbound ${where.join(", ")}; is a data field missing?`);
  }

  const expanded: unknown = template.expand({ $root: data });
  // adaptivecards-templating 2.3.1 also "warns" for every `$when` that is simply false, so only
  // the warning for a `$when` that is no expression at all (a template bug) is fatal here.
  const broken = template.getLastTemplateExpansionWarnings().filter((w) => w.includes("is not an Adaptive Expression"));
  if (broken.length > 0) {
    throw new CardTemplateError(name, broken.join("; "));
  }
  if (!isAdaptiveCardJson(expanded)) {
    throw new CardTemplateError(name, "did not expand to an AdaptiveCard object with a version and a body.");
  }
  return expanded;
}

/** An Adaptive Card as an activity's attachment (the shape Bot Framework's `Attachment` accepts). */
export interface CardAttachment {
  contentType: string;
  content: unknown;
}

/** The same card, wrapped as a Bot Framework attachment for an activity's `attachments`. */
export function cardAttachment<N extends CardName>(name: N, data: CardDataByName[N]): CardAttachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: renderCard(name, data) };
}

/**
 * JSON paths of every string (or key) in value that still holds a template expression ("${").
 * Exported for the tests, which check whole rendered cards with it.
 */
export function findTemplateExpressions(value: unknown, at = "$"): string[] {
  return collectExpressions(value, at).map((hit) => hit.at);
}

interface ExpressionHit {
  at: string;
  /** The `${…}` expressions found there. */
  expressions: string[];
}

function collectExpressions(value: unknown, at: string): ExpressionHit[] {
  if (typeof value === "string") {
    return value.includes("${") ? [{ at, expressions: value.match(/\$\{[^}]*\}?/g) ?? [] }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => collectExpressions(item, `${at}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [
      ...collectExpressions(key, `${at} (key)`),
      ...collectExpressions(item, `${at}.${key}`),
    ]);
  }
  return [];
}

/** Every string in value markdown-escaped (line by line); keys and other values as they are. */
function escapeStrings(value: unknown): unknown {
  if (typeof value === "string") return escapeMarkdownLines(value);
  if (Array.isArray(value)) return value.map(escapeStrings);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeStrings(item)]));
  }
  return value;
}

function neutraliseDollars(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("$", "S");
  if (Array.isArray(value)) return value.map(neutraliseDollars);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, neutraliseDollars(item)]));
  }
  return value;
}

function isAdaptiveCardJson(value: unknown): value is AdaptiveCardJson {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const card = value as Record<string, unknown>;
  return (
    card.type === "AdaptiveCard" &&
    typeof card.version === "string" &&
    Array.isArray(card.body) &&
    (card.actions === undefined || Array.isArray(card.actions))
  );
}
