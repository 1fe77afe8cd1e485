/**
 * The only reader of process.env. Everything the bot is configured by is validated here once, at
 * start, and handed to the rest of the code as a frozen object; a bad value stops the process with
 * one line per problem that names the variable and says what to set instead.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

/** Shortest audit key accepted: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_AUDIT_KEY_LENGTH = 32;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Microsoft's own sign-in hosts, which MSAL's instance discovery knows; any other authority (for
 * Graph: AZURE_AUTHORITY_HOST; for the connector: BOT_LOGIN_URL) is used with discovery off.
 */
export const MICROSOFT_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

export type BotType = "SingleTenant" | "MultiTenant" | "UserAssignedMsi";

export type GraphCredentialConfig =
  | { kind: "secret"; tenantId: string; clientId: string; clientSecret: string }
  | { kind: "certificate"; tenantId: string; clientId: string; certificatePath: string }
  | { kind: "managedIdentity"; clientId: string; tenantId: string | undefined };

export interface AppConfig {
  port: number;
  bot: {
    /** Empty string: inbound authentication is off (demo or ALLOW_UNAUTHENTICATED only). */
    id: string;
    password: string;
    tenantId: string;
    type: BotType;
    allowUnauthenticated: boolean;
    /** False when BOT_ID is empty (demo mode or ALLOW_UNAUTHENTICATED): the bot then binds 127.0.0.1 only. */
    inboundAuth: boolean;
    /** Inbound channel tokens: OpenID metadata and issuer (public cloud by default). */
    openIdMetadataUrl: string;
    tokenIssuer: string;
    /** Outbound channel tokens: login URL (undefined: botbuilder's default for the bot type) and scope. */
    loginUrl: string | undefined;
    oauthScope: string;
    /** Lower-case tenant IDs whose Teams activities are accepted (ALLOWED_TENANT_IDS, default the bot's tenant). */
    allowedTenantIds: readonly string[];
  };
  demoMode: boolean;
  graph: {
    credential: GraphCredentialConfig;
    authorityHost: string;
    /** True when the authority is not a Microsoft cloud (the simulator): MSAL must skip instance discovery. */
    disableInstanceDiscovery: boolean;
    baseUrl: string;
  };
  roles: {
    revokerGroupIds: readonly string[];
    approverGroupIds: readonly string[];
  };
  fourEyesMinTargets: number;
  requestTtlMinutes: number;
  /** How long a revocation job's lease lasts without renewal before another runner may resume it. */
  jobLeaseSeconds: number;
  /** Graph's write quota for this app in this tenant: writes per window (3,000 per 150 s). */
  graphWriteQuota: number;
  graphWriteWindowSeconds: number;
  /** Largest target set one request may hold. */
  maxTargets: number;
  /** Pending requests one requester may hold at once (MAX_PENDING_PER_REQUESTER). */
  maxPendingPerRequester: number;
  /** `--disable` always needs a second person, whatever the number of targets (DISABLE_NEEDS_SECOND_PERSON). */
  disableNeedsSecondPerson: boolean;
  /** Hours the revoked users' sign-ins are watched after a revocation (WATCH_HOURS); 0 = off. */
  watchHours: number;
  /**
   * The audit chain's HMAC key (from AUDIT_KEY_FILE or AUDIT_KEY), never stored in the database.
   * Undefined: the chain is hashed without a key (a warning at start says what that allows).
   */
  auditKey: Buffer | undefined;
  /** Where the key came from, for the start-up log (never the key). */
  auditKeySource: string | undefined;
  /** Object IDs (lower-case) and UPNs (lower-case) that are never revoked. */
  protectedUsers: readonly string[];
  auditChannelId: string | undefined;
  /** The automation API (docs/automation-api.md). */
  api: {
    /** Teams channel where requests from automation are posted for approval (APPROVAL_CHANNEL_ID); undefined: the audit channel. */
    approvalChannelId: string | undefined;
    /** The tenant whose tokens are accepted (AZURE_TENANT_ID, else BOT_TENANT_ID); undefined: the API answers 503. */
    tenantId: string | undefined;
    /** POSTs one app may send per minute (API_REQUESTS_PER_MINUTE); reads may be ten times as many. */
    requestsPerMinute: number;
    /**
     * The app registration that defines the API's audience and app roles (API_APP_ID); default
     * AZURE_CLIENT_ID. A managed identity cannot define app roles, so a deployment on one sets it.
     */
    appId: string;
  };
  databaseUrl: string;
  /**
   * How the PostgreSQL password is obtained (DATABASE_AUTH): "password" (in DATABASE_URL or PG*
   * variables, the default) or "entra" (a Microsoft Entra access token from the bot's Azure
   * credential, fetched for each new connection; Azure Database for PostgreSQL with Entra auth).
   */
  databaseAuth: "password" | "entra";
  /** Instances configured to run at once (INSTANCE_COUNT); SQLite is refused above 1. */
  instanceCount: number;
  /** The folder of the SQLite database (./data for PostgreSQL): the demo's logs live here too. */
  dataDir: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** OpenTelemetry: off unless a connection string or a metrics port is set. */
  telemetry: { connectionString?: string; metricsPort?: number; metricsHost: string; exportIntervalMs?: number };
}

