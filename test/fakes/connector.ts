import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Activity } from "botbuilder";

/** One call the bot made to the Bot Framework connector. */
export interface ConnectorCall {
  kind: "send" | "reply" | "update";
  conversationId: string;
  /** The activity replied to (reply) or replaced (update). */
  activityId?: string;
  activity: Partial<Activity>;
  /** The ID the connector gave the activity (send/reply) or the one it replaced (update). */
  id: string;
  authorization?: string;
}

/**
 * A local stand-in for the Teams connector service (the serviceUrl of incoming activities): it
 * records every activity the bot sends or updates and answers like the real one.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  /** Calls refused for their bearer token (401), with the reason: a test fails on any (see the harness). */
  readonly unauthorized: Array<{ path: string; reason: string }> = [];
  private server: Server | undefined;
  url = "";
  /** Status codes to answer the next calls with instead of success (e.g. 429, 503). */
  /** Activities refused as too big (413), for tests that check nothing was. */
  readonly oversized: Array<Partial<Activity>> = [];
  readonly failNext: Array<{ status: number; retryAfter?: number; when?: (activity: Partial<Activity>) => boolean }> = [];
  /** Answer sends without the new message's ID, as the Agents Playground does. */
  omitIds = false;
  /**
   * Conversations (by root ID) that refuse every call with this status, as Teams does when the bot
   * was removed from the team (403 BotNotInConversationRoster) or the channel is gone (404).
   */
  private readonly refusing = new Map<string, number>();
  /** Calls refused that way, in order. */
  readonly refused: Array<{ conversationId: string; status: number; activity: Partial<Activity> }> = [];

  /** Every call into the conversation is answered with status (403, 404, 400 …) until allowConversation. */
  refuseConversation(conversationId: string, status: number): void {
    this.refusing.set(conversationId.split(";")[0] ?? conversationId, status);
  }

  allowConversation(conversationId: string): void {
    this.refusing.delete(conversationId.split(";")[0] ?? conversationId);
  }

  /**
   * @param checkToken checks each call's Authorization header as the Bot Connector does (undefined:
   *   any or none is accepted, for a bot running with authentication off); returns why it is refused
   */
  constructor(private readonly checkToken?: (authorization: string | undefined) => string | undefined) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body, headers }) => {
          res.writeHead(status, { "content-type": "application/json", ...headers });
          res.end(JSON.stringify(body));
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { code: "ServiceError", message: String(err) } }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  /** Calls into one conversation (thread suffix ignored). */
  in(conversationId: string): ConnectorCall[] {
    const root = conversationId.split(";")[0];
    return this.calls.filter((c) => c.conversationId.split(";")[0] === root);
  }

  /** Text of every message sent into the conversation. */
  texts(conversationId: string): string[] {
    return this.in(conversationId)
      .filter((c) => c.kind !== "update")
      .map((c) => c.activity.text ?? "")
      .filter((t) => t !== "");
  }

  /** Waits until predicate holds over the calls (polling), or fails after timeoutMs. */
  async waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs = 10_000, what = "connector calls"): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; calls so far: ${JSON.stringify(this.calls.map((c) => ({ kind: c.kind, conv: c.conversationId, text: c.activity.text })))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://x");
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
    if (match === null) return { status: 404, body: { error: { code: "NotFound", message: url.pathname } } };
    const refused = this.checkToken?.(req.headers.authorization);
    if (refused !== undefined) {
      this.unauthorized.push({ path: url.pathname, reason: refused });
      return { status: 401, body: { message: "Authorization has been denied for this request." } };
    }
    const sent = JSON.parse(body === "" ? "{}" : body) as Partial<Activity>;
    const root = decodeURIComponent(match[1] ?? "").split(";")[0] ?? "";
    const refusing = this.refusing.get(root);
    if (refusing !== undefined) {
      this.refused.push({ conversationId: decodeURIComponent(match[1] ?? ""), status: refusing, activity: sent });
      return { status: refusing, body: errorBody(refusing) };
    }
    const faultIndex = this.failNext.findIndex((f) => f.when === undefined || f.when(sent));
    const fault = faultIndex < 0 ? undefined : this.failNext.splice(faultIndex, 1)[0];
    if (fault !== undefined) {
      return {
        status: fault.status,
        body: errorBody(fault.status),
        headers: fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) },
      };
    }
    // Teams refuses a bot message over about 100 KB (counted as UTF-16) with 413 MessageSizeTooBig;
    // so does this connector, so a card that grows with its request fails the tests that make one.
    if (Buffer.byteLength(body, "utf16le") > MAX_MESSAGE_BYTES) {
      this.oversized.push(sent);
      return { status: 413, body: { error: { code: "MessageSizeTooBig", message: "Message size too big" } } };
    }
    const conversationId = decodeURIComponent(match[1] ?? "");
    const activityId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const activity = sent;
    const kind = req.method === "PUT" ? "update" : activityId === undefined ? "send" : "reply";
    const id = kind === "update" && activityId !== undefined ? activityId : `act-${randomUUID()}`;
    this.calls.push({ kind, conversationId, activityId, activity, id, authorization: req.headers.authorization });
    return { status: kind === "update" ? 200 : 201, body: this.omitIds && kind !== "update" ? {} : { id } };
  }
}

const MAX_MESSAGE_BYTES = 100 * 1024;

/** The connector's error body for a status, with the code Teams gives it. */
function errorBody(status: number): { error: { code: string; message: string } } {
  const known: Record<number, [string, string]> = {
    400: ["BadArgument", "The activity is malformed."],
    403: ["BotNotInConversationRoster", "The bot is not part of the conversation roster."],
    404: ["ConversationNotFound", "Conversation not found."],
    413: ["MessageSizeTooBig", "Message size too big"],
    429: ["Throttled", "Too many requests."],
  };
  const [code, message] = known[status] ?? ["ServiceError", "injected"];
  return { error: { code, message } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
