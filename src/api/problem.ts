/**
 * Problem details (RFC 9457) for the automation API: every refusal is `application/problem+json`
 * with a type, a title, the status, a detail that says what to do, and for bad input the fields.
 */

/** An answer of the API, written by src/server.ts as it is. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** One field a body or query got wrong: its JSON path (e.g. `selection.users[2]`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

/** The problem types the API answers with; each `type` is `urn:teams-revoke-bot:problem:<name>`. */
export type ProblemName =
  | "invalid-token"
  | "missing-role"
  | "invalid-body"
  | "unsupported-media-type"
  | "body-too-large"
  | "rate-limited"
  | "not-found"
  | "idempotency-key-reused"
  | "idempotency-key-in-use"
  | "too-many-pending"
  | "nothing-to-revoke"
  | "too-many-targets"
  | "no-approval-channel"
  | "directory-failed"
  | "approval-post-failed"
  | "not-configured"
  | "unavailable"
  | "internal";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/** A problem-details answer. */
export function problem(
  status: number,
  name: ProblemName,
  title: string,
  detail: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string>; [key: string]: unknown } = {},
): ApiResponse {
  const { headers = {}, ...members } = extra;
  return {
    status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store", ...headers },
    body: { type: `urn:teams-revoke-bot:problem:${name}`, title, status, detail, ...members },
  };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { "content-type": JSON_CONTENT_TYPE, "cache-control": "no-store", ...headers }, body };
}

/**
 * The one answer to a failure inside the bot: no exception text (database paths, SDK messages)
 * reaches the caller, only a reference that finds the details in the log.
 */
export function internalError(correlationId: string): ApiResponse {
  return problem(500, "internal", "The bot could not answer", `Something failed inside the bot; nothing more is said here. Give the bot's operators the reference ${correlationId}: the details are in its log.`, { correlationId });
}