/** Thrown by readConfig: one human-readable line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );

/** true/false/1/0/yes/no; empty or unset gives `fallback`. */
function booleanWithDefault(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const s = v.trim().toLowerCase();
      if (s === "true" || s === "1" || s === "yes") return true;
      if (s === "false" || s === "0" || s === "no") return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });
}

const booleanFlag = booleanWithDefault(false);

/** A whole number from `min` to `max` in `v`; otherwise an issue on `ctx` and z.NEVER. */
function wholeNumberIn(v: string, min: number, max: number, ctx: z.RefinementCtx): number {
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a whole number from ${min} to ${max}, got "${v}"` });
    return z.NEVER;
  }
  return n;
}

function integer(name: string, fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? fallback : wholeNumberIn(v, min, max, ctx)))
    .describe(name);
}

/** Like integer(), with no default: unset or empty is undefined (the feature is off). */
function optionalInteger(name: string, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? undefined : wholeNumberIn(v, min, max, ctx)))
    .describe(name);
}

/** The https:// URL in `raw`, without trailing slashes; otherwise an issue on `ctx` and z.NEVER. */
function checkedHttpsUrl(raw: string, ctx: z.RefinementCtx): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected an https:// URL, got "${raw}"` });
    return z.NEVER;
  }
  if (url.protocol !== "https:") {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must use https:// (Microsoft Graph, @azure/identity and the Bot Connector require it), got "${raw}"` });
    return z.NEVER;
  }
  return raw.replace(/\/+$/, "");
}

/** An https:// URL, `fallback` when unset. */
function httpsUrl(fallback: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => checkedHttpsUrl(v === undefined || v.trim() === "" ? fallback : v.trim(), ctx));
}

/** An optional https:// URL (undefined when unset). */
function optionalHttpsUrl() {
  return z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? undefined : checkedHttpsUrl(v.trim(), ctx)));
}

/** A string, `fallback` when unset or blank. */
function stringOr(fallback: string) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? fallback : v.trim()));
}

const guidList = (what: string) =>
  csv.superRefine((ids, ctx) => {
    for (const id of ids) {
      if (!GUID.test(id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${id}" is not an Entra object ID (a GUID such as 8f1c…-…); list the ${what} group object IDs, comma-separated`,
        });
      }
    }
  });

