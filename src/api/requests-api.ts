/**
 * `POST /api/requests` and `GET /api/requests/{id}`: automation proposes, a person approves in
 * Teams, automation reads the outcome. The order of a proposal: the token (401), the caller's rate
 * (429), its app role (403), then the body (400), the idempotency key, the pending cap and the
 * approval channel, and only then Graph. Everything after the token is audited with the calling
 * app as the actor. The proposal's rules are the chat commands' own (src/requests/proposals.ts):
 * this file reads the body and says the outcome as problem+json.
 */
import type { Logger } from "pino";
import type { Auditor } from "../audit/auditor.js";
import { clipString } from "../audit/clip.js";
import { REQUEST_ID } from "../requests/request-id.js";
import { departmentSelection, disabledSelection, ipSelection, type SelectionSource } from "../requests/selections.js";
import type { Directory } from "../directory/directory.js";
import { errorReference, userMessageOf } from "../errors.js";
import type { RevocationService } from "../requests/lifecycle.js";
import { Proposals, RespondersUnknown, type Freezing, type ProposalDoor, type ProposalRefusal, type Proposed } from "../requests/proposals.js";
import { appActor, isAppActor, type Actor } from "../domain/actor.js";
import type { OutcomeStatus } from "../domain/outcome.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { AccessTokenValidator, ApiCaller } from "./access-token.js";
import type { ApprovalChannelPort, ChannelReference } from "./ports.js";
import { json, problem, type ApiResponse, type FieldError } from "./problem.js";
import { refusalOf, refusalResponse, type Chosen } from "./proposal-refusals.js";
import type { RateLimiter } from "./rate-limit.js";
import { ApiRefusals } from "./refusals.js";
import { readProposal, type Proposal } from "./request-body.js";

/** The app roles of the bot's API (docs/automation-api.md). */
export const API_ROLES = { request: "Revocation.Request", read: "Revocation.Read" } as const;

/** Largest body accepted: 500 UPNs of ordinary length and an incident fit in far less. */
export const MAX_API_BODY_BYTES = 64 * 1024;

/** Targets per page of `GET /api/requests/{id}`: default and most. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Idempotency keys (src/store/idempotency-store.ts). */
export interface IdempotencyKeys {
  claim(callerAppId: string, key: string, bodySha256: string): Promise<{ kind: "claimed"; owner: string } | { kind: "done"; requestId: string; bodySha256: string } | { kind: "inProgress"; bodySha256: string }>;
  /** Keeps the holder's claim from being taken over while it works; false when it is no longer its. */
  refresh(callerAppId: string, key: string, owner: string): Promise<boolean>;
  /** Records the request; false (nothing written) when the claim is no longer the holder's. */
  complete(callerAppId: string, key: string, owner: string, requestId: string): Promise<boolean>;
  release(callerAppId: string, key: string, owner: string): Promise<void>;
  /** How often a holder refreshes its claim. */
  readonly refreshEveryMs: number;
}

/** What a body read gives: the object, or the HTTP status readJsonBody refused it with. */
export type BodyReader = () => Promise<Record<string, unknown> | number>;

export interface RequestsApiDeps {
  tokens: AccessTokenValidator | undefined;
  /** Why the API cannot check tokens (no tenant configured), when `tokens` is undefined. */
  notConfigured?: string;
  proposals: RateLimiter;
  reads: RateLimiter;
  revocations: RevocationService;
  auditor: Auditor;
  directory: Directory;
  idempotency: IdempotencyKeys;
  approvals: ApprovalChannelPort;
  protectedUsers: readonly string[];
  maxTargets: number;
  now?: () => Date;
  logger: Logger;
  /** `request.refused` entries per calling app per minute (src/api/refusals.ts); default 10. */
  refusalAuditPerMinute?: number;
}

const WWW_AUTHENTICATE = "www-authenticate";

export class RequestsApi {
  private readonly refusals: ApiRefusals;
  /** Proposing a request: the use case the chat commands share (requests/proposals.ts). */
  private readonly proposals: Proposals;

