/** What /readyz answers: the database and Graph reachable, and the audit posts waiting, set aside or held. */
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import type { Directory } from "../directory/directory.js";
import { userMessageOf } from "../errors.js";
import type { ReadinessReport } from "../server.js";
import type { OpenDatabase } from "../store/database.js";

/**
 * /readyz can be called by anyone: the report names a failing component, never its address or
 * error text (those go to the log), and counts the audit posts waiting and set aside.
 */
export function readinessCheck(database: OpenDatabase, auditor: Auditor, directory: Directory, logger: Logger): () => Promise<ReadinessReport> {
  return async (): Promise<ReadinessReport> => {
    const checks: Record<string, string> = {};
    let ready = true;
    let auditPosts: ReadinessReport["auditPosts"];
    try {
      await database.check();
      checks.store = "ok";
      const backlog = await auditor.backlog();
      auditPosts = backlog;
      if (backlog.setAside > 0) logger.warn({ auditPosts }, "audit posts set aside: Teams refused them permanently (npm run audit:outbox lists and re-queues them; README, \"Audit\")");
      if (backlog.blocked !== undefined) {
        // Not unready: the bot still serves requests and records every entry; only the posts wait.
        checks.auditChannel = `blocked: the audit channel cannot be reached${backlog.blocked.status === undefined ? "" : ` (Teams answered ${backlog.blocked.status})`}; posts are held in order and retried every minute`;
        logger.error({ auditPosts }, "audit channel unreachable: audit posts held (add the bot back to the audit channel's team; README, \"Audit\")");
      }
    } catch (err) {
      ready = false;
      checks.store = "failing: the database cannot be written (details in the log)";
      logger.warn({ err, store: database.description }, "readiness: the database cannot be written");
    }
    try {
      await directory.checkAccess();
      checks.graph = "ok";
    } catch (err) {
      ready = false;
      checks.graph = userMessageOf(err);
    }
    return auditPosts === undefined ? { ready, checks } : { ready, checks, auditPosts };
  };
}
