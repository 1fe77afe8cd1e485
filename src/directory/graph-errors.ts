import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from "@azure/identity";
import { GraphError } from "@microsoft/microsoft-graph-client";
import { AppError, REQUIRED_PERMISSION, type GraphOperation } from "../errors.js";

const ACTIONS: Record<GraphOperation, string> = {
  readUser: "read users",
  revoke: "revoke sign-in sessions",
  disable: "disable accounts",
  enable: "enable accounts",
  checkGroups: "check group membership",
  readObject: "read directory objects",
  resetPassword: "reset passwords",
  confirmCompromised: "confirm users as compromised",
};

/**
 * Maps anything the Graph client or the credential throws to an AppError whose sentence names the
 * cause and the fix. The sentence is fixed: Graph's own message and code (which can carry anything,
 * including text an attacker chose) go to `details` for the log, never to a person.
 */
export function mapGraphError(err: unknown, op: GraphOperation, subject: string): AppError {
  if (err instanceof AppError) return err;
  if (
    err instanceof AuthenticationError ||
    err instanceof AuthenticationRequiredError ||
    err instanceof CredentialUnavailableError
  ) {
    return new AppError(
      "GraphUnauthenticated",
      "The bot could not sign in to Microsoft Graph: check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client secret or certificate (it may have expired) of the bot's app registration.",
      { graphMessage: err.message.split("\n")[0] },
    );
  }
  if (err instanceof GraphError) {
    const status = err.statusCode;
    const retryAfter = Number(err.headers?.get("retry-after") ?? NaN);
    const details = {
      status,
      graphCode: err.code ?? undefined,
      graphMessage: err.message,
      requestId: err.requestId ?? undefined,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    };
    if (status === 400) {
      return new AppError(
        "GraphBadRequest",
        `Microsoft Graph refused the request for ${subject} as invalid (400); Graph's own explanation is in the bot's log. Nothing was changed by this step: tell the bot's maintainers.`,
        details,
      );
    }
    if (status === 401) {
      return new AppError(
        "GraphUnauthenticated",
        "Microsoft Graph did not accept the bot's token: check that the app registration is in the tenant AZURE_TENANT_ID names and that its credentials are current.",
        details,
      );
    }
    if (status === 403 && op === "resetPassword") {
      // Graph answers a missing permission, a missing Entra role and an admin target with the same
      // 403. Microsoft documents passwordProfile in app-only access as needing the permission and
      // at least the User Administrator role, and Privileged Authentication Administrator for a
      // user who holds an admin role; the job narrows it down where it can (containment.ts).
      return new AppError(
        "GraphForbidden",
        "Microsoft Graph refused the password reset (403). In app-only access Microsoft requires both the application permission User-PasswordProfile.ReadWrite.All (an admin adds it under API permissions and grants admin consent) and the Microsoft Entra role User Administrator assigned to the bot's app (Roles and administrators); a user who holds an admin role needs Privileged Authentication Administrator instead. One of these is missing.",
        details,
      );
    }
    if (status === 403 && op === "confirmCompromised") {
      const licence = /licen[cs]e|premium|P2/i.test(err.message);
      return new AppError(
        "GraphForbidden",
        licence
          ? "Microsoft Graph refused to confirm the user as compromised: the tenant has no Microsoft Entra ID P2 licence, which Identity Protection's riskyUsers API needs."
          : "Microsoft Graph refused to confirm the user as compromised (403): the bot's app registration needs the application permission IdentityRiskyUser.ReadWrite.All (an admin adds it under API permissions and grants admin consent), and the tenant needs Microsoft Entra ID P2 for Identity Protection.",
        details,
      );
    }
    if (status === 403) {
      const permission = REQUIRED_PERMISSION[op];
      return new AppError(
        "GraphForbidden",
        `The bot may not ${ACTIONS[op]}: its app registration lacks the Microsoft Graph application permission ${permission}. An admin adds it under API permissions and grants admin consent.`,
        details,
      );
    }
    if (status === 404) {
      return new AppError("GraphNotFound", `No object ${subject} in this tenant.`, details);
    }
    if (status === 429) {
      const wait = details.retryAfterSeconds !== undefined ? ` in ${details.retryAfterSeconds} s` : " in a minute";
      return new AppError("GraphThrottled", `Microsoft Graph is throttling the bot; try again${wait}.`, details);
    }
    if (status >= 500 || status === 0 || status === -1) {
      return new AppError(
        "GraphUnavailable",
        `Microsoft Graph answered ${status > 0 ? status : "nothing"} for ${subject}; it is likely a passing outage: try again shortly.`,
        details,
      );
    }
    return new AppError(
      "GraphBadRequest",
      `Microsoft Graph answered ${status} for ${subject}; Graph's own explanation is in the bot's log. Nothing was changed by this step: tell the bot's maintainers.`,
      details,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError(
    "GraphUnavailable",
    "The bot could not reach Microsoft Graph (network error); check the host's connectivity to GRAPH_BASE_URL and try again.",
    { graphMessage: message },
  );
}