  constructor(private readonly deps: RequestsApiDeps) {
    this.refusals = new ApiRefusals({ auditor: deps.auditor, logger: deps.logger, auditPerMinute: deps.refusalAuditPerMinute });
    this.proposals = new Proposals(deps);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** `POST /api/requests`. `readBody` is called only once the caller is known to hold the role. */
  async propose(authorization: string | undefined, readBody: BodyReader): Promise<ApiResponse> {
    const auth = await this.authorize(authorization, [API_ROLES.request], this.deps.proposals, "propose");
    if (!auth.ok) return auth.response;
    const { caller, actor } = auth;

    const body = await readBody();
    if (typeof body === "number") return bodyRefused(body);
    const read = readProposal(body, this.now());
    if (!read.ok) {
      await this.refused(actor, "the body was not valid", { errors: read.errors.slice(0, 20) });
      return problem(400, "invalid-body", "The request body is not valid", `${read.errors.length} field(s) are wrong; each is named in errors, with what to send instead. Nothing was requested.`, { errors: read.errors });
    }
    const proposal = read.proposal;

    const claim = await this.deps.idempotency.claim(caller.appId, proposal.idempotencyKey, proposal.bodySha256);
    if (claim.kind !== "claimed") {
      if (claim.bodySha256 !== "" && claim.bodySha256 !== proposal.bodySha256) {
        return problem(422, "idempotency-key-reused", "Idempotency key already used for another request", "This idempotencyKey was sent before with a different body. Send a new key for a new proposal, or the same body to get the request the key made.", {
          errors: [{ field: "idempotencyKey", message: "was used before with a different body" }],
        });
      }
      if (claim.kind === "inProgress") {
        return problem(409, "idempotency-key-in-use", "The same proposal is being made", "Another call with this idempotencyKey is being answered now. Retry after a moment to get its request.", { headers: { "retry-after": "2" } });
      }
      return this.accepted(claim.requestId, true);
    }
    const keys = this.deps.idempotency;
    const { owner } = claim;
    // Refreshed while Graph and Teams work, so a retry (Logic Apps time out after 120 s) finds the
    // call in progress instead of taking the key over and making a second request.
    const refresher = setInterval(() => {
      keys.refresh(caller.appId, proposal.idempotencyKey, owner).catch((err: unknown) => this.deps.logger.warn({ err }, "API: an idempotency claim could not be refreshed"));
    }, keys.refreshEveryMs);
    try {
      const answer = await this.create(caller, actor, proposal);
      if (answer.requestId === undefined) await keys.release(caller.appId, proposal.idempotencyKey, owner);
      else if (!(await keys.complete(caller.appId, proposal.idempotencyKey, owner, answer.requestId))) {
        this.deps.logger.warn({ app: caller.appId, requestId: answer.requestId }, "API: the idempotency key was taken over while its request was made; a retry may have made another");
      }
      return answer.response;
    } catch (err) {
      await keys.release(caller.appId, proposal.idempotencyKey, owner).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(refresher);
    }
  }

  /** The proposal made into a request and posted for approval; `requestId` only when one was made. */
  private async create(caller: ApiCaller, actor: Actor, proposal: Proposal): Promise<{ response: ApiResponse; requestId?: string }> {
    const chosen = this.sourceOf(proposal);
    const proposer = { actor, app: true as const };
    const audit = {
      recordRefusal: (refusal: ProposalRefusal) => {
        const refused = refusalOf(refusal, chosen, proposal);
        return this.refused(actor, refused.reason, refused.details);
      },
    };
    const admission = await this.proposals.admit(proposer, audit);
    if (admission.kind === "refused") return { response: refusalResponse(admission.refusal, chosen) };
    // Before Graph: a proposal no approver could see is refused without reading the directory.
    const channel = await this.deps.approvals.find();
    if (channel === undefined) {
      const reason = "no approval channel is reachable: set APPROVAL_CHANNEL_ID (or AUDIT_CHANNEL_ID) to a channel of a team the bot is installed in";
      await this.refused(actor, reason, { incident: proposal.incident });
      return { response: problem(503, "no-approval-channel", "No approval channel", `Nothing was requested: ${reason}, so no approver could see it.`) };
    }
    // The card lives in the approval channel: that is where clicks on it must come from.
    const door: ProposalDoor<ChannelReference> = { ...audit, place: () => Promise.resolve(channel), originOf: (place) => place, approvalChannelOf: channelIdOf };

    const directoryFailed = (err: unknown): { response: ApiResponse } => {
      const correlationId = errorReference();
      this.deps.logger.warn({ err, correlationId, app: caller.appId }, "API: target resolution failed");
      return { response: problem(502, "directory-failed", "The directory could not be read", `Nothing was requested: ${userMessageOf(err)}`, { correlationId }) };
    };
    let frozen: Freezing;
    try {
      frozen = await this.proposals.freeze(chosen.kind === "users" ? { kind: "users", keys: chosen.users } : { kind: "selection", source: chosen.source }, door);
    } catch (err) {
      return directoryFailed(err);
    }
    if (frozen.kind === "refused") return { response: refusalResponse(frozen.refusal, chosen) };
    let proposed: Proposed<ChannelReference>;
    try {
      const options = { reason: proposal.reason, disable: proposal.disable, containment: proposal.containment, command: chosen.command, incident: proposal.incident };
      proposed = await this.proposals.propose(proposer, frozen.set, options, door);
    } catch (err) {
      // The responders in the set are read from Graph: a failure is the directory's, as above.
      if (err instanceof RespondersUnknown) return directoryFailed(err.cause);
      throw err;
    }
    if (proposed.kind === "refused") return { response: refusalResponse(proposed.refusal, chosen) };
    const { request, secondPerson } = proposed;
    try {
      await this.deps.approvals.publish(channel, request, secondPerson);
    } catch (err) {
      const correlationId = errorReference();
      this.deps.logger.warn({ err, correlationId, requestId: request.id }, "API: the approval card could not be posted");
      // A request nobody can see must not wait to be approved: it is withdrawn (and audited so).
      await this.deps.revocations.decide(request.id, actor, "cancel", "withdrawn by the bot: its card could not be posted to the approval channel");
      return {
        response: problem(502, "approval-post-failed", "The approval card could not be posted", `Nothing is pending: the card of ${request.id} could not be posted to the approval channel, so the request was withdrawn. Check that the bot is installed in that team, then send the proposal again.`, { correlationId }),
      };
    }
    return { response: this.accepted(request.id, false), requestId: request.id };
  }

  /** Named users (each with its position in the body), or a bulk selection as chat reads it. */
  private sourceOf(proposal: Proposal): Chosen {
    const { directory } = this.deps;
    const s = proposal.selection;
    const bulk = (source: SelectionSource) => ({ kind: "bulk" as const, command: source.command, source });
    switch (s.kind) {
      case "users":
        return { kind: "users", command: `revoke user ${s.users.map((u) => u.key).join(" ")}`, users: s.users.map((u) => u.key), positions: s.users.map((u) => u.position) };
      case "department":
        return bulk(departmentSelection(directory, s.department));
      case "disabled":
        return bulk(disabledSelection(directory));
      case "ip":
        return bulk(ipSelection(directory, s.ip, s.since, { option: s.since.toISOString() }));
    }
  }

  private accepted(requestId: string, replay: boolean): ApiResponse {
    const statusUrl = `/api/requests/${requestId}`;
    return json(202, { requestId, statusUrl, state: "pending" }, { location: statusUrl, ...(replay ? { "idempotent-replayed": "true" } : {}) });
  }

  /** `GET /api/requests/{id}`: the request's state, decision, counts and a page of its targets. */
  async read(authorization: string | undefined, id: string, query: URLSearchParams): Promise<ApiResponse> {
    const auth = await this.authorize(authorization, [API_ROLES.request, API_ROLES.read], this.deps.reads, "read");
    if (!auth.ok) return auth.response;
    const { caller, actor } = auth;

    const errors: FieldError[] = [];
    for (const name of query.keys()) {
      if (name !== "cursor" && name !== "limit") errors.push({ field: name.slice(0, 60), message: "is not a query parameter here; use cursor and limit" });
    }
    const limitText = query.get("limit");
    let limit = DEFAULT_PAGE_SIZE;
    if (limitText !== null) {
      if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_PAGE_SIZE) errors.push({ field: "limit", message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
      else limit = Number(limitText);
    }
    const cursorText = query.get("cursor");
    let after = -1;
    if (cursorText !== null) {
      const position = decodeCursor(cursorText);
      if (position === undefined) errors.push({ field: "cursor", message: "is not a cursor this API gave; use the nextCursor of the previous page" });
      else after = position;
    }
    if (errors.length > 0) return problem(400, "invalid-body", "The query is not valid", "Fix the named query parameters.", { errors });

    const notFound = problem(404, "not-found", "No such request", `There is no request ${clipString(id, 40)} that this app may read.`);
    if (!REQUEST_ID.test(id)) return notFound;
    const summary = await this.deps.revocations.summary(id, 0);
    if (summary === undefined) return notFound;
    const request = summary.request;
    // Revocation.Read reads any request; Revocation.Request alone, only the app's own.
    if (!caller.roles.includes(API_ROLES.read) && request.requester.aadObjectId.toLowerCase() !== actor.aadObjectId) return notFound;

    const rows = await this.deps.revocations.targetsPage(id, after, limit + 1);
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    const last = page[page.length - 1];
    const nextCursor = more && last !== undefined ? encodeCursor(last.position) : null;
    const done = Object.values(summary.counts).reduce((a, b) => a + b, 0);
    const self = `/api/requests/${id}`;
    return json(200, {
      requestId: request.id,
      state: request.state,
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
      requestedBy: actorView(request.requester),
      reason: request.reason,
      options: { disable: request.disable },
      ...(request.incident === undefined ? {} : { incident: request.incident }),
      decision: decisionOf(request),
      targetCount: summary.targetCount,
      excludedCount: request.excluded.length,
      counts: {
        revokedVerified: summary.counts.revoked_verified,
        revokedUnverified: summary.counts.revoked_unverified,
        notFound: summary.counts.not_found,
        skipped: summary.counts.skipped,
        failed: summary.counts.failed,
        pending: summary.targetCount - done,
      },
      targets: page.map(({ target, outcome }) => ({
        userId: target.id,
        userPrincipalName: target.userPrincipalName,
        displayName: target.displayName,
        outcome: outcome === null ? "pending" : OUTCOME_NAMES[outcome.status],
        detail: outcome?.detail ?? null,
        sessionsValidFrom: outcome?.sessionsValidFrom ?? null,
        disabled: outcome?.disabled ?? false,
        at: outcome?.at ?? null,
      })),
      nextCursor,
      links: { self, ...(nextCursor === null ? {} : { next: `${self}?cursor=${nextCursor}&limit=${limit}` }) },
    });
  }

  /**
   * The caller if its token is valid, it is within its rate, and it holds one of the roles; else the
   * answer that says why. The rate comes before the role check and its audit entry: an app of the
   * tenant without a role cannot write more entries than the rate (and the refusal budget) allow.
   */
  private async authorize(authorization: string | undefined, roles: readonly string[], limiter: RateLimiter, route: string): Promise<{ ok: true; caller: ApiCaller; actor: Actor } | { ok: false; response: ApiResponse }> {
    if (this.deps.tokens === undefined) {
      return { ok: false, response: problem(503, "not-configured", "The automation API is not configured", this.deps.notConfigured ?? "The API cannot check tokens.") };
    }
    const check = await this.deps.tokens.validate(authorization);
    if (!check.ok) {
      this.refusals.token(check.kind, check.reason);
      if (check.kind === "unavailable") {
        return { ok: false, response: problem(503, "unavailable", "Tokens cannot be checked now", "Entra's signing keys could not be read; try again shortly.", { headers: { "retry-after": "30" } }) };
      }
      const challenge = check.kind === "missing" ? 'Bearer realm="teams-revoke-bot"' : `Bearer realm="teams-revoke-bot", error="invalid_token", error_description="${headerSafe(check.reason)}"`;
      return {
        ok: false,
        response: problem(401, "invalid-token", "A valid access token is required", `${capitalize(check.reason)}. Send an Entra access token for the bot's API (app-only, audience api://<the client ID of the bot's API registration>).`, {
          headers: { [WWW_AUTHENTICATE]: challenge },
        }),
      };
    }
    const rate = limiter.take(check.caller.appId);
    if (!rate.ok) {
      this.refusals.rateLimited(check.caller.appId, route);
      return { ok: false, response: tooManyRequests(rate.retryAfterSeconds) };
    }
    const actor = appActor(check.caller.appId, check.caller.displayName);
    if (!roles.some((r) => check.caller.roles.includes(r))) {
      await this.refused(actor, `the app holds none of the roles ${roles.join(", ")}`, { roles: check.caller.roles.slice(0, 20) });
      return {
        ok: false,
        response: problem(403, "missing-role", "The app lacks the role", `The calling app holds none of the app roles ${roles.join(" or ")} on the bot's API. An Entra admin grants it (docs/automation-api.md).`, {
          headers: { [WWW_AUTHENTICATE]: 'Bearer realm="teams-revoke-bot", error="insufficient_scope"' },
        }),
      };
    }
    return { ok: true, caller: check.caller, actor };
  }

  private refused(actor: Actor, reason: string, details: Record<string, unknown>): Promise<void> {
    return this.refusals.audit(actor, reason, details);
  }
}

const OUTCOME_NAMES: Record<OutcomeStatus, string> = {
  revoked_verified: "revokedVerified",
  revoked_unverified: "revokedUnverified",
  enabled: "enabled",
  not_found: "notFound",
  skipped: "skipped",
  failed: "failed",
};

function actorView(actor: Actor): { kind: "app" | "person"; id: string; name: string } {
  return isAppActor(actor) ? { kind: "app", id: actor.aadObjectId.slice(actor.aadObjectId.indexOf(":") + 1), name: actor.name } : { kind: "person", id: actor.aadObjectId, name: actor.name };
}

function decisionOf(request: RevocationRequest): unknown {
  if (request.decidedBy === null || request.decidedAt === null) return null;
  const outcome = request.state === "rejected" ? "rejected" : request.state === "cancelled" ? "withdrawn" : "approved";
  return { outcome, by: actorView(request.decidedBy), at: request.decidedAt, comment: request.decisionComment, reason: request.decisionReason };
}

function channelIdOf(channel: Record<string, unknown>): string {
  const id = (channel.conversation as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : "";
}

function encodeCursor(position: number): string {
  return Buffer.from(`p:${position}`, "utf8").toString("base64url");
}

function decodeCursor(text: string): number | undefined {
  if (text.length > 40 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const m = /^p:(\d{1,9})$/.exec(Buffer.from(text, "base64url").toString("utf8"));
  return m === null ? undefined : Number(m[1]);
}

function bodyRefused(status: number): ApiResponse {
  if (status === 415) return problem(415, "unsupported-media-type", "Send JSON", "The body must be application/json (UTF-8, not compressed).");
  if (status === 413) return problem(413, "body-too-large", "The body is too large", `The body may be at most ${MAX_API_BODY_BYTES} bytes.`);
  return problem(400, "invalid-body", "The body is not a JSON object", "Send one JSON object with selection, reason, incident and idempotencyKey.", { errors: [{ field: "(body)", message: "is not a JSON object" }] });
}

function tooManyRequests(retryAfterSeconds: number): ApiResponse {
  return problem(429, "rate-limited", "Too many requests", `This app sent more requests than the API takes per minute; retry after ${retryAfterSeconds} seconds.`, {
    headers: { "retry-after": String(retryAfterSeconds) },
  });
}

/** A header value: printable ASCII only (Node refuses anything else), no quote or backslash. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").replace(/["\\]/g, "'");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
