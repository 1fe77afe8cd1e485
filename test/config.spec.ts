import assert from "node:assert/strict";
import { CONFIG_VARIABLES, ConfigError, readConfig } from "../src/config.js";
import { apiVariables } from "../src/config/api.js";
import { auditVariables } from "../src/config/audit.js";
import { botVariables } from "../src/config/bot.js";
import { graphVariables } from "../src/config/graph.js";
import { jobVariables } from "../src/config/jobs.js";
import { policyVariables } from "../src/config/policy.js";
import { serverVariables } from "../src/config/server.js";
import { storageVariables } from "../src/config/storage.js";
import { telemetryVariables } from "../src/config/telemetry.js";

const GUID_A = "11111111-1111-4111-8111-111111111111";
const GUID_B = "22222222-2222-4222-8222-222222222222";
const TENANT = "33333333-3333-4333-8333-333333333333";

const valid = {
  BOT_ID: "44444444-4444-4444-8444-444444444444",
  BOT_PASSWORD: "bot-secret",
  BOT_TENANT_ID: TENANT,
  BOT_TYPE: "SingleTenant",
  AZURE_TENANT_ID: TENANT,
  AZURE_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
  AZURE_CLIENT_SECRET: "graph-secret",
  REVOKER_GROUP_IDS: GUID_A,
  APPROVER_GROUP_IDS: `${GUID_B}, ${GUID_A}`,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    readConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.problems];
  }
  assert.fail("expected a ConfigError");
}

