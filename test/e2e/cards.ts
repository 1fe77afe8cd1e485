import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import type { ConnectorCall } from "../fakes/connector.js";
import type { Harness } from "./harness.js";

/** The parts of an Adaptive Card the e2e tests look at. */
export interface CardJson {
  body?: unknown[];
  actions?: Array<{ type: string; title: string; verb?: string; data?: Record<string, unknown>; fallback?: { type: string; data?: Record<string, unknown> } }>;
}

/** The Adaptive Card a connector call carries, if any. */
export function cardIn(call: ConnectorCall | undefined): CardJson | undefined {
  return call?.activity.attachments?.[0]?.content as CardJson | undefined;
}

/** The whole of a card or activity as text, for "does it show …" checks. */
export function cardText(card: unknown): string {
  return JSON.stringify(card);
}

/** The newest message (not an edit) in the conversation whose card has an action with this verb. */
export function lastCardWithVerb(h: Harness, conversationId: string, verb: string): { call: ConnectorCall; card: CardJson } {
  const call = [...h.connector.in(conversationId)]
    .reverse()
    .find((c) => c.kind !== "update" && cardIn(c)?.actions?.some((a) => a.verb === verb) === true);
  assert.ok(call !== undefined, `no card with ${verb} in ${conversationId}: ${JSON.stringify(h.connector.texts(conversationId))}`);
  const card = cardIn(call);
  assert.ok(card !== undefined);
  return { call, card };
}

/** The newest confirmation card in the conversation and the request ID its Confirm carries. */
export function lastConfirmCard(h: Harness, conversationId: string): { call: ConnectorCall; card: CardJson; requestId: string } {
  const { call, card } = lastCardWithVerb(h, conversationId, Verbs.approve);
  const requestId = card.actions?.find((a) => a.verb === Verbs.approve)?.data?.requestId;
  assert.equal(typeof requestId, "string");
  return { call, card, requestId: requestId as string };
}
