/** The audit trail: the chain's HMAC key (AUDIT_KEY_FILE or AUDIT_KEY, never stored in the database) and the audit channel. */
import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.js";
import { optionalString } from "./fields.js";

/** Shortest audit key accepted: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_AUDIT_KEY_LENGTH = 32;

export const auditVariables = {
  AUDIT_KEY_FILE: optionalString,
  AUDIT_KEY: optionalString,
  AUDIT_CHANNEL_ID: optionalString,
};

/**
 * The audit key from AUDIT_KEY_FILE (a file holding it) or AUDIT_KEY, never both; problems are
 * added to `problems`. The source is a description for the start-up log, never the key.
 */
export function auditKeyFrom(file: string | undefined, value: string | undefined, problems: string[]): { auditKey: Buffer | undefined; auditKeySource: string | undefined } {
  let auditKey: Buffer | undefined;
  let auditKeySource: string | undefined;
  if (file !== undefined && value !== undefined) {
    problems.push("AUDIT_KEY_FILE and AUDIT_KEY: set one of them, not both");
  } else if (file !== undefined) {
    try {
      auditKey = Buffer.from(readFileSync(file, "utf8").trim(), "utf8");
      auditKeySource = `file ${file}`;
    } catch (err) {
      problems.push(`AUDIT_KEY_FILE: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? "error"}); point it at a file holding the audit key`);
    }
  } else if (value !== undefined) {
    auditKey = Buffer.from(value, "utf8");
    auditKeySource = "AUDIT_KEY";
  }
  if (auditKey !== undefined && auditKey.length < MIN_AUDIT_KEY_LENGTH) {
    problems.push(
      `${file !== undefined ? "AUDIT_KEY_FILE" : "AUDIT_KEY"}: the key is ${auditKey.length} characters; use at least ${MIN_AUDIT_KEY_LENGTH} random characters (e.g. the output of \`openssl rand -hex 32\`)`,
    );
    auditKey = undefined;
  }
  return { auditKey, auditKeySource };
}

/**
 * The audit key in `env`'s AUDIT_KEY_FILE / AUDIT_KEY alone (readAuditKey in config.ts).
 * @returns the key, or undefined when neither is set
 * @throws ConfigError when both are set, the file cannot be read or the key is too short
 */
export function auditKeyIn(env: Record<string, string | undefined>): { key: Buffer; source: string } | undefined {
  const problems: string[] = [];
  const file = auditVariables.AUDIT_KEY_FILE.safeParse(env.AUDIT_KEY_FILE);
  const value = auditVariables.AUDIT_KEY.safeParse(env.AUDIT_KEY);
  const { auditKey, auditKeySource } = auditKeyFrom(file.success ? file.data : undefined, value.success ? value.data : undefined, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return auditKey === undefined || auditKeySource === undefined ? undefined : { key: auditKey, source: auditKeySource };
}
