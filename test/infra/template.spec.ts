/**
 * infra/azure.json, checked here without Azure: its expressions name what it declares, the app
 * settings make a configuration the bot accepts, no secret leaves it, the managed identity is the
 * only credential, TLS is required everywhere, and the alert rules query metrics the bot emits.
 * What only a real deployment shows is listed in docs/deploy.md ("What was checked where").
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_VARIABLES, readConfig } from "../../src/config.js";
import { METRIC_NAMES } from "../../src/telemetry/metric-names.js";

type Json = Record<string, unknown>;
interface Resource extends Json {
  type: string;
  name: string;
  properties?: Json;
}
interface Template {
  parameters: Record<string, { type: string; defaultValue?: unknown }>;
  variables: Record<string, unknown>;
  resources: Resource[];
  outputs: Record<string, { type: string; value: unknown }>;
}

const ROOT = join(__dirname, "..", "..");
const template = JSON.parse(readFileSync(join(ROOT, "infra", "azure.json"), "utf8")) as Template;
const parametersFile = JSON.parse(readFileSync(join(ROOT, "infra", "azure.parameters.json"), "utf8")) as { parameters: Record<string, unknown> };

/** Every string in a JSON value, with the path to it. */
function strings(value: unknown, path = ""): Array<{ path: string; text: string }> {
  if (typeof value === "string") return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => [...strings(k, `${path}.<key>`), ...strings(v, `${path}.${k}`)]);
  return [];
}

/** The arguments of a call, split at top-level commas (quotes and brackets respected). */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const c of text) {
    if (c === "'") quoted = !quoted;
    if (!quoted && (c === "(" || c === "[")) depth++;
    if (!quoted && (c === ")" || c === "]")) depth--;
    if (!quoted && depth === 0 && c === ",") {
      args.push(current.trim());
      current = "";
    } else current += c;
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

/** Each call of `fn(...)` in an expression: its argument text. */
function calls(expression: string, fn: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(`(?<![A-Za-z])${fn}\\(`, "g");
  for (let m = pattern.exec(expression); m !== null; m = pattern.exec(expression)) {
    let depth = 1;
    let i = m.index + m[0].length;
    let quoted = false;
    for (; i < expression.length && depth > 0; i++) {
      const c = expression[i];
      if (c === "'") quoted = !quoted;
      else if (!quoted && c === "(") depth++;
      else if (!quoted && c === ")") depth--;
    }
    found.push(expression.slice(m.index + m[0].length, i - 1));
  }
  return found;
}

/** A resource's name as the list of its segments' expressions (format('{0}/{1}', a, b) → [a, b]). */
function nameSegments(name: string): string[] {
  if (!name.startsWith("[")) return name.split("/").map((s) => `'${s}'`);
  const inner = name.slice(1, -1);
  const format = /^format\('([^']*)', (.*)\)$/.exec(inner);
  if (format?.[1] === undefined || format[2] === undefined) return [inner];
  const args = splitArgs(format[2]);
  return format[1].split("/").map((part) => {
    const index = /^\{(\d)\}$/.exec(part)?.[1];
    return index === undefined ? `'${part}'` : (args[Number(index)] ?? part);
  });
}

const byType = (type: string): Resource[] => template.resources.filter((r) => r.type === type);
function one(type: string): Resource {
  const [resource, ...rest] = byType(type);
  assert.ok(resource !== undefined && rest.length === 0, `exactly one ${type}`);
  return resource;
}
const site = one("Microsoft.Web/sites");
const siteConfig = (site.properties?.siteConfig ?? {}) as Json & { appSettings: Array<{ name: string; value: string }> };
const appSettings = new Map(siteConfig.appSettings.map((s) => [s.name, s.value]));

