/**
 * Entra's discovery documents: the OpenID Connect configuration MSAL reads to find the token
 * endpoint (and whose issuer it validates against the authority host), and the instance-discovery
 * document MSAL asks for when instance discovery is not disabled.
 */

/** Tenant path values that Entra treats as multi-tenant placeholders rather than a directory. */
export const MULTI_TENANT_ALIASES: ReadonlySet<string> = new Set(["common", "organizations", "consumers"]);

/**
 * The v2.0 OpenID configuration for a tenant path segment. For a real tenant the endpoints name its
 * GUID; for `common` and friends the issuer carries Entra's `{tenantid}` placeholder, as Entra's does.
 */
export function openIdConfiguration(origin: string, tenantSegment: string, tenantId: string | undefined): unknown {
  const pathTenant = tenantId ?? tenantSegment;
  const base = `${origin}/${pathTenant}`;
  const host = new URL(origin).host;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${origin}/${tenantId ?? "{tenantid}"}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
      "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name",
      "tid", "ver", "at_hash", "c_hash", "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: tenantId ? "NA" : null,
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    // Point Graph discovery at the simulator: a client that reads msgraph_host stays local.
    msgraph_host: host,
    rbac_url: "https://pas.windows.net",
  };
}

/**
 * The v1.0 OpenID configuration (`/{tenant}/.well-known/openid-configuration`): the same keys, and
 * the issuer of v1.0 access tokens, `https://sts.windows.net/{tenant id}/`, which Entra keeps on
 * that host whatever the authority's.
 */
export function openIdConfigurationV1(origin: string, tenantSegment: string, tenantId: string | undefined): unknown {
  const base = `${origin}/${tenantId ?? tenantSegment}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid"],
    issuer: `https://sts.windows.net/${tenantId ?? "{tenantid}"}/`,
    authorization_endpoint: `${base}/oauth2/authorize`,
    tenant_region_scope: tenantId ? "NA" : null,
    cloud_instance_name: "microsoftonline.com",
  };
}

/**
 * The instance-discovery document (`/common/discovery/instance`). It declares the simulator's host
 * its own only alias, so MSAL caches and networks against it and nothing else.
 */
export function instanceDiscovery(origin: string, authorizationEndpoint: string | undefined): unknown {
  const host = new URL(origin).host;
  let tenant = "{tenant}";
  if (authorizationEndpoint) {
    try {
      const firstSegment = new URL(authorizationEndpoint).pathname.split("/").find((part) => part.length > 0);
      if (firstSegment) tenant = firstSegment;
    } catch {
      // Not a URL: keep the placeholder, as Entra does for a malformed authorization_endpoint.
      tenant = "{tenant}";
    }
  }
  return {
    tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
