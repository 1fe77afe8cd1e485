/**
 * Child-process half of the @azure/identity integration test. It runs the way the bot runs: a
 * fresh Node process that trusts the simulator only through NODE_EXTRA_CA_CERTS (read at process
 * start), with the real @azure/identity credentials and the real Microsoft Graph client configured
 * as src/index.ts configures them. It prints one JSON object with what it observed.
 */
import { ClientCertificateCredential, ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";

/** What the parent passes in PROBE_CONFIG. */
export interface ProbeConfig {
  authorityHost: string;
  graphBaseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  certificatePath: string;
  userId: string;
  dollarUpn: string;
  department: string;
}

/** What the probe prints. */
export interface ProbeResult {
  secretClaims: Record<string, unknown>;
  certificateClaims: Record<string, unknown>;
  wrongSecretError: string;
  dollarUser: Record<string, unknown>;
  revoke: unknown;
  departmentIds: string[];
}

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

function claimsOf(token: string): Record<string, unknown> {
  const [, payload = ""] = token.split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.PROBE_CONFIG ?? "{}") as ProbeConfig;
  const options = { authorityHost: config.authorityHost, disableInstanceDiscovery: true };

  const secretCredential = new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, options);
  const secretToken = await secretCredential.getToken(GRAPH_SCOPE);

  const certificateCredential = new ClientCertificateCredential(
    config.tenantId,
    config.clientId,
    { certificatePath: config.certificatePath },
    options,
  );
  const certificateToken = await certificateCredential.getToken(GRAPH_SCOPE);

  let wrongSecretError = "";
  try {
    await new ClientSecretCredential(config.tenantId, config.clientId, "wrong-secret", options).getToken(GRAPH_SCOPE);
  } catch (error) {
    wrongSecretError = error instanceof Error ? error.message : String(error);
  }

  // Configured as src/index.ts createGraphClient does: the token attaches only to custom hosts.
  const url = new URL(config.graphBaseUrl);
  const client = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(secretCredential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${url.origin}/`,
    defaultVersion: "v1.0",
    customHosts: new Set([url.hostname]),
  });

  const quotedKey = encodeURIComponent(config.dollarUpn.replace(/'/g, "''"));
  const dollarUser = (await client
    .api(`/users('${quotedKey}')`)
    .select(["id", "userPrincipalName", "signInSessionsValidFromDateTime"])
    .get()) as Record<string, unknown>;

  const revoke: unknown = await client.api(`/users/${config.userId}/revokeSignInSessions`).post({});

  const departmentIds: string[] = [];
  let page = (await client
    .api("/users")
    .filter(`department eq '${config.department.replace(/'/g, "''")}'`)
    .select(["id"])
    .top(7)
    .get()) as { value: { id: string }[]; "@odata.nextLink"?: string };
  for (;;) {
    departmentIds.push(...page.value.map((user) => user.id));
    const next = page["@odata.nextLink"];
    if (next === undefined) break;
    page = (await client.api(next).get()) as typeof page;
  }

  const result: ProbeResult = {
    secretClaims: claimsOf(secretToken.token),
    certificateClaims: claimsOf(certificateToken.token),
    wrongSecretError,
    dollarUser,
    revoke,
    departmentIds,
  };
  process.stdout.write(JSON.stringify(result));
}

main().catch((error: unknown) => {
  process.stderr.write(`probe failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
