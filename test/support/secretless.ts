/**
 * A deployment as the ARM template makes it, on this machine: the simulator serves App Service's
 * managed identity endpoint, the Azure Bot is registered to that identity (msaAppType
 * UserAssignedMSI), the automation API's audience is its own app registration, and the database is
 * PostgreSQL with an Entra token as the password (a throw-away cluster whose role's password the
 * simulator sets to each token it issues), or SQLite. No secret is in the bot's environment.
 */
import assert from "node:assert/strict";
import type { Activity } from "botbuilder";
import {
  APPROVER_GROUP_ID,
  IDENTITY_API_VERSION,
  OSSRDBMS_RESOURCE,
  REVOKER_GROUP_ID,
  SIM_MANAGED_IDENTITY_CLIENT_ID,
  SIM_MANAGED_IDENTITY_PRINCIPAL_ID,
  startSimulator,
  WELL_KNOWN,
  type IssuedIdentityToken,
  type StartedSimulator,
} from "@teams-revoke-bot/graph-simulator";
import { trustedSimulatorTls } from "@teams-revoke-bot/graph-simulator/trusted-run";
import { Verbs } from "../../src/cards/verbs.js";
import { actionExecuteActivity, messageActivity } from "../fakes/activities.js";
import { FakeConnector, type ConnectorCall } from "../fakes/connector.js";
import type { ThrowawayPostgres } from "./throwaway-postgres.js";

/** The database role the identity logs in as: Azure names it after the identity. */
export const IDENTITY_ROLE = "id-revoke-bot";
export const IDENTITY_DATABASE = "revokebot";

