/**
 * Every card kind the bot sends, built from realistic requests and audit entries through the same
 * functions the bot uses (src/cards/present.ts). The browser suite renders them with the
 * adaptivecards SDK to measure their heights; the raw-data check reads them as a person would.
 */
import type { AuditAction, AuditEntry } from "../../src/audit/audit-log.js";
import { auditCardData, confirmCardData, resultCardData, type PendingContext, type PendingViewer } from "../../src/cards/present.js";
import { renderCard, type AdaptiveCardJson } from "../../src/cards/render.js";
import type { DirectoryUser } from "../../src/directory/types.js";
import { NO_CONTAINMENT } from "../../src/domain/containment.js";
import type { OutcomeStatus, TargetOutcome } from "../../src/domain/outcome.js";
import type { RevocationRequest } from "../../src/revocation/types.js";

/** "Now" for every sample: the request was made 2 minutes ago. */
export const SAMPLE_NOW = new Date("2026-12-01T10:02:00.000Z");

const CREATED = "2026-12-01T10:00:00.000Z";
const EXPIRES = "2026-12-01T10:30:00.000Z";
const DANA = { aadObjectId: "5f0c6a1e-2b9d-4c3a-8e71-0d4b9a2c6f13", name: "Dana Analyst" };
const RILEY = { aadObjectId: "9a3e1c77-41b2-4f0e-b6d8-2c5a7e9f0b41", name: "Riley Approver" };

const FIRST = ["Alice", "Bruno", "Chen", "Dmitri", "Eva", "Farah", "Goran", "Hana", "Ivan", "Jun", "Kofi", "Lena"];
const LAST = ["Wood", "Silva", "Wei", "Petrov", "Novak", "Haddad", "Kovač", "Sato", "Horvat", "Park"];

function guid(n: number): string {
  const hex = (n * 2654435761).toString(16).padStart(12, "0").slice(-12);
  return `3b9c${hex.slice(0, 4)}-7e21-4d0a-9f3c-${hex}`;
}

/** The n-th user of the sample tenant; every tenth one (from the fourth) is disabled. */
function sampleUser(n: number, department = "Claims"): DirectoryUser {
  const first = FIRST[n % FIRST.length] ?? "Alex";
  const last = LAST[Math.floor(n / FIRST.length) % LAST.length] ?? "Doe";
  return {
    id: guid(n + 1),
    displayName: `${first} ${last}`,
    userPrincipalName: `${first.toLowerCase()}.${last.toLowerCase().replace("č", "c")}${n}@contoso.com`,
    accountEnabled: n % 10 !== 3,
    department,
    userType: "Member",
    signInSessionsValidFromDateTime: n % 3 === 0 ? "2026-11-28T08:15:00.000Z" : null,
  };
}

const ALICE: DirectoryUser = {
  id: "7d6c1b5e-0f4a-4a9e-9c1e-2b1f8c7d6e5a",
  displayName: "Alice Wood",
  userPrincipalName: "alice.wood@contoso.com",
  accountEnabled: true,
  department: "Finance",
  userType: "Member",
  signInSessionsValidFromDateTime: "2026-11-02T08:15:00.000Z",
};

function request(over: Partial<RevocationRequest>): RevocationRequest {
  return {
    id: "R-7K2M9QX4AB",
    createdAt: CREATED,
    expiresAt: EXPIRES,
    requester: DANA,
    reason: "",
    disable: false,
    containment: NO_CONTAINMENT,
    action: "revoke",
    foreignDisable: false,
    enableAgainst: null,
    targets: [],
    excluded: [],
    state: "pending",
    version: 1,
    decidedBy: null,
    decidedAt: null,
    decisionComment: null,
    decisionReason: null,
    origin: { conversation: { id: "19:secops@thread.tacv2", conversationType: "channel" } },
    cardActivityId: "1700000000000",
    approvalCard: null,
    outcomes: [],
    ...over,
  };
}

export const singleRequest = request({ reason: "Phishing report INC-78: the user entered her password on a fake sign-in page", targets: [ALICE], selection: { kind: "users" } });

export const bulkRequest = request({
  id: "R-9PQ3X7M2CD",
  targets: Array.from({ length: 60 }, (_, i) => sampleUser(i)),
  selection: { kind: "department", name: "Claims" },
  excluded: [
    { user: { ...sampleUser(100), userType: "Guest", userPrincipalName: "vendor_fabrikam.com#EXT#@contoso.onmicrosoft.com" }, why: "guest" },
    { user: sampleUser(101), why: "protected" },
  ],
});

