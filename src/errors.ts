/**
 * Coded errors: each failure a person can meet maps to one code and one sentence they can act on.
 * The technical detail (Graph's own code and message, request IDs) goes to the log, never to chat.
 */

export type ErrorCode =
  /** Graph 400: the request was malformed (a bug or an unsupported value). */
  | "GraphBadRequest"
  /** Graph 401 or a token failure: the app's credentials are wrong or expired. */
  | "GraphUnauthenticated"
  /** Graph 403: the app registration lacks an application permission. */
  | "GraphForbidden"
  /** Graph 404: no such object. */
  | "GraphNotFound"
  /** Graph 429 after retries. */
  | "GraphThrottled"
  /** Graph 5xx or a network failure after retries. */
  | "GraphUnavailable"
  /** A bulk selection matched more users than the bot holds in one request (resolvers.ts maxTargets). */
  | "TooManyTargets";

/** Application permission each Graph operation needs (DESIGN.md "Graph calls"). */
export type GraphOperation = "readUser" | "revoke" | "disable" | "checkGroups" | "readObject";

export const REQUIRED_PERMISSION: Readonly<Record<GraphOperation, string>> = {
  readUser: "User.Read.All",
  revoke: "User.RevokeSessions.All",
  disable: "User.EnableDisableAccount.All",
  checkGroups: "GroupMember.Read.All",
  readObject: "Directory.Read.All",
};

/** An error whose message is safe to show in chat and says what to do about it. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** One sentence for a person: what went wrong and the fix. No secrets, no stack. */
    readonly userMessage: string,
    readonly details: {
      status?: number;
      graphCode?: string;
      graphMessage?: string;
      requestId?: string;
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(userMessage);
    this.name = "AppError";
  }
}

/** True for errors a later retry may cure (throttling, outages); false for 4xx that will not change. */
export function isTransient(err: unknown): boolean {
  return err instanceof AppError && (err.code === "GraphThrottled" || err.code === "GraphUnavailable");
}

/** The sentence to show a person for any error: the coded message, or a generic one with no internals. */
export function userMessageOf(err: unknown): string {
  if (err instanceof AppError) return err.userMessage;
  return "Something went wrong inside the bot; the details are in its log. Nothing was changed by this step.";
}

/** An HTTP Retry-After value (whole seconds, or an HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: unknown): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  if (value === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(value));
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