const schema = z.object({
  PORT: integer("PORT", 3978, 0, 65535),
  BOT_ID: optionalString,
  BOT_PASSWORD: optionalString,
  BOT_TENANT_ID: optionalString,
  BOT_TYPE: z
    .string()
    .optional()
    .transform((v, ctx): BotType => {
      const s = (v ?? "").trim();
      if (s === "") return "MultiTenant";
      const match = (["SingleTenant", "MultiTenant", "UserAssignedMsi"] as const).find(
        (t) => t.toLowerCase() === s.toLowerCase(),
      );
      if (match === undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected SingleTenant, MultiTenant or UserAssignedMsi, got "${s}"`,
        });
        return z.NEVER;
      }
      return match;
    }),
  ALLOW_UNAUTHENTICATED: booleanFlag,
  ALLOWED_TENANT_IDS: csv.superRefine((ids, ctx) => {
    for (const id of ids) {
      if (!GUID.test(id)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${id}" is not a tenant ID (a GUID); list the Entra tenant IDs whose Teams may use the bot, comma-separated` });
      }
    }
  }),
  BOT_OPENID_METADATA_URL: httpsUrl("https://login.botframework.com/v1/.well-known/openidconfiguration"),
  BOT_TOKEN_ISSUER: stringOr("https://api.botframework.com"),
  BOT_LOGIN_URL: optionalHttpsUrl(),
  BOT_OAUTH_SCOPE: stringOr("https://api.botframework.com"),
  AUDIT_KEY_FILE: optionalString,
  AUDIT_KEY: optionalString,
  MAX_PENDING_PER_REQUESTER: integer("MAX_PENDING_PER_REQUESTER", 5, 1, 1000),
  DISABLE_NEEDS_SECOND_PERSON: booleanWithDefault(true),
  WATCH_HOURS: integer("WATCH_HOURS", 24, 0, 720),
  DEMO_MODE: booleanFlag,
  AZURE_TENANT_ID: optionalString,
  AZURE_CLIENT_ID: optionalString,
  AZURE_CLIENT_SECRET: optionalString,
  AZURE_CLIENT_CERTIFICATE_PATH: optionalString,
  AZURE_USE_MANAGED_IDENTITY: booleanFlag,
  AZURE_AUTHORITY_HOST: httpsUrl("https://login.microsoftonline.com"),
  GRAPH_BASE_URL: httpsUrl("https://graph.microsoft.com/v1.0"),
  REVOKER_GROUP_IDS: guidList("revoker"),
  APPROVER_GROUP_IDS: guidList("approver"),
  FOUR_EYES_MIN_TARGETS: integer("FOUR_EYES_MIN_TARGETS", 2, 1, 100000),
  REQUEST_TTL_MINUTES: integer("REQUEST_TTL_MINUTES", 30, 1, 7 * 24 * 60),
  JOB_LEASE_SECONDS: integer("JOB_LEASE_SECONDS", 30, 2, 600),
  GRAPH_WRITE_QUOTA: integer("GRAPH_WRITE_QUOTA", 3000, 1, 1_000_000),
  GRAPH_WRITE_WINDOW_SECONDS: integer("GRAPH_WRITE_WINDOW_SECONDS", 150, 1, 3600),
  MAX_TARGETS: integer("MAX_TARGETS", 200_000, 1, 1_000_000),
  PROTECTED_USER_IDS: csv.superRefine((items, ctx) => {
    for (const item of items) {
      if (!GUID.test(item) && !UPN.test(item)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${item}" is neither an object ID (GUID) nor a UPN (name@domain)`,
        });
      }
    }
  }),
  AUDIT_CHANNEL_ID: optionalString,
  APPROVAL_CHANNEL_ID: optionalString,
  API_REQUESTS_PER_MINUTE: integer("API_REQUESTS_PER_MINUTE", 30, 1, 10_000),
  API_APP_ID: optionalString.superRefine((v, ctx) => {
    if (v !== undefined && !GUID.test(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected the application (client) ID of the API's app registration (a GUID), got "${v}"` });
    }
  }),
  DATABASE_AUTH: z
    .string()
    .optional()
    .transform((v, ctx): "password" | "entra" => {
      const s = (v ?? "").trim().toLowerCase();
      if (s === "" || s === "password") return "password";
      if (s === "entra") return "entra";
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected password or entra, got "${v}"` });
      return z.NEVER;
    }),
  INSTANCE_COUNT: integer("INSTANCE_COUNT", 1, 1, 30),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v === undefined || v.trim() === "" ? "sqlite:./data/revoke-bot.db" : v.trim();
      if (!/^sqlite:.+/.test(raw) && !/^postgres(ql)?:\/\/.+/.test(raw)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected sqlite:<path> or postgres://user@host/db, got "${redactUrl(raw)}"`,
        });
        return z.NEVER;
      }
      return raw;
    }),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v?.trim() ?? "";
      if (raw === "") return undefined;
      // "InstrumentationKey=…;IngestionEndpoint=https://…/;…", as the Azure portal shows it.
      if (!/(^|;)\s*InstrumentationKey=[0-9a-f-]{36}\s*(;|$)/i.test(raw)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "expected the connection string the Application Insights resource shows (InstrumentationKey=…;IngestionEndpoint=https://…)" });
        return z.NEVER;
      }
      return raw;
    }),
  /** A Prometheus endpoint on its own port; off when unset. */
  METRICS_PORT: optionalInteger("METRICS_PORT", 1, 65535),
  /** OpenTelemetry's standard setting: milliseconds between metric exports to Azure Monitor. */
  OTEL_METRIC_EXPORT_INTERVAL: optionalInteger("OTEL_METRIC_EXPORT_INTERVAL", 100, 3_600_000),
  /** Where the Prometheus endpoint listens: loopback unless a scraper elsewhere must reach it. */
  METRICS_HOST: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? "127.0.0.1" : v.trim())),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? "").trim().toLowerCase() || "info";
      const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
      const level = levels.find((l) => l === s);
      if (level === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected one of ${levels.join(", ")}, got "${v}"` });
        return z.NEVER;
      }
      return level;
    }),
});

/**
 * A connection URL as it may be logged or shown: scheme, user, host, port and path only. The
 * password and the whole query (password=, sslpassword=, sslkey=, …) are left out. The URL is
 * parsed rather than pattern-matched, so a password holding "@", ":", "/" or "?" cannot leak;
 * what does not parse is not shown at all.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    return scheme === undefined ? "(a value that is not a URL)" : `${scheme}: URL that cannot be parsed (not shown)`;
  }
  if (parsed.protocol === "sqlite:") return url.includes("?") ? `sqlite:${url.slice("sqlite:".length, url.indexOf("?"))}` : url;
  const user = parsed.username === "" ? "" : `${parsed.username}@`;
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
}

/**
 * The audit key from AUDIT_KEY_FILE (a file holding it) or AUDIT_KEY, never both; problems are
 * added to `problems`. The source is a description for the start-up log, never the key.
 */
function auditKeyFrom(file: string | undefined, value: string | undefined, problems: string[]): { auditKey: Buffer | undefined; auditKeySource: string | undefined } {
  let auditKey: Buffer | undefined;
  let auditKeySource: string | undefined;
  if (file !== undefined && value !== undefined) {
    problems.push("AUDIT_KEY_FILE and AUDIT_KEY: set one of them, not both");
  } else if (file !== undefined) {
    try {
      auditKey = Buffer.from(readFileSync(file, "utf8").trim(), "utf8");
      auditKeySource = `file ${file}`;
    } catch (err) {
      problems.push(`AUDIT_KEY_FILE: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? "error"}); point it at a file holding the audit key`);
    }
  } else if (value !== undefined) {
    auditKey = Buffer.from(value, "utf8");
    auditKeySource = "AUDIT_KEY";
  }
  if (auditKey !== undefined && auditKey.length < MIN_AUDIT_KEY_LENGTH) {
    problems.push(
      `${file !== undefined ? "AUDIT_KEY_FILE" : "AUDIT_KEY"}: the key is ${auditKey.length} characters; use at least ${MIN_AUDIT_KEY_LENGTH} random characters (e.g. the output of \`openssl rand -hex 32\`)`,
    );
    auditKey = undefined;
  }
  return { auditKey, auditKeySource };
}