/** `revoke ip … --disable --reset-password`: two responders in the set, failed attempts from the address beside it (the longest title). */
export const respondersRequest = request({
  id: "R-4HJ8W2N6QT",
  targets: Array.from({ length: 7 }, (_, i) => sampleUser(i)),
  selection: { kind: "ip", address: "203.0.113.50", since: "2026-11-30T10:00:00.000Z", sinceHours: 24 },
  disable: true,
  containment: { resetPassword: true, confirmCompromised: false },
  responders: [0, 1].map((i) => ({ id: sampleUser(i).id, userPrincipalName: sampleUser(i).userPrincipalName, displayName: sampleUser(i).displayName })),
  failedSignIns: {
    attempts: 4,
    more: false,
    users: [
      { id: sampleUser(0).id, userPrincipalName: sampleUser(0).userPrincipalName, displayName: sampleUser(0).displayName, attempts: 3 },
      { id: null, userPrincipalName: "nobody@contoso.com", displayName: null, attempts: 1 },
    ],
  },
});

function outcome(user: DirectoryUser, status: OutcomeStatus): TargetOutcome {
  return {
    userId: user.id,
    status,
    detail:
      status === "failed"
        ? "Microsoft Graph refused: the bot's app registration lacks User.RevokeSessions.All; an administrator should grant it."
        : "Sessions are valid only from 1 Dec, 10:04 UTC",
    sessionsValidFrom: status === "failed" ? null : "2026-12-01T10:04:11.000Z",
    disabled: false,
    at: "2026-12-01T10:04:12.000Z",
  };
}

const decided = { decidedBy: RILEY, decidedAt: "2026-12-01T10:03:30.000Z", decisionReason: "approved by an approver other than the requester (four-eyes)" };

export const singleResult = request({
  ...singleRequest,
  state: "completed",
  decidedBy: DANA,
  decidedAt: "2026-12-01T10:03:30.000Z",
  decisionReason: "confirmed by the requester (a revoker), a one-person request",
  outcomes: [outcome(ALICE, "revoked_verified")],
});

export const bulkResult = request({
  ...bulkRequest,
  ...decided,
  state: "failed",
  decisionComment: "Checked with the Claims lead",
  outcomes: bulkRequest.targets.map((t, i) => outcome(t, i === 17 || i === 42 ? "failed" : "revoked_verified")),
});

const pendingContext = (secondPerson: string | null): PendingContext => ({
  secondPerson,
  approvalWhere: "",
  refreshUserIds: ["29:dana"],
  now: SAMPLE_NOW,
});

const approverView: PendingViewer = { abilities: { approve: true, reject: true, cancel: false }, isRequester: false };

/** An audit entry as the bot records it. */
function entry(action: AuditAction, details: Record<string, unknown>, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq: 4711,
    at: "2026-12-01T10:04:15.603Z",
    actor: DANA,
    action,
    requestId: "R-9PQ3X7M2CD",
    details,
    prevHash: "0".repeat(64),
    hash: "1".repeat(64),
    hashAlg: "sha256",
    ...over,
  };
}

const listedTargets = bulkRequest.targets.slice(0, 50).map((t) => ({ id: t.id, upn: t.userPrincipalName }));

