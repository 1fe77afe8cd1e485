import type { NewAuditEntry } from "../../src/audit/audit-log.js";
import type { DirectoryUser } from "../../src/directory/types.js";
import type { RevocationRequest } from "../../src/revocation/types.js";

/** A clock the test moves by hand, for the stores' `clock` parameter. */
export class ManualClock {
  private current: number;

  constructor(start = "2026-11-01T09:00:00.000Z") {
    this.current = Date.parse(start);
  }

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }
}

/** The n-th directory user (object IDs that sort in n's order). */
export function directoryUser(n: number): DirectoryUser {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    displayName: `User ${n}`,
    userPrincipalName: `user${n}@contoso.test`,
    accountEnabled: true,
    department: n % 2 === 0 ? "Finance" : null,
    userType: "Member",
    signInSessionsValidFromDateTime: null,
  };
}

/** A pending request for `targets` users, as the bot would create it. */
export function pendingRequest(id: string, targets: number, createdAt = "2026-11-01T09:00:00.000Z"): RevocationRequest {
  return {
    id,
    createdAt,
    expiresAt: new Date(Date.parse(createdAt) + 30 * 60_000).toISOString(),
    requester: { aadObjectId: "aaaaaaaa-0000-4000-8000-000000000001", name: "Riley Requester" },
    reason: "phishing report INC-42",
    containment: { resetPassword: false, confirmCompromised: false },
    action: "revoke",
    foreignDisable: false,
    enableAgainst: null,
    disable: false,
    targets: Array.from({ length: targets }, (_, i) => directoryUser(i + 1)),
    excluded: [{ user: { ...directoryUser(900), userType: "Guest" }, why: "guest" }],
    state: "pending",
    version: 1,
    decidedBy: null,
    decidedAt: null,
    decisionComment: null,
    decisionReason: null,
    approvalCard: null,
    origin: { conversation: { id: "19:abc@thread.tacv2" }, serviceUrl: "https://smba.trafficmanager.net/emea/" },
    cardActivityId: null,
    outcomes: [],
  };
}

/** An audit entry with the given action (defaults for the rest). */
export function auditEntry(action: NewAuditEntry["action"], requestId: string | null = null, details: Record<string, unknown> = {}): NewAuditEntry {
  return { actor: { aadObjectId: "aaaaaaaa-0000-4000-8000-000000000001", name: "Riley Requester" }, action, requestId, details };
}
