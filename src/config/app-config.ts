/** The validated configuration readConfig hands to the rest of the code (frozen). */

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
