import type { Logger } from "pino";
import restify from "restify";
import { internalError, type ApiResponse } from "./api/problem.js";
import { MAX_API_BODY_BYTES, type BodyReader } from "./api/requests-api.js";
import type { InboundOutcome } from "./bot/inbound-guard.js";
import { errorReference } from "./errors.js";
import { countApiCall, inSpan, recordTurn } from "./telemetry/instruments.js";

/** Largest activity accepted: Teams messages are at most about 100 KB, cards included. */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

/** How much of a refused body is read into nothing (so the client hears the 415/413) before the connection is cut. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
  /**
   * Audit posts waiting for Teams, and set aside after Teams refused them for good (counts only);
   * `blocked` while the audit channel cannot be reached: since when (ISO) and Teams' HTTP status.
   */
  auditPosts?: { waiting: number; setAside: number; blocked?: { since: string; status: number | undefined } };
}

export interface ServerDeps {
  /** Authenticates, guards and runs one activity (src/bot/inbound-guard.ts). */
  handleActivity: (activity: Record<string, unknown>, authorization: string) => Promise<InboundOutcome>;
  /** Authenticated activities refused for their channel or tenant so far (shown on /readyz). */
  refusedActivities: () => number;
  logger: Logger;
  /** What /readyz reports; called at most every few seconds. */
  readiness: () => Promise<ReadinessReport>;
  /** The automation API (src/api/requests-api.ts): POST /api/requests and GET /api/requests/{id}. */
  api?: {
    propose(authorization: string | undefined, readBody: BodyReader): Promise<ApiResponse>;
    read(authorization: string | undefined, id: string, query: URLSearchParams): Promise<ApiResponse>;
  };
}

/** A Teams activity's kind for telemetry: a message turn, a card click (invoke), or anything else. */
function activityKind(body: unknown): "message" | "invoke" | "other" {
  const type = (body as { type?: unknown } | null)?.type;
  return type === "message" ? "message" : type === "invoke" ? "invoke" : "other";
}

/**
 * The HTTP surface: POST /api/messages (Bot Framework, authenticated by the inbound guard),
 * GET /healthz (the process is up) and GET /readyz (store writable, Graph token obtainable).
 *
 * No body parser runs for every route: /api/messages reads its own body, JSON only and bounded, in
 * memory. restify's bodyParser would parse multipart uploads into files in the temp folder before
 * anyone checked a token, and never delete them.
 */
