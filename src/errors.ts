/**
 * Coded errors: each failure a person can meet maps to one code and one sentence they can act on.
 * The technical detail (Graph's own code and message, request IDs) goes to the log, never to chat.
 */

import { randomUUID } from "node:crypto";

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
export type GraphOperation = "readUser" | "revoke" | "disable" | "enable" | "checkGroups" | "readObject" | "resetPassword" | "confirmCompromised";

export const REQUIRED_PERMISSION: Readonly<Record<GraphOperation, string>> = {
  readUser: "User.Read.All",
  revoke: "User.RevokeSessions.All",
  disable: "User.EnableDisableAccount.All",
  enable: "User.EnableDisableAccount.All",
  checkGroups: "GroupMember.Read.All",
  readObject: "Directory.Read.All",
  resetPassword: "User-PasswordProfile.ReadWrite.All",
  confirmCompromised: "IdentityRiskyUser.ReadWrite.All",
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

/** Fixed sentences for codes whose message could carry a service's own words (never shown in chat). */
const FIXED_MESSAGE: Readonly<Record<ErrorCode, string>> = {
  GraphBadRequest: "Microsoft Graph refused the request; the details are in the bot's log. Nothing was changed by this step.",
  GraphUnauthenticated: "The bot could not sign in to Microsoft Graph; an administrator should check its app registration's credentials.",
  GraphForbidden: "The bot's app registration lacks a Microsoft Graph permission; an administrator should check its API permissions.",
  GraphNotFound: "Microsoft Graph has no such object in this tenant.",
  GraphThrottled: "Microsoft Graph is throttling the bot; try again in a minute.",
  GraphUnavailable: "Microsoft Graph could not be reached; try again shortly.",
  TooManyTargets: "The selection holds more users than one request may hold.",
};

/**
 * The sentence to show a person for any error: the coded message, or a fixed one for its code when
 * the coded message quotes a service's own text (Graph's or MSAL's message), or a generic one with
 * no internals for anything else (connector and SDK errors). Details belong in the log.
 */
export function userMessageOf(err: unknown): string {
  if (err instanceof AppError) {
    const quoted = err.details.graphMessage;
    if (quoted !== undefined && quoted !== "" && err.userMessage.includes(quoted)) return FIXED_MESSAGE[err.code];
    return err.userMessage;
  }
  return "Something went wrong inside the bot; the details are in its log. Nothing was changed by this step.";
}

/** A new correlation ID: logged with an error's details, shown in chat so the two can be matched. */
export function errorReference(): string {
  return randomUUID();
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

