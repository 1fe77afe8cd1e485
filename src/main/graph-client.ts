/** The Graph credential and client: the only place they are constructed. */
import type { TokenCredential } from "@azure/identity";
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { Client, MiddlewareFactory } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import type { AppConfig } from "../config.js";
import { GraphCallCounter } from "../directory/graph-call-counter.js";
import { GRAPH_SCOPE } from "../directory/graph-directory.js";

/** Builds the Graph credential the configuration names. */
export function createCredential(config: AppConfig): TokenCredential {
  const c = config.graph.credential;
  const common = { authorityHost: config.graph.authorityHost, disableInstanceDiscovery: config.graph.disableInstanceDiscovery };
  switch (c.kind) {
    case "secret":
      return new ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, common);
    case "certificate":
      return new ClientCertificateCredential(c.tenantId, c.clientId, { certificatePath: c.certificatePath }, common);
    case "managedIdentity":
      return new ManagedIdentityCredential({ clientId: c.clientId });
  }
}

/** Builds the Graph client: bearer tokens attach only to the configured Graph host. */
export function createGraphClient(config: Pick<AppConfig, "graph">, credential: TokenCredential): Client {
  const url = new URL(config.graph.baseUrl);
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const version = segments.pop() ?? "v1.0";
  const base = `${url.origin}/${segments.map((s) => `${s}/`).join("")}`;
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
  // The default chain (auth, retry, redirect, telemetry, HTTP) with a counter of Graph's answers
  // just before the HTTP handler, so each attempt (a retried 429 too) counts once.
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(authProvider);
  chain.splice(chain.length - 1, 0, new GraphCallCounter());
  for (let i = 0; i + 1 < chain.length; i++) {
    const next = chain[i + 1];
    if (next !== undefined) chain[i]?.setNext?.(next);
  }
  return Client.initWithMiddleware({
    middleware: chain[0],
    baseUrl: base,
    defaultVersion: version,
    customHosts: new Set([url.hostname]),
  });
}