export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: "teams-revoke-bot", handleUncaughtExceptions: false });
  // Every route's failure is one problem+json 500 with a reference; the exception goes to the log.
  const guarded = (handler: (req: restify.Request, res: restify.Response) => Promise<void>) => async (req: restify.Request, res: restify.Response) => {
    try {
      await handler(req, res);
    } catch (err) {
      const correlationId = errorReference();
      deps.logger.error({ err, correlationId, method: req.method, path: req.path() }, "request failed inside the bot");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      writeApiResponse(res, internalError(correlationId));
    }
  };

  server.post("/api/messages", guarded(async (req, res) => {
    const body = await readJsonBody(req, MAX_ACTIVITY_BYTES);
    if (typeof body === "number") {
      discardRest(req, MAX_DISCARDED_BYTES);
      res.send(body);
      return;
    }
    const authorization = req.headers.authorization ?? "";
    const kind = activityKind(body);
    const started = performance.now();
    const outcome = await inSpan("teams.activity", { "revoke_bot.activity.kind": kind }, async (span) => {
      const answered = await deps.handleActivity(body, authorization);
      span.setAttribute("http.response.status_code", answered.status);
      return answered;
    });
    recordTurn(kind, performance.now() - started, outcome.status);
    if (outcome.body === undefined) res.send(outcome.status);
    else res.send(outcome.status, outcome.body);
  }));

  const api = deps.api;
  if (api !== undefined) {
    // The token is checked before the body is read; a body nobody read flows into nothing.
    server.post("/api/requests", guarded(async (req, res) => {
      let read = false;
      const answer = await api.propose(req.headers.authorization, () => {
        read = true;
        return readJsonBody(req, MAX_API_BODY_BYTES);
      });
      if (!read || answer.status === 413 || answer.status === 415) discardRest(req, MAX_DISCARDED_BYTES);
      countApiCall(answer.status);
      writeApiResponse(res, answer);
    }));
    server.get("/api/requests/:id", guarded(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      let id: string;
      try {
        id = decodeURIComponent(url.pathname.slice("/api/requests/".length));
      } catch {
        // Malformed percent-encoding names no request: answered as an unknown one.
        id = "";
      }
      const answer = await api.read(req.headers.authorization, id, url.searchParams);
      countApiCall(answer.status);
      writeApiResponse(res, answer);
    }));
  }

  // Clients such as the Agents Playground probe the endpoint with HEAD before posting.
  server.head("/api/messages", (_req, res, next) => {
    res.send(200);
    next();
  });

  // restify 11 takes either (req, res, next) or an async (req, res).
  server.get("/healthz", (_req, res, next) => {
    res.send(200, { status: "ok" });
    next();
  });

  let cached: { at: number; report: ReadinessReport } | undefined;
  server.get("/readyz", guarded(async (_req, res) => {
    if (cached === undefined || Date.now() - cached.at > 5000) {
      cached = { at: Date.now(), report: await deps.readiness() };
    }
    res.send(cached.report.ready ? 200 : 503, { ...cached.report, refusedActivities: deps.refusedActivities() });
  }));

  server.on("restifyError", (req: restify.Request, _res: restify.Response, err: Error, callback: () => void) => {
    deps.logger.warn({ err, path: req.path() }, "request failed");
    callback();
  });
  return server;
}

/** Writes an API answer as it is: its own content type (problem+json included), no restify formatter. */
function writeApiResponse(res: restify.Response, answer: ApiResponse): void {
  const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...answer.headers, "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Listens on the port (0 = any free one) and resolves with the bound port. */
export function listen(server: restify.Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const onListening = () => {
      server.removeListener("error", reject);
      resolve(server.address().port);
    };
    if (host === undefined) server.listen(port, onListening);
    else server.listen(port, host, onListening);
  });
}

/**
 * Lets the rest of a refused body flow into nothing, neither memory nor disk, so a client still
 * uploading hears the answer instead of a broken pipe; past `cap` bytes the connection is cut.
 */
function discardRest(req: restify.Request, cap: number): void {
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > cap) req.destroy();
  });
  req.resume();
}

/**
 * Reads a JSON object body of at most `limit` bytes into memory. Answers with the status to send
 * instead: 415 for anything but application/json (decided from the header, before the body is
 * read), 413 past the limit (from Content-Length when it says so, else while reading), 400 for
 * malformed JSON or a body that is not a JSON object.
 */
export async function readJsonBody(req: restify.Request, limit: number): Promise<Record<string, unknown> | number> {
  const [mediaType = "", ...params] = (req.headers["content-type"] ?? "").split(";").map((p) => p.trim().toLowerCase());
  if (mediaType !== "application/json") return 415;
  for (const param of params) {
    const [name, value = ""] = param.split("=").map((p) => p.trim().replace(/^"|"$/g, ""));
    if (name === "charset" && value !== "utf-8" && value !== "utf8") return 415;
  }
  if ((req.headers["content-encoding"] ?? "identity").toLowerCase() !== "identity") return 415;
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limit) return 413;
  const raw = await new Promise<Buffer | number>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping it (not destroy: the 413 still has to go out on this socket).
        req.removeListener("data", onData);
        resolve(413);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => resolve(400));
  });
  if (typeof raw === "number") return raw;
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : 400;
  } catch {
    // Malformed JSON: the sender's mistake, answered as such.
    return 400;
  }
}
