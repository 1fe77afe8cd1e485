/**
 * The Microsoft Graph + Entra ID simulator: the public surface for tests, the demo and the CLI.
 */
export { startSimulator } from "./simulator.js";
export { IDENTITY_API_VERSION, OSSRDBMS_RESOURCE } from "./managed-identity.js";
export type { IssuedIdentityToken, ManagedIdentityOptions, StartedIdentityEndpoint } from "./managed-identity.js";
export { BotChannel, CHANNEL_PATH_SEGMENT, OTHER_KEY_ENDORSEMENTS, TEAMS_KEY_ENDORSEMENTS } from "./bot-channel.js";
export type { BotRegistration, ChannelTokenOptions, ConnectorTokenCheck } from "./bot-channel.js";
export { JwtSigner, decodeJwt } from "./jwt.js";
export type { JwtClaims } from "./jwt.js";
export type { SimulatorOptions, SimulatorStats, StartedSimulator } from "./simulator.js";
export type { RecordedRequest } from "./request-log.js";
export type { TelemetryEnvelope } from "./app-insights.js";
export type { FaultSpec } from "./faults.js";
export type { FaultRates, FaultStats } from "./fault-rates.js";
export { DEFAULT_WRITE_CAPACITY, DEFAULT_WRITE_WINDOW_MS } from "./write-quota.js";
export type { WriteQuotaOptions, WriteQuotaStats } from "./write-quota.js";
export { parseThrottleLimits, resourceUnitCost } from "./throttle-limits.js";
export type { ThrottleLimitOptions, ThrottleLimitStats, ThrottleScope } from "./throttle-limits.js";
export type { ReportsQuotaOptions } from "./reports-quota.js";
export type { IdentityProtectionQuotaOptions } from "./identity-protection-quota.js";
export { HOSTILE_IPV4, HOSTILE_IPV6, OFFICE_IPV4, recordSignIn } from "./graph-signins.js";
export { BATCH_REQUEST_LIMIT } from "./graph-batch.js";
export type { BatchResponseOrder } from "./graph-batch.js";
export { bulkUserId, MAX_BULK_USERS } from "./bulk-department.js";
export type { BulkDepartmentOptions } from "./bulk-department.js";
export {
  ALL_GRAPH_ROLES,
  BOT_CONNECTOR_SCOPE,
  GRAPH_APP_ID,
  GRAPH_RESOURCE,
  GRAPH_ROLES,
  SIM_BOT_APP_ID,
  SIM_BOT_PASSWORD,
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_DOMAIN,
  SIM_INITIAL_DOMAIN,
  SIM_MANAGED_IDENTITY_CLIENT_ID,
  SIM_MANAGED_IDENTITY_PRINCIPAL_ID,
  SIM_TENANT_ID,
  SIM_TENANT_NAME,
} from "./constants.js";
export {
  APPROVER_GROUP_ID,
  BOT_APPLICATION_ID,
  BOT_SERVICE_PRINCIPAL_ID,
  PAYROLL_APPLICATION_ID,
  PAYROLL_APP_ID,
  PAYROLL_CLIENT_SECRET,
  PAYROLL_SERVICE_PRINCIPAL_ID,
  REPORTING_APP_ID,
  REPORTING_CLIENT_SECRET,
  REVOCATION_APP_ROLES,
  REVOKER_GROUP_ID,
  SENTINEL_APP_ID,
  SENTINEL_CLIENT_SECRET,
  WELL_KNOWN,
  WELL_KNOWN_GROUPS,
} from "./well-known.js";
export type { WellKnownKey, WellKnownUser } from "./well-known.js";
export { SimulatedTenant, isGuid } from "./tenant.js";
export { createSimulatedTenant, GENERATED_DEPARTMENTS } from "./tenant-generator.js";
export type { TenantGenerationOptions } from "./tenant-generator.js";
export type {
  SimApplication,
  SimDirectoryObject,
  SimGroup,
  SimServicePrincipal,
  SimUser,
  SimUserType,
} from "./tenant-model.js";
export { toODataStringLiteral } from "./odata-filter.js";
export { createTlsIdentity } from "./certificate.js";
export type { TlsIdentity } from "./certificate.js";
export { simUser } from "./fixtures.js";
export { ENTRA_ROLE_TEMPLATE_IDS } from "./graph-role-assignments.js";
