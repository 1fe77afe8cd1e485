/**
 * The Bot Framework channel authentication of the bot, in both directions:
 *
 * - inbound: botbuilder's JWT check, configured with the channel's OpenID metadata and issuer
 *   (BOT_OPENID_METADATA_URL, BOT_TOKEN_ISSUER), exposed as a separate step (`authenticate`) so the
 *   inbound guard can refuse before any handler runs;
 * - outbound: the token the bot sends to the connector, from BOT_LOGIN_URL for BOT_OAUTH_SCOPE.
 *   For a login host that is not a Microsoft cloud (an air-gapped cloud, the simulator) MSAL's
 *   instance discovery would ask login.microsoftonline.com about it and fail, so such a host gets a
 *   credential from @azure/identity with instance discovery off, as the Graph credential does.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { ClientSecretCredential } from "@azure/identity";
import { TeamsAdapter } from "@microsoft/teams-ai/lib/TeamsAdapter";
import type { Activity, ConfigurationBotFrameworkAuthentication, InvokeResponse, TurnContext } from "botbuilder";
import { MICROSOFT_AUTHORITY_HOSTS, type AppConfig } from "../config.js";

/** botbuilder's public-cloud defaults (AuthenticationConstants), named here because botbuilder does not export them. */
export const PUBLIC_CLOUD = {
  loginUrl: "https://login.microsoftonline.com/botframework.com",
  emulatorOpenIdMetadataUrl: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
  oAuthUrl: "https://api.botframework.com",
  callerId: "urn:botframework:azure",
} as const;


/** What botbuilder's authentication decided about a request (claims, connector factory, audience). */
export type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication["authenticateRequest"]>>;
type CredentialsFactory = NonNullable<ConstructorParameters<typeof TeamsAdapter>[1]>;
type ServiceClientCredentials = Awaited<ReturnType<CredentialsFactory["createCredentials"]>>;

/**
 * The Teams adapter with authentication and processing as two steps: the inbound guard
 * authenticates, checks what botbuilder does not (issuer, service URL, channel, tenant), and only
 * then runs the turn, with the result it already has (no second token check).
 */
export class ChannelAdapter extends TeamsAdapter {
  /**
   * Validates the activity's Authorization header (with inbound auth off: an anonymous identity).
   * @throws botbuilder's AuthenticationError (or a JWT library error) when the token is not valid
   */
  authenticate(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  /** Runs the turn for an activity authenticate() accepted; resolves with the invoke response, if any. */
  runAuthenticated(
    result: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(result, activity, logic);
  }
}

export interface ChannelAuthOptions {
  /**
   * Where emulator tokens' keys are fetched from (botbuilder's default: Microsoft's public one).
   * Tests point it at the simulator, so a genuinely signed emulator-style token reaches the check
   * that refuses it, rather than failing for want of a network.
   */
  emulatorOpenIdMetadataUrl?: string;
}

/**
 * Builds the adapter for the configuration. With inbound auth off (no BOT_ID) the bot type and
 * tenant are not handed to botbuilder at all: BOT_TYPE=SingleTenant with an empty BOT_ID would
 * otherwise stop the SDK at start ("MicrosoftAppId is required for SingleTenant").
 */
export function createChannelAdapter(config: Readonly<Pick<AppConfig, "bot">>, options: ChannelAuthOptions = {}): ChannelAdapter {
  const bot = config.bot;
  if (!bot.inboundAuth) {
    return new ChannelAdapter({ MicrosoftAppId: "", MicrosoftAppPassword: "", MicrosoftAppType: "MultiTenant" });
  }
  const loginUrl = bot.loginUrl ?? PUBLIC_CLOUD.loginUrl;
  const settings = {
    MicrosoftAppId: bot.id,
    MicrosoftAppPassword: bot.password,
    MicrosoftAppType: bot.type,
    MicrosoftAppTenantId: bot.tenantId,
    // Once any of these is set botbuilder takes all of them as given, so every one is.
    ToBotFromChannelOpenIdMetadataUrl: bot.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: bot.tokenIssuer,
    ToChannelFromBotLoginUrl: loginUrl,
    ToChannelFromBotOAuthScope: bot.oauthScope,
    ToBotFromEmulatorOpenIdMetadataUrl: options.emulatorOpenIdMetadataUrl ?? PUBLIC_CLOUD.emulatorOpenIdMetadataUrl,
    OAuthUrl: PUBLIC_CLOUD.oAuthUrl,
    CallerId: PUBLIC_CLOUD.callerId,
    ValidateAuthority: true,
  };
  const customLogin = !MICROSOFT_AUTHORITY_HOSTS.has(new URL(loginUrl).hostname) && bot.type !== "UserAssignedMsi";
  const credentials = customLogin ? new IdentityCredentialsFactory(bot.id, bot.password, loginUrl, bot.tenantId) : undefined;
  return new ChannelAdapter(settings, credentials);
}

/**
 * Outbound connector tokens from a login host MSAL does not know, through @azure/identity with
 * instance discovery off. One credential per adapter, so its token cache is this bot's alone
 * (botbuilder's own credentials share one process-wide cache keyed by app id and scope).
 */
class IdentityCredentialsFactory implements CredentialsFactory {
  private readonly credential: TokenCredential;

  constructor(
    private readonly appId: string,
    password: string,
    loginUrl: string,
    botTenantId: string,
  ) {
    const url = new URL(loginUrl);
    // BOT_LOGIN_URL is `<authority host>/<tenant>`; without a tenant segment, the bot's own.
    const tenant = url.pathname.split("/").find((s) => s !== "") ?? (botTenantId === "" ? "botframework.com" : botTenantId);
    this.credential = new ClientSecretCredential(tenant, appId, password, {
      authorityHost: url.origin,
      disableInstanceDiscovery: true,
    });
  }

  isValidAppId(appId: string): Promise<boolean> {
    return Promise.resolve(appId === this.appId);
  }

  isAuthenticationDisabled(): Promise<boolean> {
    return Promise.resolve(false);
  }

  createCredentials(appId: string, audience: string | undefined): Promise<ServiceClientCredentials> {
    if (appId !== this.appId) return Promise.reject(new Error("Invalid appId."));
    if (audience === undefined || audience === "") return Promise.reject(new Error("No audience for the connector token."));
    const scope = audience.endsWith("/.default") ? audience : `${audience.replace(/\/+$/, "")}/.default`;
    const credential = this.credential;
    return Promise.resolve({
      async signRequest(resource) {
        const token: AccessToken | null = await credential.getToken(scope);
        if (token === null) throw new Error("No token for the Bot Connector");
        resource.headers.set("authorization", `Bearer ${token.token}`);
        return resource;
      },
    });
  }
}
