/**
 * The bot as App Service runs it from the ARM template: no BOT_PASSWORD, no AZURE_CLIENT_SECRET,
 * no database password. The managed identity endpoint gives it tokens for Graph, the Bot
 * Connector and PostgreSQL; the automation API validates against its own app registration.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { REPORTING_APP_ID, REPORTING_CLIENT_SECRET } from "@teams-revoke-bot/graph-simulator";
import { callApi, entraToken } from "../support/api-client.js";
import { killAll, startBotProcess, waitForPort, type NodeProcess } from "../support/bot-process.js";
import { assertNoSecret, IDENTITY_DATABASE, IDENTITY_ROLE, revokeAliceThroughTeams, startSecretlessWorld, type SecretlessWorld } from "../support/secretless.js";
import { postgresBinDir, startThrowawayPostgres, type ThrowawayPostgres } from "../support/throwaway-postgres.js";

async function readyz(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as unknown };
}

async function waitUntilReady(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    const r = await readyz(url);
    if (r.status === 200) return;
    last = r.body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`not ready: ${JSON.stringify(last)}`);
}

describe("e2e: no secret in the running bot (managed identity for Graph, the connector and PostgreSQL)", function () {
  this.timeout(120_000);
  const started: NodeProcess[] = [];
  let world: SecretlessWorld | undefined;
  let pg: ThrowawayPostgres | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await killAll(started.splice(0));
    await world?.close();
    world = undefined;
    await pg?.stop();
    pg = undefined;
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it("authenticates to Graph and the Bot Connector with the identity alone, and the API with its own registration", async () => {
    world = await startSecretlessWorld();
    dataDir = mkdtempSync(join(tmpdir(), "revoke-bot-msi-"));
    const env = world.env(`sqlite:${join(dataDir, "bot.db")}`);
    assertNoSecret(env);
    const bot = startBotProcess(env);
    started.push(bot);
    const url = `http://127.0.0.1:${await waitForPort(bot)}`;
    await waitUntilReady(url);

    const requestId = await revokeAliceThroughTeams(url, world);

    // Every token came from the identity endpoint; the token endpoint was never asked.
    assert.deepEqual(world.sim.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token")).map((r) => r.path), []);
    const resources = new Set(world.sim.managedIdentity?.issued.map((t) => t.resource.replace(/\/+$/, "")));
    assert.ok(resources.has("https://graph.microsoft.com"), [...resources].join(", "));
    assert.ok(resources.has(world.sim.channel.registration.connectorScope), [...resources].join(", "));

    // The API's audience is API_APP_ID (the registration with the roles), not the identity.
    const reporting = await entraToken(world.sim, REPORTING_APP_ID, REPORTING_CLIENT_SECRET, `api://${world.sim.clientId}/.default`);
    const read = await callApi(url, "GET", `/api/requests/${requestId}`, { token: reporting });
    assert.ok(read.status !== 401 && read.status !== 403, `the API accepted a token for API_APP_ID: ${read.status} ${JSON.stringify(read.body)}`);
    assert.ok(!bot.output().includes(world.sim.managedIdentity?.header ?? "no header"), "IDENTITY_HEADER never reaches the log");
  });

  it("logs in to PostgreSQL with an Entra token as the password, and with a new token after it is renewed", async function () {
    const bin = postgresBinDir();
    if (bin === undefined) {
      process.stdout.write("      (skipped: no initdb/pg_ctl on this machine for a password-checking PostgreSQL cluster)\n");
      this.skip();
    }
    pg = await startThrowawayPostgres(bin);
    await pg.createRoleAndDatabase(IDENTITY_ROLE, IDENTITY_DATABASE);
    // MSAL renews a token within 5 minutes of its end (and the endpoint hands out its cached one
    // until then): 330 s tokens are renewed after 30 s, time enough to start and revoke first.
    world = await startSecretlessWorld({ postgres: pg, tokenLifetimeSeconds: 330 });
    const env = world.env({ postgresPort: pg.port });
    assertNoSecret(env);
    await world.prefetchDatabaseToken();
    const issuedAt = Date.now();
    const bot = startBotProcess(env);
    started.push(bot);
    const url = `http://127.0.0.1:${await waitForPort(bot)}`;
    await waitUntilReady(url);
    const first = world.databaseTokens();
    assert.equal(first.length, 1, "one database token so far");
    const firstToken = first[0]?.token ?? "";

    // A revocation through Teams, with the state in PostgreSQL.
    await revokeAliceThroughTeams(url, world);

    // Once the first token is in its last five minutes, a new one is issued (and becomes the role's
    // password); the bot must fetch it for its next log-in, or the database refuses it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, issuedAt + 31_000 - Date.now())));
    await world.prefetchDatabaseToken();
    const admin = await pg.admin();
    try {
      // Every connection of the bot ends (a failover, a restart): it must log in again.
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where usename = $1", [IDENTITY_ROLE]);
    } finally {
      await admin.end();
    }
    await waitUntilReady(url);
    const tokens = world.databaseTokens();
    assert.ok(tokens.length >= 2, `a renewed token was fetched for the new connection (${tokens.length} issued)`);
    const latest = tokens[tokens.length - 1]?.token ?? "";
    assert.notEqual(latest, firstToken);
    const login = async (password: string) => {
      const client = new Client({ host: "127.0.0.1", port: pg?.port, user: IDENTITY_ROLE, database: IDENTITY_DATABASE, password });
      try {
        await client.connect();
        return "ok";
      } catch (err) {
        return (err as { code?: string }).code ?? "error";
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    assert.equal(await login(firstToken), "28P01", "the old token is no longer the password");
    assert.equal(await login(latest), "ok");
    assert.equal(await login(""), "28P01");
    assert.ok(!bot.output().includes(latest) && !bot.output().includes(firstToken), "no token reaches the log");
  });
});
