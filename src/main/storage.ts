/** The database and the audit chain in it, opened first: nothing else starts on a chain it could not append to. */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { TokenCredential } from "@azure/identity";
import type { AuditEntry } from "../audit/audit-log.js";
import { auditKeyOf, type AuditKey } from "../audit/chain.js";
import type { AppConfig } from "../config.js";
import { SqlAuditStore } from "../store/audit-store.js";
import { openDatabase, type OpenDatabase } from "../store/database.js";
import { entraTokenPassword } from "../store/entra-password.js";

export interface Storage {
  database: OpenDatabase;
  /** This process's name in job leases and outbox claims: unique per start, readable in the audit. */
  owner: string;
  auditKey: AuditKey | undefined;
  auditStore: SqlAuditStore;
  /** The entry that marks where keying began, when it began at this start. */
  keyingBegan: AuditEntry | undefined;
}

/**
 * Opens the database (with an Entra token for a password when DATABASE_AUTH=entra) and prepares
 * the audit chain for this process's key.
 * @throws AuditKeyError when the chain is keyed and the key is missing or another one (the database is closed)
 */
export async function openStorage(config: Readonly<AppConfig>, credential: TokenCredential): Promise<Storage> {
  const database = await openDatabase(config.databaseUrl, { password: config.databaseAuth === "entra" ? entraTokenPassword(credential) : undefined });
  const { db, kind } = database;
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const auditKey = config.auditKey === undefined ? undefined : auditKeyOf(config.auditKey);
  const auditStore = new SqlAuditStore(db, kind, undefined, auditKey);
  // With a key on an unkeyed chain, keying begins now (an entry marks it); a keyed chain and no
  // key, or another key, stops the start: the bot must never append entries that verify cannot check.
  let keyingBegan;
  try {
    keyingBegan = await auditStore.prepareKey();
  } catch (err) {
    await database.close();
    throw err;
  }
  return { database, owner, auditKey, auditStore, keyingBegan };
}