describe("infra/azure.json (the ARM template)", () => {
  it("uses only parameters and variables it declares, and declares none it does not use", () => {
    const outer = strings({ variables: template.variables, resources: template.resources, outputs: template.outputs }).filter((s) => !s.path.includes(".template."));
    const used = { parameters: new Set<string>(), variables: new Set<string>() };
    for (const { path, text } of outer) {
      for (const kind of ["parameters", "variables"] as const) {
        for (const arg of calls(text, kind)) {
          const name = /^'([^']+)'$/.exec(arg)?.[1];
          assert.ok(name !== undefined, `${path}: ${kind}(${arg})`);
          assert.ok(kind === "parameters" ? name in template.parameters : name in template.variables, `${path}: ${kind}('${name}') is not declared`);
          used[kind].add(name);
        }
      }
    }
    for (const { text } of strings(template.parameters)) for (const arg of calls(text, "parameters")) used.parameters.add(arg.slice(1, -1));
    assert.deepEqual(Object.keys(template.parameters).filter((p) => !used.parameters.has(p)), [], "unused parameters");
    assert.deepEqual(Object.keys(template.variables).filter((v) => !used.variables.has(v)), [], "unused variables");
    // The nested deployment's inner template uses only its own parameters.
    for (const nested of byType("Microsoft.Resources/deployments")) {
      const inner = (nested.properties?.template ?? {}) as Template;
      for (const { path, text } of strings(inner.resources)) {
        for (const arg of calls(text, "parameters")) assert.ok(arg.slice(1, -1) in inner.parameters, `${nested.name}${path}: ${arg}`);
        assert.equal(calls(text, "variables").length, 0);
      }
      assert.deepEqual(Object.keys(inner.parameters).sort(), Object.keys((nested.properties?.parameters ?? {}) as Json).sort());
    }
    assert.deepEqual(Object.keys(parametersFile.parameters).filter((p) => !(p in template.parameters)), [], "the parameters file names only template parameters");
  });

  it("names only declared resources in resourceId(), reference() and dependsOn", () => {
    const declared = template.resources.map((r) => ({ type: r.type.toLowerCase(), segments: nameSegments(r.name) }));
    const outer = strings({ variables: template.variables, resources: template.resources, outputs: template.outputs }).filter((s) => !s.path.includes(".template."));
    let checked = 0;
    for (const { path, text } of outer) {
      for (const args of calls(text, "resourceId").map(splitArgs)) {
        const [type, ...segments] = args;
        assert.ok(type !== undefined);
        const match = declared.find((d) => `'${d.type}'` === type.toLowerCase() && d.segments.join(",") === segments.join(","));
        assert.ok(match !== undefined, `${path}: resourceId(${args.join(", ")}) names no declared resource`);
        checked++;
      }
      for (const arg of calls(text, "reference")) assert.match(arg, /^resourceId\(/, `${path}: reference() takes a resourceId() here`);
    }
    assert.ok(checked > 30, `${checked} resourceId() calls checked`);
  });

  it("sets every app setting the bot needs: the settings make a configuration readConfig accepts, on the identity alone", () => {
    const platform = new Set(["WEBSITE_NODE_DEFAULT_VERSION", "SCM_DO_BUILD_DURING_DEPLOYMENT", "WEBSITE_HEALTHCHECK_MAXPINGFAILURES", "APPLICATIONINSIGHTS_CONNECTION_STRING"]);
    const unknown = [...appSettings.keys()].filter((n) => !CONFIG_VARIABLES.includes(n) && !platform.has(n));
    assert.deepEqual(unknown, [], "every app setting is a variable the bot reads (or App Service's own)");
    // What the ARM expressions evaluate to in a real deployment, by example.
    const sample: Record<string, string> = {
      AZURE_CLIENT_ID: "6f0c2c1e-1111-4111-8111-111111111111",
      BOT_ID: "6f0c2c1e-1111-4111-8111-111111111111",
      AZURE_TENANT_ID: "7a2d3e4f-2222-4222-8222-222222222222",
      BOT_TENANT_ID: "7a2d3e4f-2222-4222-8222-222222222222",
      API_APP_ID: "8b3e4f50-3333-4333-8333-333333333333",
      REVOKER_GROUP_IDS: "9c4f5061-4444-4444-8444-444444444444",
      APPROVER_GROUP_IDS: "ad506172-5555-4555-8555-555555555555",
      PROTECTED_USER_IDS: "",
      AUDIT_CHANNEL_ID: "",
      DATABASE_URL: "postgres://id-revokebot@psql-revokebot-abc.postgres.database.azure.com:5432/revokebot?sslmode=require",
      INSTANCE_COUNT: "2",
      // The Key Vault reference resolves to the generated key: four GUIDs without hyphens.
      AUDIT_KEY: "0123456789abcdef".repeat(6),
    };
    const env: Record<string, string> = {};
    for (const [name, value] of appSettings) env[name] = value.startsWith("[") ? (sample[name] ?? "") : value;
    for (const [name, value] of appSettings) if (value.startsWith("[")) assert.ok(name in sample || platform.has(name), `${name} has an example value`);
    const config = readConfig(env);
    assert.equal(config.graph.credential.kind, "managedIdentity");
    assert.equal(config.bot.type, "UserAssignedMsi");
    assert.equal(config.bot.inboundAuth, true);
    assert.equal(config.databaseAuth, "entra");
    assert.equal(config.instanceCount, 2);
    assert.equal(config.api.appId, sample.API_APP_ID);
    assert.equal(appSettings.get("INSTANCE_COUNT"), "[string(parameters('instanceCount'))]");
    assert.equal((one("Microsoft.Web/serverfarms").sku as Json).capacity, "[parameters('instanceCount')]");
  });

  it("holds no secret in an app setting, an output or the parameters file; the audit key is generated and read through a Key Vault reference", () => {
    for (const name of appSettings.keys()) assert.doesNotMatch(name, /PASSWORD|SECRET|CERTIFICATE/, name);
    assert.match(appSettings.get("AUDIT_KEY") ?? "", /^\[format\('@Microsoft\.KeyVault\(VaultName=\{0\};SecretName=\{1\}\)'/);
    const text = JSON.stringify(template);
    assert.doesNotMatch(text, /list(Keys|Secrets|Credentials|ConnectionStrings)\(/i, "no key is listed anywhere");
    for (const [name, output] of Object.entries(template.outputs)) {
      assert.doesNotMatch(name, /KEY$|SECRET|PASSWORD|CONNECTION/i, name);
      assert.doesNotMatch(JSON.stringify(output.value), /auditKeySeed|secrets|ConnectionString/, name);
    }
    const secureParams = Object.entries(template.parameters).filter(([, p]) => p.type.toLowerCase().startsWith("secure")).map(([n]) => n);
    assert.deepEqual(secureParams, ["auditKeySeed"]);
    assert.equal(template.parameters.auditKeySeed?.defaultValue, "[concat(newGuid(), newGuid(), newGuid())]");
    assert.ok(!("auditKeySeed" in parametersFile.parameters), "the key's seed is never in the parameters file");
    const uses = strings(template.resources).filter((s) => s.text.includes("auditKeySeed"));
    assert.deepEqual(uses.map((u) => u.path), ["[4].properties.value"], "the seed goes into the Key Vault secret and nowhere else");
    const secret = one("Microsoft.KeyVault/vaults/secrets");
    assert.equal(secret.condition, "[equals(parameters('generateAuditKey'), 'true')]", "a re-deployment does not replace the key");
  });

  it("has the managed identity as the only credential of the bot, the database and Key Vault", () => {
    const identityId = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName'))]";
    assert.deepEqual(site.identity, { type: "UserAssigned", userAssignedIdentities: { [identityId]: {} } });
    assert.equal(site.properties?.keyVaultReferenceIdentity, identityId);
    const bot = one("Microsoft.BotService/botServices").properties ?? {};
    assert.equal(bot.msaAppType, "UserAssignedMSI");
    assert.equal(bot.msaAppMSIResourceId, identityId);
    assert.equal(bot.disableLocalAuth, true);
    assert.equal(one("Microsoft.BotService/botServices/channels").properties?.channelName, "MsTeamsChannel");
    const postgres = one("Microsoft.DBforPostgreSQL/flexibleServers").properties ?? {};
    assert.deepEqual(postgres.authConfig, { activeDirectoryAuth: "Enabled", passwordAuth: "Disabled", tenantId: "[subscription().tenantId]" });
    assert.ok(!("administratorLogin" in postgres) && !("administratorLoginPassword" in postgres));
    const admin = JSON.stringify(one("Microsoft.Resources/deployments"));
    assert.match(admin, /flexibleServers\/administrators/);
    assert.match(admin, /"principalType":"ServicePrincipal"/);
    assert.equal((one("Microsoft.KeyVault/vaults").properties ?? {}).enableRbacAuthorization, true);
    const role = one("Microsoft.Authorization/roleAssignments").properties ?? {};
    assert.match(String(role.roleDefinitionId), /4633458b-17de-408a-b874-0445c86b69e6|keyVaultSecretsUserRole/);
    assert.equal(template.variables.keyVaultSecretsUserRole, "4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User: read secrets, nothing more");
    for (const policy of byType("Microsoft.Web/sites/basicPublishingCredentialsPolicies")) assert.equal(policy.properties?.allow, false, policy.name);
    assert.equal(byType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").length, 2, "FTP and SCM basic auth both off");
  });

  it("requires HTTPS and TLS 1.2 everywhere, and runs Node 22 with Always On and /healthz", () => {
    assert.equal(site.properties?.httpsOnly, true);
    assert.equal(siteConfig.minTlsVersion, "1.2");
    assert.equal(siteConfig.scmMinTlsVersion, "1.2");
    assert.equal(siteConfig.ftpsState, "Disabled");
    assert.equal(siteConfig.linuxFxVersion, "NODE|22-lts");
    assert.equal(siteConfig.alwaysOn, true);
    assert.equal(siteConfig.healthCheckPath, "/healthz");
    const settings = Object.fromEntries(byType("Microsoft.DBforPostgreSQL/flexibleServers/configurations").map((c) => [c.name, c.properties?.value]));
    assert.deepEqual(settings, { "[format('{0}/require_secure_transport', variables('postgresName'))]": "on", "[format('{0}/ssl_min_protocol_version', variables('postgresName'))]": "TLSv1.2" });
    assert.match(appSettings.get("DATABASE_URL") ?? "", /sslmode=require/);
  });

  it("opens to the public network exactly what docs/deploy.md says", () => {
    // docs/deploy.md, "Network": the web app (Teams must reach it), Key Vault and the database
    // are public endpoints; the database admits Azure services only (0.0.0.0 rule), Key Vault
    // only Entra-authorized callers (RBAC).
    assert.equal(site.properties?.publicNetworkAccess, "Enabled");
    assert.equal(one("Microsoft.DBforPostgreSQL/flexibleServers").properties?.network && (one("Microsoft.DBforPostgreSQL/flexibleServers").properties?.network as Json).publicNetworkAccess, "Enabled");
    const rules = byType("Microsoft.DBforPostgreSQL/flexibleServers/firewallRules").map((r) => r.properties);
    assert.deepEqual(rules, [{ startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }]);
    assert.equal(one("Microsoft.KeyVault/vaults").properties?.publicNetworkAccess, "Enabled");
    const docs = readFileSync(join(ROOT, "docs", "deploy.md"), "utf8");
    assert.match(docs, /Azure services only/);
    assert.match(docs, /0\.0\.0\.0/);
  });

  it("alerts on what a SOC must hear about, each rule on a metric the bot emits", () => {
    const rules = byType("Microsoft.Insights/scheduledQueryRules");
    const named = rules.map((r) => {
      const criteria = (r.properties?.criteria as { allOf: Array<{ query: string }> }).allOf;
      const metric = /name == '([^']+)'/.exec(criteria[0]?.query ?? "")?.[1];
      assert.ok(metric !== undefined, `${r.name} queries one metric by name`);
      return metric;
    });
    const emitted: string[] = Object.values(METRIC_NAMES);
    for (const metric of named) assert.ok(emitted.includes(metric), `${metric} is in src/telemetry/metric-names.ts`);
    // What a SOC must hear about (issue 18): each has its rule.
    const mustAlert = [
      METRIC_NAMES.outboxBlocked,
      METRIC_NAMES.outboxSetAside,
      METRIC_NAMES.jobsFailed,
      METRIC_NAMES.jobsStalled,
      METRIC_NAMES.watchAlarms,
      METRIC_NAMES.apiCalls,
      METRIC_NAMES.graphThrottled,
    ];
    assert.deepEqual([...new Set(named)].sort(), [...mustAlert].sort(), "every alert a SOC needs has its rule");
    for (const r of rules) {
      const actions = (r.properties?.actions as { actionGroups: string[] }).actionGroups;
      assert.deepEqual(actions, ["[resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))]"]);
    }
    const api = JSON.stringify(rules.find((r) => JSON.stringify(r).includes(METRIC_NAMES.apiCalls)));
    assert.match(api, /http\.response\.status_code/);
    assert.match(api, /'401', '403'/);
  });
});
