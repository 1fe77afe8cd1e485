/**
 * Fixed identifiers of the simulated tenant and app registration. They are constants (not random)
 * so that demo configuration files, Playground users and tests can name them ahead of time.
 */

/** Directory (tenant) id of the simulated Contoso tenant. */
export const SIM_TENANT_ID = "c0ffee00-7e4a-4e57-9d1c-5e55104b0d1e";

/** Application (client) id of the bot's app registration in the simulated tenant. */
export const SIM_CLIENT_ID = "b0770b07-4e40-4c1d-8b07-5e55104b0d1e";

/**
 * The client secret the simulator accepts by default. Obviously fictional: it only opens the
 * simulator, never a real tenant.
 */
export const SIM_CLIENT_SECRET = "sim~secret.NOT-A-REAL-SECRET.0123456789";

/** Primary verified domain of the simulated tenant. */
export const SIM_DOMAIN = "contoso.com";

/** The tenant's initial `*.onmicrosoft.com` domain (guests' UPNs live there). */
export const SIM_INITIAL_DOMAIN = "contoso.onmicrosoft.com";

/** Display name of the simulated tenant (used in Entra error texts). */
export const SIM_TENANT_NAME = "Contoso";

/** The resource (audience) of Microsoft Graph access tokens. */
export const GRAPH_RESOURCE = "https://graph.microsoft.com";

/** Microsoft Graph's well-known application id; Entra also accepts it as the token audience. */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** Application permissions (app roles) of Microsoft Graph that the simulator checks. */
export const GRAPH_ROLES = {
  userReadAll: "User.Read.All",
  userReadWriteAll: "User.ReadWrite.All",
  userRevokeSessionsAll: "User.RevokeSessions.All",
  userEnableDisableAccountAll: "User.EnableDisableAccount.All",
  groupMemberReadAll: "GroupMember.Read.All",
  groupReadAll: "Group.Read.All",
  directoryReadAll: "Directory.Read.All",
  directoryReadWriteAll: "Directory.ReadWrite.All",
  auditLogReadAll: "AuditLog.Read.All",
  userPasswordProfileReadWriteAll: "User-PasswordProfile.ReadWrite.All",
  identityRiskyUserReadWriteAll: "IdentityRiskyUser.ReadWrite.All",
  roleManagementReadDirectory: "RoleManagement.Read.Directory",
  roleManagementReadAll: "RoleManagement.Read.All",
  roleManagementReadWriteDirectory: "RoleManagement.ReadWrite.Directory",
} as const;

/**
 * The roles issued by default: the least-privilege set DESIGN.md grants the bot, plus
 * Directory.Read.All (needed for `GET /directoryObjects/{id}`). The broad *.ReadWrite.All roles are
 * deliberately absent so a test that needs them has to ask for them with `setRoles`.
 */
export const ALL_GRAPH_ROLES: readonly string[] = Object.freeze([
  GRAPH_ROLES.userReadAll,
  GRAPH_ROLES.userRevokeSessionsAll,
  GRAPH_ROLES.userEnableDisableAccountAll,
  GRAPH_ROLES.groupMemberReadAll,
  GRAPH_ROLES.directoryReadAll,
  GRAPH_ROLES.auditLogReadAll,
  GRAPH_ROLES.userPasswordProfileReadWriteAll,
  GRAPH_ROLES.identityRiskyUserReadWriteAll,
  GRAPH_ROLES.roleManagementReadDirectory,
]);

/**
 * Application (client) id of the bot's own registration (Azure Bot resource), which the channel's
 * tokens are addressed to (`aud`) and which asks the token endpoint for tokens to the connector.
 */
export const SIM_BOT_APP_ID = "b0770b07-0000-4000-8000-5e55104b0d1e";

/** The bot registration's client secret the simulator accepts (fictional). */
export const SIM_BOT_PASSWORD = "sim~bot.NOT-A-REAL-SECRET.9876543210";

/** The audience of tokens the bot sends to the Bot Connector (BOT_OAUTH_SCOPE), as in the public cloud. */
export const BOT_CONNECTOR_SCOPE = "https://api.botframework.com";

/** Client ID of the bot's user-assigned managed identity (the deployment's only identity). */
export const SIM_MANAGED_IDENTITY_CLIENT_ID = "b0770b07-1d00-4000-8000-5e55104b0d1e";

/** Principal (service principal object) ID of that identity. */
export const SIM_MANAGED_IDENTITY_PRINCIPAL_ID = "b0770b07-1d01-4000-8000-5e55104b0d1e";