describe("readConfig", () => {
  it("applies the documented defaults", () => {
    const c = readConfig(valid);
    assert.equal(c.port, 3978);
    assert.equal(c.graph.baseUrl, "https://graph.microsoft.com/v1.0");
    assert.equal(c.graph.authorityHost, "https://login.microsoftonline.com");
    assert.equal(c.graph.disableInstanceDiscovery, false);
    assert.equal(c.fourEyesMinTargets, 2);
    assert.equal(c.requestTtlMinutes, 30);
    assert.equal(c.databaseUrl, "sqlite:./data/revoke-bot.db");
    assert.equal(c.dataDir, "./data");
    assert.equal(c.logLevel, "info");
    assert.deepEqual(c.roles.approverGroupIds, [GUID_B, GUID_A]);
    assert.deepEqual(c.graph.credential, { kind: "secret", tenantId: TENANT, clientId: valid.AZURE_CLIENT_ID, clientSecret: "graph-secret" });
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.graph));
  });

  it("turns instance discovery off for a non-Microsoft authority", () => {
    const c = readConfig({ ...valid, AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443" });
    assert.equal(c.graph.disableInstanceDiscovery, true);
  });

  it("lists every problem, one line each naming the variable", () => {
    const problems = problemsOf({ PORT: "http", BOT_TYPE: "Weird", FOUR_EYES_MIN_TARGETS: "0", GRAPH_BASE_URL: "http://graph.local/v1.0" });
    for (const name of ["PORT", "BOT_TYPE", "FOUR_EYES_MIN_TARGETS", "GRAPH_BASE_URL"]) {
      assert.ok(problems.some((p) => p.startsWith(`${name}:`)), `${name} in ${problems.join(" | ")}`);
    }
  });

  it("requires the role groups, the Graph credentials and a bot ID", () => {
    const problems = problemsOf({});
    for (const name of ["REVOKER_GROUP_IDS", "APPROVER_GROUP_IDS", "BOT_ID", "AZURE_CLIENT_ID"]) {
      assert.ok(problems.some((p) => p.startsWith(name)), `${name} in ${problems.join(" | ")}`);
    }
  });

  it("refuses an empty BOT_ID unless demo mode or ALLOW_UNAUTHENTICATED", () => {
    const noBot: Record<string, string> = { ...valid };
    delete noBot.BOT_ID;
    delete noBot.BOT_PASSWORD;
    assert.ok(problemsOf(noBot).some((p) => p.startsWith("BOT_ID")));
    assert.equal(readConfig({ ...noBot, ALLOW_UNAUTHENTICATED: "true" }).bot.id, "");
    assert.equal(readConfig({ ...noBot, DEMO_MODE: "true" }).demoMode, true);
  });

  it("rejects malformed group IDs and protected users", () => {
    const problems = problemsOf({ ...valid, REVOKER_GROUP_IDS: "secops", PROTECTED_USER_IDS: "breakglass" });
    assert.ok(problems.some((p) => p.startsWith("REVOKER_GROUP_IDS") && p.includes('"secops"')));
    assert.ok(problems.some((p) => p.startsWith("PROTECTED_USER_IDS") && p.includes('"breakglass"')));
  });

  it("accepts protected users as IDs or UPNs, lower-cased", () => {
    const c = readConfig({ ...valid, PROTECTED_USER_IDS: `BreakGlass@Contoso.com, ${GUID_A.toUpperCase()}` });
    assert.deepEqual(c.protectedUsers, ["breakglass@contoso.com", GUID_A]);
  });

  it("never echoes a database password", () => {
    const problems = problemsOf({ ...valid, DATABASE_URL: "mysql://user:hunter2@db/x" });
    assert.ok(problems.every((p) => !p.includes("hunter2")));
  });

  it("chooses the certificate or managed identity credential", () => {
    const noSecret: Record<string, string> = { ...valid };
    delete noSecret.AZURE_CLIENT_SECRET;
    assert.equal(readConfig({ ...noSecret, AZURE_CLIENT_CERTIFICATE_PATH: "/etc/bot/cert.pem" }).graph.credential.kind, "certificate");
    assert.equal(readConfig({ ...noSecret, AZURE_USE_MANAGED_IDENTITY: "true" }).graph.credential.kind, "managedIdentity");
    assert.ok(problemsOf(noSecret).some((p) => p.includes("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")));
  });

  it("defaults the hardening settings: the bot's tenant only, five pending requests, --disable four-eyes, public-cloud channel auth", () => {
    const c = readConfig(valid);
    assert.deepEqual(c.bot.allowedTenantIds, [TENANT]);
    assert.equal(c.bot.inboundAuth, true);
    assert.equal(c.bot.openIdMetadataUrl, "https://login.botframework.com/v1/.well-known/openidconfiguration");
    assert.equal(c.bot.tokenIssuer, "https://api.botframework.com");
    assert.equal(c.bot.oauthScope, "https://api.botframework.com");
    assert.equal(c.bot.loginUrl, undefined);
    assert.equal(c.maxPendingPerRequester, 5);
    assert.equal(c.disableNeedsSecondPerson, true);
    assert.equal(c.auditKey, undefined);
  });

  it("reads ALLOWED_TENANT_IDS, the sovereign-cloud channel settings and DISABLE_NEEDS_SECOND_PERSON", () => {
    const other = "66666666-6666-4666-8666-666666666666";
    const c = readConfig({
      ...valid,
      ALLOWED_TENANT_IDS: `${TENANT}, ${other.toUpperCase()}`,
      BOT_OPENID_METADATA_URL: "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
      BOT_TOKEN_ISSUER: "https://api.botframework.us",
      BOT_LOGIN_URL: "https://login.microsoftonline.us/",
      BOT_OAUTH_SCOPE: "https://api.botframework.us",
      DISABLE_NEEDS_SECOND_PERSON: "false",
    });
    assert.deepEqual(c.bot.allowedTenantIds, [TENANT, other]);
    assert.equal(c.bot.loginUrl, "https://login.microsoftonline.us");
    assert.equal(c.bot.tokenIssuer, "https://api.botframework.us");
    assert.equal(c.disableNeedsSecondPerson, false);
    const problems = problemsOf({ ...valid, ALLOWED_TENANT_IDS: "contoso.com", BOT_OPENID_METADATA_URL: "http://metadata.local", DISABLE_NEEDS_SECOND_PERSON: "perhaps" });
    for (const name of ["ALLOWED_TENANT_IDS", "BOT_OPENID_METADATA_URL", "DISABLE_NEEDS_SECOND_PERSON"]) {
      assert.ok(problems.some((p) => p.startsWith(`${name}:`)), `${name} in ${problems.join(" | ")}`);
    }
  });

  it("does not need BOT_TYPE's tenant when inbound auth is off (the env template's SingleTenant with an empty BOT_ID)", () => {
    const noBot: Record<string, string> = { ...valid, BOT_ID: "", BOT_PASSWORD: "", BOT_TENANT_ID: "", ALLOW_UNAUTHENTICATED: "true" };
    const c = readConfig(noBot);
    assert.equal(c.bot.inboundAuth, false);
    assert.deepEqual(c.bot.allowedTenantIds, [TENANT]);
  });

  it("reads the audit key from AUDIT_KEY or AUDIT_KEY_FILE, never both, and refuses a short one", () => {
    const key = "k".repeat(40);
    assert.equal(readConfig({ ...valid, AUDIT_KEY: key }).auditKey?.toString("utf8"), key);
    assert.ok(problemsOf({ ...valid, AUDIT_KEY: "short" }).some((p) => p.startsWith("AUDIT_KEY:") && !p.includes('"short"')));
    assert.ok(problemsOf({ ...valid, AUDIT_KEY: key, AUDIT_KEY_FILE: "/nonexistent" }).some((p) => p.startsWith("AUDIT_KEY_FILE and AUDIT_KEY")));
    assert.ok(problemsOf({ ...valid, AUDIT_KEY_FILE: "/nonexistent/audit.key" }).some((p) => p.startsWith("AUDIT_KEY_FILE:") && p.includes("ENOENT")));
  });
});