/**
 * Reads only AUDIT_KEY_FILE / AUDIT_KEY, for the command-line tools (audit:verify, audit:rotate-key).
 * @returns the key, or undefined when neither is set
 * @throws ConfigError when both are set, the file cannot be read or the key is too short
 */
export function readAuditKey(env: Record<string, string | undefined> = process.env): { key: Buffer; source: string } | undefined {
  const problems: string[] = [];
  const file = schema.shape.AUDIT_KEY_FILE.safeParse(env.AUDIT_KEY_FILE);
  const value = schema.shape.AUDIT_KEY.safeParse(env.AUDIT_KEY);
  const { auditKey, auditKeySource } = auditKeyFrom(file.success ? file.data : undefined, value.success ? value.data : undefined, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return auditKey === undefined || auditKeySource === undefined ? undefined : { key: auditKey, source: auditKeySource };
}

/**
 * Reads only DATABASE_URL, for the command-line tools (migrate, audit:verify, audit:export) that
 * need the database and nothing else.
 * @throws ConfigError when it is malformed
 */
export function readDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  const result = schema.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `DATABASE_URL: ${i.message}`));
  return result.data;
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

  if (e.REVOKER_GROUP_IDS?.length === 0) {
    problems.push(
      "REVOKER_GROUP_IDS: required; set it to the object ID(s) of the Entra group(s) whose members may request revocations",
    );
  }
  if (e.APPROVER_GROUP_IDS?.length === 0) {
    problems.push(
      "APPROVER_GROUP_IDS: required; set it to the object ID(s) of the Entra group(s) whose members may approve revocations",
    );
  }

  const botId = e.BOT_ID ?? "";
  if (botId === "") {
    if (!e.DEMO_MODE && !e.ALLOW_UNAUTHENTICATED) {
      problems.push(
        "BOT_ID: required; set it to the bot's Microsoft App ID (inbound requests cannot be authenticated without it). Only for local testing, ALLOW_UNAUTHENTICATED=true runs without it",
      );
    }
  } else {
    if (!GUID.test(botId)) problems.push(`BOT_ID: expected the bot's Microsoft App ID (a GUID), got "${botId}"`);
    if (e.BOT_TYPE !== "UserAssignedMsi" && e.BOT_PASSWORD === undefined) {
      problems.push("BOT_PASSWORD: required with BOT_ID (the bot registration's client secret), unless BOT_TYPE=UserAssignedMsi");
    }
    if ((e.BOT_TYPE === "SingleTenant" || e.BOT_TYPE === "UserAssignedMsi") && e.BOT_TENANT_ID === undefined) {
      problems.push(`BOT_TENANT_ID: required when BOT_TYPE=${e.BOT_TYPE}; set it to your Entra tenant ID`);
    }
  }

  let credential: GraphCredentialConfig | undefined;
  if (e.AZURE_CLIENT_ID === undefined) {
    problems.push("AZURE_CLIENT_ID: required; set it to the application (client) ID of the Graph app registration");
  } else if (!GUID.test(e.AZURE_CLIENT_ID)) {
    problems.push(`AZURE_CLIENT_ID: expected an application (client) ID (a GUID), got "${e.AZURE_CLIENT_ID}"`);
  } else if (e.AZURE_USE_MANAGED_IDENTITY) {
    credential = { kind: "managedIdentity", clientId: e.AZURE_CLIENT_ID, tenantId: e.AZURE_TENANT_ID };
  } else if (e.AZURE_TENANT_ID === undefined) {
    problems.push("AZURE_TENANT_ID: required; set it to your Entra tenant ID (Overview page of Microsoft Entra ID)");
  } else if (e.AZURE_CLIENT_SECRET !== undefined && e.AZURE_CLIENT_CERTIFICATE_PATH !== undefined) {
    problems.push("AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PATH: set one of them, not both");
  } else if (e.AZURE_CLIENT_SECRET !== undefined) {
    credential = {
      kind: "secret",
      tenantId: e.AZURE_TENANT_ID,
      clientId: e.AZURE_CLIENT_ID,
      clientSecret: e.AZURE_CLIENT_SECRET,
    };
  } else if (e.AZURE_CLIENT_CERTIFICATE_PATH !== undefined) {
    credential = {
      kind: "certificate",
      tenantId: e.AZURE_TENANT_ID,
      clientId: e.AZURE_CLIENT_ID,
      certificatePath: e.AZURE_CLIENT_CERTIFICATE_PATH,
    };
  } else {
    problems.push(
      "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH: one is required for Graph (or set AZURE_USE_MANAGED_IDENTITY=true on Azure)",
    );
  }
  if (e.AZURE_TENANT_ID !== undefined && !GUID.test(e.AZURE_TENANT_ID)) {
    problems.push(`AZURE_TENANT_ID: expected a tenant ID (a GUID), got "${e.AZURE_TENANT_ID}"`);
  }

  const allowedTenantIds = (e.ALLOWED_TENANT_IDS ?? []).length > 0 ? e.ALLOWED_TENANT_IDS : [e.BOT_TENANT_ID ?? e.AZURE_TENANT_ID ?? ""].filter((t) => t !== "");
  if (e.ALLOWED_TENANT_IDS !== undefined && allowedTenantIds.length === 0) {
    problems.push("ALLOWED_TENANT_IDS: required when neither BOT_TENANT_ID nor AZURE_TENANT_ID is set; set it to your Entra tenant ID");
  }

  const { auditKey, auditKeySource } = auditKeyFrom(e.AUDIT_KEY_FILE, e.AUDIT_KEY, problems);

  const sqlite = e.DATABASE_URL?.startsWith("sqlite:") === true;
  if (sqlite && e.INSTANCE_COUNT > 1) {
    problems.push(
      `DATABASE_URL: SQLite is one file on one machine, but INSTANCE_COUNT=${e.INSTANCE_COUNT}; set DATABASE_URL to a PostgreSQL server (postgres://…) to run more than one instance`,
    );
  }
  if (e.DATABASE_AUTH === "entra") {
    if (e.DATABASE_URL === undefined || sqlite) {
      problems.push("DATABASE_AUTH: entra needs a PostgreSQL DATABASE_URL (postgres://<identity name>@<server>.postgres.database.azure.com/<db>?sslmode=require)");
    } else if (hasPassword(e.DATABASE_URL)) {
      problems.push("DATABASE_URL: holds a password, but DATABASE_AUTH=entra takes the password from Entra; remove it from the URL");
    }
  }

  if (failed || problems.length > 0 || credential === undefined) throw new ConfigError(problems);

  const sqlitePath = /^sqlite:(.+)$/.exec(e.DATABASE_URL)?.[1];
  const dataDir = sqlitePath === undefined ? "./data" : dirnameOf(sqlitePath);

  const config: AppConfig = {
    port: e.PORT,
    bot: {
      id: botId,
      password: e.BOT_PASSWORD ?? "",
      tenantId: e.BOT_TENANT_ID ?? "",
      type: e.BOT_TYPE,
      allowUnauthenticated: e.ALLOW_UNAUTHENTICATED,
      inboundAuth: botId !== "",
      openIdMetadataUrl: e.BOT_OPENID_METADATA_URL,
      tokenIssuer: e.BOT_TOKEN_ISSUER,
      loginUrl: e.BOT_LOGIN_URL,
      oauthScope: e.BOT_OAUTH_SCOPE,
      allowedTenantIds: Object.freeze(allowedTenantIds.map((t) => t.toLowerCase())),
    },
    demoMode: e.DEMO_MODE,
    graph: {
      credential,
      authorityHost: e.AZURE_AUTHORITY_HOST,
      disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(new URL(e.AZURE_AUTHORITY_HOST).hostname),
      baseUrl: e.GRAPH_BASE_URL,
    },
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
    api: {
      approvalChannelId: e.APPROVAL_CHANNEL_ID,
      tenantId: (e.AZURE_TENANT_ID ?? e.BOT_TENANT_ID)?.toLowerCase(),
      requestsPerMinute: e.API_REQUESTS_PER_MINUTE,
      appId: e.API_APP_ID ?? credential.clientId,
    },
    databaseUrl: e.DATABASE_URL,
    databaseAuth: e.DATABASE_AUTH,
    instanceCount: e.INSTANCE_COUNT,
    dataDir,
    logLevel: e.LOG_LEVEL,
    telemetry: {
      ...(e.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined ? {} : { connectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING }),
      ...(e.METRICS_PORT === undefined ? {} : { metricsPort: e.METRICS_PORT }),
      metricsHost: e.METRICS_HOST,
      ...(e.OTEL_METRIC_EXPORT_INTERVAL === undefined ? {} : { exportIntervalMs: e.OTEL_METRIC_EXPORT_INTERVAL }),
    },
  };
  return deepFreeze(config);
}

/** The names of every variable readConfig reads (the deployment template's check uses them). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== "" || parsed.searchParams.has("password");
  } catch {
    return false;
  }
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

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
