import assert from "node:assert/strict";
import { Verbs } from "../../src/cards/verbs.js";
import type { RevocationRequest } from "../../src/revocation/types.js";
import type { RequestState } from "../../src/domain/request-state.js";
import type { ConnectorCall } from "../fakes/connector.js";
import { openTestStore } from "../support/store.js";
import type { Harness } from "./harness.js";

/** The parts of an Adaptive Card the e2e tests look at. */
export interface CardJson {
  body?: unknown[];
  actions?: Array<{ type: string; title: string; verb?: string; data?: Record<string, unknown>; fallback?: { type: string; data?: Record<string, unknown> } }>;
  /** A request card's refresh (Universal Actions): the verb and the users whose clients run it. */
  refresh?: CardRefresh;
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

/** The refresh block of a card (the shared copy of a pending request carries one). */
export interface CardRefresh {
  action?: { type?: string; verb?: string; data?: Record<string, unknown> };
  userIds?: string[];
}

/** The card an Action.Execute invoke was answered with (the invoke response's value). */
export function answerCard(body: unknown): CardJson {
  const value = (body as { statusCode?: number; type?: string; value?: unknown } | undefined)?.value;
  assert.ok(typeof value === "object" && value !== null, `the invoke was not answered with a card: ${JSON.stringify(body)}`);
  return value;
}

/**
 * The message an Action.Execute invoke was answered with (a refused click): the Universal Actions
 * message response, which Teams shows to the clicker alone and which leaves the card as it is.
 */
export function answerMessage(body: unknown): string {
  const answer = body as { statusCode?: number; type?: string; value?: unknown } | undefined;
  assert.equal(answer?.statusCode, 200, `the invoke was not answered with a message: ${JSON.stringify(body)}`);
  assert.equal(answer?.type, "application/vnd.microsoft.activity.message", `the invoke was not answered with a message: ${JSON.stringify(body)}`);
  assert.equal(typeof answer?.value, "string");
  return answer?.value as string;
}

/** The titles of a card's actions, in order. */
export function actionTitles(card: CardJson | undefined): string[] {
  return (card?.actions ?? []).map((a) => a.title);
}

/** True when the card has an input with this id (e.g. the comment box). */
export function hasInput(card: CardJson | undefined, id: string): boolean {
  return (card?.body ?? []).some((el) => typeof el === "object" && el !== null && (el as { type?: unknown; id?: unknown }).type === "Input.Text" && (el as { id?: unknown }).id === id);
}

/** Every edit (update) of the message cardActivityId so far. */
export function cardEdits(h: Harness, cardActivityId: string): ConnectorCall[] {
  return h.connector.calls.filter((c) => c.kind === "update" && c.activityId === cardActivityId);
}

/** The newest edit of the card, as text (the card as its people see it at the end). */
export function finalCardText(h: Harness, cardActivityId: string): string {
  const last = cardEdits(h, cardActivityId).at(-1);
  assert.ok(last !== undefined, `card ${cardActivityId} was never edited`);
  return cardText(last.activity);
}

/** Waits for the card of the given message to be edited to show text (or match it); resolves with that edit. */
export async function waitForCardText(h: Harness, cardActivityId: string, text: string | RegExp, timeoutMs = 10_000): Promise<ConnectorCall> {
  const shows = (card: string) => (typeof text === "string" ? card.includes(text) : text.test(card));
  await h.connector.waitFor(
    (calls) => calls.some((c) => c.kind === "update" && c.activityId === cardActivityId && shows(cardText(c.activity))),
    timeoutMs,
    `card ${cardActivityId} to show "${String(text)}"`,
  );
  const last = cardEdits(h, cardActivityId).at(-1);
  assert.ok(last !== undefined);
  return last;
}

/** The request as the bot's database holds it now. */
export async function storedRequest(h: Harness, requestId: string): Promise<RevocationRequest | undefined> {
  const store = await openTestStore(h.databaseUrl);
  try {
    return await store.requests.get(requestId);
  } finally {
    await store.close();
  }
}

/**
 * Waits (at most `timeoutMs`) until the stored request is in one of `states`; the request as
 * stored then. Fails at once when there is no such request.
 */
export async function waitForState(h: Harness, requestId: string, states: RequestState | RequestState[], timeoutMs = 20_000): Promise<RevocationRequest> {
  const wanted: RequestState[] = Array.isArray(states) ? states : [states];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stored = await storedRequest(h, requestId);
    assert.ok(stored !== undefined, `there is no request ${requestId}`);
    if (wanted.includes(stored.state)) return stored;
    assert.ok(
      Date.now() < until,
      `request ${requestId} is still ${stored.state}, not ${wanted.join(" or ")}, after ${timeoutMs} ms, with ${stored.outcomes.length} outcomes for ${stored.targets.length} targets`,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The PATCH /users/{id} calls Graph received so far that set accountEnabled to true (enables). */
export function enablePatches(h: Harness): Harness["sim"]["requests"] {
  return h.sim.requests.filter((r) => r.method === "PATCH" && /^\/v1\.0\/users\//.test(r.path) && JSON.stringify(r.body ?? "").includes('"accountEnabled":true'));
}

/** The PATCH /users/{id} calls Graph received so far that set a password (resets). */
export function passwordPatches(h: Harness): Harness["sim"]["requests"] {
  return h.sim.requests.filter((r) => r.method === "PATCH" && /^\/v1\.0\/users\//.test(r.path) && JSON.stringify(r.body ?? "").includes("passwordProfile"));
}

/** The confirmCompromised calls Identity Protection received so far. */
export function confirmCompromisedCalls(h: Harness): Harness["sim"]["requests"] {
  return h.sim.requests.filter((r) => r.method === "POST" && r.path === "/v1.0/identityProtection/riskyUsers/confirmCompromised");
}

/** The revokeSignInSessions calls Graph received so far, as the user IDs revoked. */
export function revokedUserIds(h: Harness): string[] {
  return h.sim.requests
    .filter((r) => r.method === "POST" && r.path.endsWith("/revokeSignInSessions"))
    .map((r) => r.path.replace(/^\/v1\.0\/users\//, "").replace(/\/revokeSignInSessions$/, ""));
}
