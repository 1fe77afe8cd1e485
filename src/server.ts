import type { TeamsAdapter } from "@microsoft/teams-ai";
import type { Application, TurnState } from "@microsoft/teams-ai";
import type { Logger } from "pino";
import restify from "restify";

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
  /** Audit posts waiting for Teams, and set aside after Teams refused them for good (counts only). */
  auditPosts?: { waiting: number; setAside: number };
}

export interface ServerDeps {
  adapter: TeamsAdapter;
  app: Application<TurnState>;
  logger: Logger;
  /** What /readyz reports; called at most every few seconds. */
  readiness: () => Promise<ReadinessReport>;
}

/**
 * The HTTP surface: POST /api/messages (Bot Framework, authenticated by the CloudAdapter),
 * GET /healthz (the process is up) and GET /readyz (store writable, Graph token obtainable).
 */
export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: "teams-revoke-bot", handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));

  server.post("/api/messages", async (req, res) => {
    await deps.adapter.process(req, res, async (context) => {
      await deps.app.run(context);
    });
  });

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
  server.get("/readyz", async (_req, res) => {
    if (cached === undefined || Date.now() - cached.at > 5000) {
      cached = { at: Date.now(), report: await deps.readiness() };
    }
    res.send(cached.report.ready ? 200 : 503, cached.report);
  });

  server.on("restifyError", (req: restify.Request, _res: restify.Response, err: Error, callback: () => void) => {
    deps.logger.warn({ err, path: req.path() }, "request failed");
    callback();
  });
  return server;
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
