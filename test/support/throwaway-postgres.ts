/**
 * A PostgreSQL cluster of its own, in a temporary folder, for tests that need what this machine's
 * shared server (trust authentication) cannot give: a role whose log-in over TCP needs a password,
 * as Azure Database for PostgreSQL checks an Entra token given as the password. The method is
 * `password` (the client sends it in clear, over TLS in Azure), as Azure's Entra log-in is: the
 * server reads the role's password only once the client has sent its own, so a password set while
 * the client was fetching its token counts. (With scram-sha-256 the server takes the role's salt
 * before the client answers.)
 * The superuser connects over the cluster's own Unix socket (trust), the bot over 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Client, escapeIdentifier, escapeLiteral } from "pg";
import { freePort } from "./free-port.js";

export interface ThrowawayPostgres {
  port: number;
  /** A superuser connection (over the socket). */
  admin(): Promise<Client>;
  /** Creates a LOGIN role without a password and a database it owns. */
  createRoleAndDatabase(role: string, database: string): Promise<void>;
  /** Sets the role's password (what Entra's token check amounts to here). */
  setPassword(role: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

/** Where initdb and pg_ctl are, or undefined when this machine has none. */
export function postgresBinDir(): string | undefined {
  if (existsSync("/usr/local/bin/initdb") && existsSync("/usr/local/bin/pg_ctl")) return "/usr/local/bin";
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  for (const version of readdirSync(root).sort().reverse()) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb"))) return bin;
  }
  return undefined;
}

/** Starts the cluster (initdb refuses root, so as root it runs as the `postgres` user). */
export async function startThrowawayPostgres(bin: string): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "revoke-bot-pg-"));
  const asRoot = userInfo().uid === 0;
  let pgUid: number | undefined;
  if (asRoot) {
    pgUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const pgGid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, pgUid, pgGid);
  }
  const run = (tool: string, args: string[]) =>
    asRoot ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], { stdio: "pipe" }) : execFileSync(join(bin, tool), args, { stdio: "pipe" });
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=password", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  run("pg_ctl", ["-D", data, "-w", "-l", join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  const admin = async () => {
    const client = new Client({ host: dir, port, user: "postgres", database: "postgres" });
    await client.connect();
    return client;
  };
  const withAdmin = async (work: (c: Client) => Promise<unknown>) => {
    const client = await admin();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    admin,
    createRoleAndDatabase: (role, database) =>
      withAdmin(async (c) => {
        await c.query(`create role ${escapeIdentifier(role)} login`);
        await c.query(`create database ${escapeIdentifier(database)} owner ${escapeIdentifier(role)}`);
      }),
    setPassword: (role, password) => withAdmin((c) => c.query(`alter role ${escapeIdentifier(role)} password ${escapeLiteral(password)}`)),
    stop: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
  };
}