/** One entry of every posted audit action, with the details the bot writes for it. */
export const auditSamples: Array<{ name: string; entry: AuditEntry }> = [
  {
    name: "request.created",
    entry: entry("request.created", {
      reason: "",
      disable: false,
      targetCount: 60,
      selection: { kind: "department", name: "Claims" },
      targetsSha256: "9f2c".repeat(16),
      targets: listedTargets,
      moreTargets: "10 more, in the request's frozen target list",
      excludedCount: 2,
      excluded: bulkRequest.excluded.map((e) => ({ id: e.user.id, upn: e.user.userPrincipalName, why: e.why })),
      expiresAt: EXPIRES,
      fourEyes: true,
      approvalChannel: "19:3f1b2c4d5e6f7a8b9c0d1e2f3a4b5c6d@thread.tacv2",
    }),
  },
  { name: "request.refused", entry: entry("request.refused", { command: "revoke department", reason: "You are not in a revoker group, so you cannot request revocations." }, { requestId: null }) },
  {
    name: "request.approved",
    entry: entry("request.approved", { reason: decided.decisionReason, comment: "Checked with the Claims lead", targetCount: 60, fourEyes: true, roles: { revoker: true, approver: true } }, { actor: RILEY }),
  },
  { name: "request.cancelled", entry: entry("request.cancelled", { reason: "withdrawn by the requester", comment: "", targetCount: 60, fourEyes: true }) },
  { name: "request.rejected", entry: entry("request.rejected", { reason: "rejected by an approver", comment: "Not enough evidence yet", targetCount: 60, fourEyes: true }, { actor: RILEY }) },
  { name: "request.expired", entry: entry("request.expired", { expiresAt: EXPIRES, targetCount: 60 }, { actor: null }) },
  {
    name: "decision.refused",
    entry: entry("decision.refused", {
      verb: "approve",
      reason: "Someone other than you must approve this request: requests of 10 users or more need a second person.",
      roles: { revoker: true, approver: false },
      comment: "",
    }),
  },
  {
    name: "decision.refused (forged)",
    entry: entry("decision.refused", {
      verb: "refresh",
      reason: "card action refused: the request's card is not in this conversation",
      claimedRequestId: "R-9PQ3X7M2CD",
      conversation: "19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.tacv2",
    }),
  },
  { name: "revocation.started", entry: entry("revocation.started", { runner: "vm:21295:c40289", targetCount: 60, selection: { kind: "department", name: "Claims" } }, { actor: null }) },
  {
    name: "revocation.resumed",
    entry: entry("revocation.resumed", { runner: "vm:21295:c40289", previousRunner: "vm:19811:a77f02", remaining: 23 }, { actor: null }),
  },
  {
    name: "revocation.completed",
    entry: entry(
      "revocation.completed",
      {
        counts: { revoked_verified: 1, revoked_unverified: 0, not_found: 0, skipped: 0, failed: 0 },
        outcomes: [{ id: ALICE.id, upn: ALICE.userPrincipalName, status: "revoked_verified", detail: "", sessionsValidFrom: "2026-12-01T10:04:11.000Z", disabled: false }],
      },
      { actor: null, requestId: "R-7K2M9QX4AB" },
    ),
  },
  {
    name: "revocation.failed",
    entry: entry(
      "revocation.failed",
      {
        counts: { revoked_verified: 58, revoked_unverified: 0, not_found: 0, skipped: 0, failed: 2 },
        outcomes: bulkResult.outcomes
          .filter((o) => o.status === "failed")
          .map((o) => ({ id: o.userId, upn: bulkRequest.targets.find((t) => t.id === o.userId)?.userPrincipalName, status: o.status, detail: o.detail, sessionsValidFrom: null, disabled: false })),
        moreOutcomes: "58 more; each target has its own target.outcome entry",
      },
      { actor: null },
    ),
  },
  { name: "revocation.refused", entry: entry("revocation.refused", { reason: "Not run: the requester is no longer in a revoker group.", targetCount: 60, requester: "Dana Analyst" }, { actor: null }) },
  { name: "audit.channel.set", entry: entry("audit.channel.set", { channel: "19:3f1b2c4d5e6f7a8b9c0d1e2f3a4b5c6d@thread.tacv2" }, { requestId: null, actor: RILEY }) },
  {
    name: "audit.channel.moved",
    entry: entry("audit.channel.moved", { from: "19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.tacv2", to: "19:3f1b2c4d5e6f7a8b9c0d1e2f3a4b5c6d@thread.tacv2" }, { requestId: null, actor: RILEY }),
  },
  {
    name: "activity.refused",
    entry: entry("activity.refused", { reason: "tenant not allowed", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", channelId: "msteams" }, { requestId: null, actor: null }),
  },
  { name: "status.viewed", entry: entry("status.viewed", { lookedUp: "alice.wood@contoso.com", found: true, userId: ALICE.id, upn: ALICE.userPrincipalName }, { requestId: null }) },
  { name: "audit.keyed", entry: entry("audit.keyed", { keyId: "k-2026-12", previousKeyId: "k-2026-06" }, { requestId: null, actor: null }) },
];

export interface CardSample {
  /** e.g. "single-user approval" */
  name: string;
  /** The limit in px at 450 px wide (Teams light host config). */
  maxHeight: number;
  card: AdaptiveCardJson;
  /**
   * File name of its rendering in docs/images/, for the kinds the Playground cannot show (the
   * browser test's Playground run saves the others from the Playground itself).
   */
  image?: string;
}

/** Every card kind with the height limit. */
export function cardSamples(): CardSample[] {
  return [
    {
      name: "single-user approval",
      maxHeight: 500,
      card: renderCard("revoke-confirm", confirmCardData(singleRequest, pendingContext(null), approverView)),
    },
    {
      name: "single-user result",
      maxHeight: 450,
      card: renderCard("revoke-result", resultCardData(singleResult)),
    },
    {
      name: "60-user approval",
      maxHeight: 900,
      card: renderCard(
        "revoke-confirm",
        confirmCardData(bulkRequest, pendingContext("requests of 10 users or more need a second person (four-eyes)"), approverView),
      ),
    },
    {
      name: "7-user approval with responders and failed sign-ins",
      maxHeight: 900,
      card: renderCard("revoke-confirm", confirmCardData(respondersRequest, pendingContext("2 of these users are members of a revoker or approver group"), approverView)),
    },
    {
      name: "60-user result",
      maxHeight: 700,
      card: renderCard("revoke-result", resultCardData(bulkResult)),
      image: "result-bulk.png",
    },
    ...auditSamples.map(({ name, entry: e }) => ({
      name: `audit post: ${name}`,
      maxHeight: 350,
      card: renderCard("audit-entry", auditCardData(e)),
    })),
  ];
}
