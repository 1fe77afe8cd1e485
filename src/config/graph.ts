/** Microsoft Graph and how the bot signs in to it: the app registration's credential, the authority, the base URL. */
import type { AppConfig, GraphCredentialConfig } from "./app-config.js";
import { booleanFlag, GUID, httpsUrl, optionalString, type Parsed } from "./fields.js";

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

export const graphVariables = {
  AZURE_TENANT_ID: optionalString,
  AZURE_CLIENT_ID: optionalString,
  AZURE_CLIENT_SECRET: optionalString,
  AZURE_CLIENT_CERTIFICATE_PATH: optionalString,
  AZURE_USE_MANAGED_IDENTITY: booleanFlag,
  AZURE_AUTHORITY_HOST: httpsUrl("https://login.microsoftonline.com"),
  GRAPH_BASE_URL: httpsUrl("https://graph.microsoft.com/v1.0"),
};

type GraphVariables = Parsed<typeof graphVariables>;

/**
 * The Graph credential the variables name (a secret, a certificate or a managed identity), or
 * undefined when they do not name exactly one; problems are added to `problems`.
 */
export function graphCredentialOf(e: GraphVariables, problems: string[]): GraphCredentialConfig | undefined {
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
  return credential;
}

/** The Graph section of the configuration, from checked values. */
export function graphConfigOf(e: GraphVariables, credential: GraphCredentialConfig): AppConfig["graph"] {
  return {
    credential,
    authorityHost: e.AZURE_AUTHORITY_HOST,
    disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(new URL(e.AZURE_AUTHORITY_HOST).hostname),
    baseUrl: e.GRAPH_BASE_URL,
  };
}
