/**
 * The Entra ID (login.microsoftonline.com) side of the simulator: discovery documents, signing keys
 * and the token endpoint, each under `/{tenant}/…` as MSAL builds the URLs from `authorityHost`.
 */
import { EntraError, entraErrorResponse, tenantNotFound } from "./entra-error.js";
import { instanceDiscovery, MULTI_TENANT_ALIASES, openIdConfiguration, openIdConfigurationV1 } from "./entra-metadata.js";
import type { HandledRequest, SimRequest, SimResponse } from "./http-exchange.js";
import type { JwtSigner } from "./jwt.js";
import { handleTokenRequest } from "./token-endpoint.js";
import type { TokenEndpointSettings } from "./token-endpoint.js";

/** What the Entra routes need from the simulator. */
export interface EntraRouteSettings extends TokenEndpointSettings {
  signer: JwtSigner;
}

function json(body: unknown): SimResponse {
  return { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body };
}

function unauthenticated(response: SimResponse): HandledRequest {
  return { response, authenticated: false };
}

/**
 * Handles a request to an Entra path, or returns undefined when the path is not one. Paths are
 * matched case-insensitively after the tenant segment, as Entra does.
 */
export function handleEntraRequest(
  request: SimRequest,
  origin: string,
  settings: EntraRouteSettings,
): HandledRequest | undefined {
  const [tenantSegment, ...rest] = request.segments;
  if (tenantSegment === undefined) {
    return undefined;
  }
  const route = rest.join("/").toLowerCase();
  const { tenant } = settings;
  const isMultiTenantAlias = MULTI_TENANT_ALIASES.has(tenantSegment.toLowerCase());
  const knownTenant = tenant.isKnownAs(tenantSegment);

  switch (route) {
    case "oauth2/v2.0/token":
      return handleTokenRequest(request, tenantSegment, origin, settings);

    case "v2.0/.well-known/openid-configuration":
      if (!knownTenant && !isMultiTenantAlias) {
        return unauthenticated(entraErrorResponse(request, tenantNotFound(tenantSegment, "invalid_tenant")));
      }
      return unauthenticated(json(openIdConfiguration(origin, tenantSegment, knownTenant ? tenant.tenantId : undefined)));

    case ".well-known/openid-configuration":
      if (!knownTenant && !isMultiTenantAlias) {
        return unauthenticated(entraErrorResponse(request, tenantNotFound(tenantSegment, "invalid_tenant")));
      }
      return unauthenticated(json(openIdConfigurationV1(origin, tenantSegment, knownTenant ? tenant.tenantId : undefined)));

    case "discovery/v2.0/keys":
    case "discovery/keys":
      if (!knownTenant && !isMultiTenantAlias) {
        return unauthenticated(entraErrorResponse(request, tenantNotFound(tenantSegment, "invalid_tenant")));
      }
      return unauthenticated(json(settings.signer.jwks(`${origin}/${tenant.tenantId}/v2.0`)));

    case "discovery/instance":
      if (!knownTenant && !isMultiTenantAlias) {
        return unauthenticated(entraErrorResponse(request, tenantNotFound(tenantSegment, "invalid_tenant")));
      }
      return unauthenticated(json(instanceDiscovery(origin, request.query.authorization_endpoint)));

    case "oauth2/v2.0/authorize":
    case "oauth2/v2.0/devicecode":
      return unauthenticated(
        entraErrorResponse(
          request,
          new EntraError(
            400,
            "unsupported_response_type",
            900000,
            "The simulator issues app-only tokens (client credentials) and has no interactive sign-in.",
          ),
        ),
      );

    default:
      return undefined;
  }
}