export interface SecretlessWorld {
  sim: StartedSimulator;
  connector: FakeConnector;
  /** Tokens issued for the database, in order. */
  databaseTokens(): IssuedIdentityToken[];
  /**
   * Asks the identity endpoint for the database token now, so that the role's password is that
   * token before the bot logs in (the endpoint then hands the bot the same, cached token). Azure's
   * server accepts any valid token; a role here has one password, and a log-in that began before the
   * password changed checks the old one.
   */
  prefetchDatabaseToken(): Promise<void>;
  /** The bot's environment: nothing in it is a secret. */
  env(database: string | { postgresPort: number }): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the simulator (with the identity endpoint; `tokenLifetimeSeconds` short to see a renewal)
 * and a connector that accepts only the identity's tokens. With `postgres`, each database token the
 * endpoint issues becomes the role's password before it is handed out.
 */
export async function startSecretlessWorld(options: { postgres?: ThrowawayPostgres; tokenLifetimeSeconds?: number } = {}): Promise<SecretlessWorld> {
  const sim = await startSimulator({
    tls: trustedSimulatorTls(),
    userCount: 50,
    botRegistration: { appId: SIM_MANAGED_IDENTITY_CLIENT_ID },
    managedIdentity: {
      clientId: SIM_MANAGED_IDENTITY_CLIENT_ID,
      principalId: SIM_MANAGED_IDENTITY_PRINCIPAL_ID,
      name: IDENTITY_ROLE,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      onIssued: async (issued) => {
        if (issued.resource.replace(/\/+$/, "") === OSSRDBMS_RESOURCE && options.postgres !== undefined) {
          await options.postgres.setPassword(IDENTITY_ROLE, issued.token);
        }
      },
    },
  });
  const connector = new FakeConnector((authorization) => {
    const check = sim.channel.checkConnectorToken(authorization);
    return check.valid ? undefined : check.reason;
  });
  await connector.start();
  const identity = sim.managedIdentity;
  assert.ok(identity !== undefined);
  return {
    sim,
    connector,
    databaseTokens: () => identity.issued.filter((t) => t.resource.replace(/\/+$/, "") === OSSRDBMS_RESOURCE),
    prefetchDatabaseToken: async () => {
      const query = new URLSearchParams({ "api-version": IDENTITY_API_VERSION, resource: OSSRDBMS_RESOURCE, client_id: identity.clientId });
      const res = await fetch(`${identity.endpoint}?${query.toString()}`, { headers: { "X-IDENTITY-HEADER": identity.header } });
      assert.equal(res.status, 200);
    },
    env: (database) => ({
      PORT: "0",
      LOG_LEVEL: "info",
      WATCH_HOURS: "0",
      // What App Service gives the app.
      IDENTITY_ENDPOINT: identity.endpoint,
      IDENTITY_HEADER: identity.header,
      // What the template sets.
      AZURE_TENANT_ID: sim.tenantId,
      AZURE_CLIENT_ID: SIM_MANAGED_IDENTITY_CLIENT_ID,
      AZURE_USE_MANAGED_IDENTITY: "true",
      AZURE_AUTHORITY_HOST: sim.authorityHost,
      GRAPH_BASE_URL: sim.graphBaseUrl,
      BOT_ID: SIM_MANAGED_IDENTITY_CLIENT_ID,
      BOT_TYPE: "UserAssignedMsi",
      BOT_TENANT_ID: sim.tenantId,
      BOT_OPENID_METADATA_URL: sim.channel.openIdMetadataUrl,
      BOT_TOKEN_ISSUER: sim.channel.issuer,
      BOT_OAUTH_SCOPE: sim.channel.registration.connectorScope,
      // The API's audience and roles are the app registration's; the identity cannot hold them.
      API_APP_ID: sim.clientId,
      REVOKER_GROUP_IDS: REVOKER_GROUP_ID,
      APPROVER_GROUP_IDS: APPROVER_GROUP_ID,
      ...(typeof database === "string"
        ? { DATABASE_URL: database }
        : {
            DATABASE_URL: `postgres://${IDENTITY_ROLE}@127.0.0.1:${database.postgresPort}/${IDENTITY_DATABASE}`,
            DATABASE_AUTH: "entra",
            INSTANCE_COUNT: "2",
          }),
    }),
    close: async () => {
      await connector.stop();
      await sim.close();
    },
  };
}

/** Asserts the environment holds no credential but the identity (no password, secret or key). */
export function assertNoSecret(env: Record<string, string>): void {
  for (const name of ["BOT_PASSWORD", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AUDIT_KEY", "PGPASSWORD"]) {
    assert.equal(env[name], undefined, `${name} is not set`);
  }
  assert.ok(!/:[^@/]+@/.test(env.DATABASE_URL ?? ""), "no password in DATABASE_URL");
}

function cardOf(call: ConnectorCall): { actions?: Array<{ verb?: string; data?: Record<string, unknown> }> } | undefined {
  return call.activity.attachments?.[0]?.content as { actions?: Array<{ verb?: string; data?: Record<string, unknown> }> } | undefined;
}

/**
 * Sam (a revoker and approver) revokes Alice in a personal chat, as in Teams: the command, the
 * confirmation card through the connector, Approve, and the card edited to "Revocation complete".
 * @returns the request ID
 */
export async function revokeAliceThroughTeams(botUrl: string, world: SecretlessWorld): Promise<string> {
  const { sim, connector } = world;
  const sam = { id: "29:sam", name: WELL_KNOWN.sam.displayName, aadObjectId: WELL_KNOWN.sam.id };
  const conversation = { id: "a:personal-sam", conversationType: "personal" as const, tenantId: sim.tenantId };
  const post = async (activity: Partial<Activity>) => {
    const token = sim.channel.issueChannelToken({ serviceUrl: connector.url });
    const res = await fetch(`${botUrl}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
    });
    return res.status;
  };
  assert.equal(await post(messageActivity(connector.url, sam, conversation, 'revoke user alice@contoso.com --reason "deployment check"')), 200);
  await connector.waitFor((calls) => calls.some((c) => cardOf(c)?.actions?.some((a) => a.verb === Verbs.approve) === true), 20_000, "the confirmation card");
  const call = connector.calls.find((c) => cardOf(c)?.actions?.some((a) => a.verb === Verbs.approve) === true);
  assert.ok(call !== undefined);
  const requestId = cardOf(call)?.actions?.find((a) => a.verb === Verbs.approve)?.data?.requestId;
  assert.equal(typeof requestId, "string");
  assert.equal(await post(actionExecuteActivity(connector.url, sam, conversation, Verbs.approve, { requestId }, call.id)), 200);
  await connector.waitFor(
    (calls) => calls.some((c) => c.kind === "update" && c.activityId === call.id && JSON.stringify(c.activity).includes("Revocation complete")),
    30_000,
    "the card to say the revocation is complete",
  );
  const revoked = sim.requests.filter((r) => r.method === "POST" && r.path === `/v1.0/users/${WELL_KNOWN.alice.id}/revokeSignInSessions` && r.status === 200);
  assert.ok(revoked.length > 0, "Graph revoked Alice's sessions (directly or as a $batch item)");
  assert.deepEqual(connector.unauthorized, [], "every connector call carried the identity's token");
  return requestId as string;
}