describe("readConfig: running on Azure without a secret", () => {
  const MI = "66666666-6666-4666-8666-666666666666";
  const API = "77777777-7777-4777-8777-777777777777";
  const azure = {
    ...valid,
    BOT_ID: MI,
    BOT_PASSWORD: "",
    BOT_TYPE: "UserAssignedMsi",
    AZURE_CLIENT_ID: MI,
    AZURE_CLIENT_SECRET: "",
    AZURE_USE_MANAGED_IDENTITY: "true",
    API_APP_ID: API,
    DATABASE_URL: "postgres://id-revoke-bot@psql-revoke.postgres.database.azure.com:5432/revokebot?sslmode=require",
    DATABASE_AUTH: "entra",
    INSTANCE_COUNT: "2",
  };

  it("takes the template's settings: the identity for everything, the API's own registration, Entra for the database", () => {
    const c = readConfig(azure);
    assert.equal(c.graph.credential.kind, "managedIdentity");
    assert.equal(c.bot.type, "UserAssignedMsi");
    assert.equal(c.bot.password, "");
    assert.equal(c.api.appId, API);
    assert.equal(c.databaseAuth, "entra");
    assert.equal(c.instanceCount, 2);
  });

  it("defaults: the API's audience is AZURE_CLIENT_ID, the database password is a password, one instance", () => {
    const c = readConfig(valid);
    assert.equal(c.api.appId, valid.AZURE_CLIENT_ID);
    assert.equal(c.databaseAuth, "password");
    assert.equal(c.instanceCount, 1);
  });

  it("refuses SQLite with more than one instance, Entra auth without PostgreSQL or with a password in the URL, and malformed values", () => {
    assert.ok(problemsOf({ ...valid, INSTANCE_COUNT: "3" }).some((p) => p.startsWith("DATABASE_URL:") && p.includes("INSTANCE_COUNT=3")));
    assert.ok(problemsOf({ ...valid, DATABASE_AUTH: "entra" }).some((p) => p.startsWith("DATABASE_AUTH:") && p.includes("PostgreSQL")));
    const withPassword = problemsOf({ ...azure, DATABASE_URL: "postgres://bot:hunter2@db.example.com/revokebot" });
    assert.ok(withPassword.some((p) => p.startsWith("DATABASE_URL:") && p.includes("remove it")));
    assert.ok(!withPassword.join("\n").includes("hunter2"), "the password is never repeated");
    assert.ok(problemsOf({ ...azure, DATABASE_AUTH: "kerberos" }).some((p) => p.startsWith("DATABASE_AUTH:")));
    assert.ok(problemsOf({ ...azure, API_APP_ID: "api://bot" }).some((p) => p.startsWith("API_APP_ID:")));
    assert.ok(problemsOf({ ...azure, INSTANCE_COUNT: "0" }).some((p) => p.startsWith("INSTANCE_COUNT:")));
  });
});

describe("the configuration's sections", () => {
  it("name every variable readConfig reads, each in one section only (a second definition would silently replace the first)", () => {
    const sections = { serverVariables, botVariables, graphVariables, policyVariables, jobVariables, apiVariables, auditVariables, storageVariables, telemetryVariables };
    const owners = new Map<string, string[]>();
    for (const [section, variables] of Object.entries(sections)) {
      for (const name of Object.keys(variables)) owners.set(name, [...(owners.get(name) ?? []), section]);
    }
    const twice = [...owners].filter(([, in_]) => in_.length > 1).map(([name, in_]) => `${name} in ${in_.join(" and ")}`);
    assert.deepEqual(twice, []);
    assert.deepEqual([...owners.keys()].sort(), [...CONFIG_VARIABLES].sort());
  });
});
