/**
 * The only reader of process.env. Everything the bot is configured by is validated here once, at
 * start, and handed to the rest of the code as a frozen object; a bad value stops the process with
 * one line per problem that names the variable and says what to set instead.
 *
 * Each section's variables and checks live in src/config/ (server, bot, graph, policy, jobs, api,
 * audit, storage, telemetry); this module reads them together and is the one every importer uses.
 */
import { z } from "zod";
import { apiConfigOf, apiVariables } from "./config/api.js";
import type { AppConfig } from "./config/app-config.js";
import { auditKeyFrom, auditKeyIn, auditVariables } from "./config/audit.js";
import { allowedTenantsOf, botConfigOf, botVariables, checkBotIdentity } from "./config/bot.js";
import { ConfigError } from "./config/config-error.js";
import { graphConfigOf, graphCredentialOf, graphVariables } from "./config/graph.js";
import { jobVariables } from "./config/jobs.js";
import { checkRoleGroups, policyVariables } from "./config/policy.js";
import { serverVariables } from "./config/server.js";
import { checkStorage, databaseUrlIn, dataDirOf, storageVariables } from "./config/storage.js";
import { telemetryConfigOf, telemetryVariables } from "./config/telemetry.js";

export type { AppConfig, BotType, GraphCredentialConfig } from "./config/app-config.js";
export { MIN_AUDIT_KEY_LENGTH } from "./config/audit.js";
export { ConfigError } from "./config/config-error.js";
export { MICROSOFT_AUTHORITY_HOSTS } from "./config/graph.js";
export { redactUrl } from "./config/storage.js";

const schema = z.object({
  ...serverVariables,
  ...botVariables,
  ...graphVariables,
  ...policyVariables,
  ...jobVariables,
  ...apiVariables,
  ...auditVariables,
  ...storageVariables,
  ...telemetryVariables,
});

/**
 * Reads only AUDIT_KEY_FILE / AUDIT_KEY, for the command-line tools (audit:verify, audit:rotate-key).
 * @returns the key, or undefined when neither is set
 * @throws ConfigError when both are set, the file cannot be read or the key is too short
 */
export function readAuditKey(env: Record<string, string | undefined> = process.env): { key: Buffer; source: string } | undefined {
  return auditKeyIn(env);
}

/**
 * Reads only DATABASE_URL, for the command-line tools (migrate, audit:verify, audit:export) that
 * need the database and nothing else.
 * @throws ConfigError when it is malformed
 */
export function readDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  return databaseUrlIn(env);
}

/**
 * Reads and validates the configuration contract of DESIGN.md.
 * @param env the environment to read (tests pass their own); defaults to process.env
 * @throws ConfigError listing every problem, one per line
 */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<AppConfig> {
  // Each variable is parsed on its own, so one bad value does not hide the problems of the others.
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    const result = (field as z.ZodTypeAny).safeParse(env[name]);
    if (result.success) parsed[name] = result.data;
    else for (const issue of result.error.issues) problems.push(`${name}: ${issue.message}`);
  }
  const failed = problems.length > 0;
  // With a failed field the semantic checks below still run on the fields that did parse; the
  // result is never returned while anything failed.
  const e = parsed as z.infer<typeof schema>;

  checkRoleGroups(e, problems);
  const botId = checkBotIdentity(e, problems);
  const credential = graphCredentialOf(e, problems);
  const allowedTenantIds = allowedTenantsOf(e, e.AZURE_TENANT_ID, problems);
  const { auditKey, auditKeySource } = auditKeyFrom(e.AUDIT_KEY_FILE, e.AUDIT_KEY, problems);
  checkStorage(e, problems);

  if (failed || problems.length > 0 || credential === undefined) throw new ConfigError(problems);

  const config: AppConfig = {
    port: e.PORT,
    bot: botConfigOf(e, botId, allowedTenantIds),
    demoMode: e.DEMO_MODE,
    graph: graphConfigOf(e, credential),
    roles: {
      revokerGroupIds: Object.freeze(e.REVOKER_GROUP_IDS.map((s) => s.toLowerCase())),
      approverGroupIds: Object.freeze(e.APPROVER_GROUP_IDS.map((s) => s.toLowerCase())),
    },
    fourEyesMinTargets: e.FOUR_EYES_MIN_TARGETS,
    requestTtlMinutes: e.REQUEST_TTL_MINUTES,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    graphWriteQuota: e.GRAPH_WRITE_QUOTA,
    graphWriteWindowSeconds: e.GRAPH_WRITE_WINDOW_SECONDS,
    maxTargets: e.MAX_TARGETS,
    maxPendingPerRequester: e.MAX_PENDING_PER_REQUESTER,
    disableNeedsSecondPerson: e.DISABLE_NEEDS_SECOND_PERSON,
    watchHours: e.WATCH_HOURS,
    auditKey,
    auditKeySource,
    protectedUsers: Object.freeze(e.PROTECTED_USER_IDS.map((s) => s.toLowerCase())),
    auditChannelId: e.AUDIT_CHANNEL_ID,
    api: apiConfigOf(e, e.AZURE_TENANT_ID ?? e.BOT_TENANT_ID, credential.clientId),
    databaseUrl: e.DATABASE_URL,
    databaseAuth: e.DATABASE_AUTH,
    instanceCount: e.INSTANCE_COUNT,
    dataDir: dataDirOf(e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    telemetry: telemetryConfigOf(e),
  };
  return deepFreeze(config);
}

/** The names of every variable readConfig reads (the deployment template's check uses them). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) {
    // Typed arrays (the audit key) cannot be frozen; nothing hands them out for writing.
    if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) deepFreeze(v as object);
  }
  return Object.freeze(o);
}

/**
 * The Azure Monitor exporter reads these switches from the environment only (it has no option for
 * them), so they are set here, the one module that touches the environment, before it loads. By
 * default it sends "statsbeat" and SDK stats (the SDK's own usage and health, with the
 * instrumentation key and resource attributes) to Microsoft's Application Insights, not the
 * operator's: a security tool does not phone home, so both are off.
 */
export function quietAzureMonitorSdk(env: Record<string, string | undefined> = process.env): void {
  env.APPLICATION_INSIGHTS_NO_STATSBEAT = "true";
  env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = "true";
  env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = "true";
}
