/** What a chat message asks for, once parsed (parse.ts), or what was wrong with it. */
import type { HelpTopic } from "../../../cards/chat-replies.js";
import type { Containment } from "../../../domain/containment.js";

export type Command =
  /** `help`, or `help <topic>` for one command family's details. */
  | { kind: "help"; topic?: HelpTopic }
  | { kind: "askTarget" }
  | { kind: "revokeUsers"; targets: string[]; reason: string; disable: boolean; containment: Containment }
  /** Every member user of a department; `department` as typed (trimmed), Graph matches it case-insensitively. */
  | { kind: "revokeDepartment"; department: string; reason: string; disable: boolean; containment: Containment }
  /** Every disabled account (no --disable: they are disabled already). */
  | { kind: "revokeDisabled"; reason: string }
  /**
   * Everyone who signed in from `ip` in the last `sinceHours` hours. `ip` is canonical: IPv4 as
   * typed (leading zeros are refused), IPv6 as node:net prints it (RFC 5952: lower case, leading
   * zeros dropped, the longest run of zero groups written `::`).
   */
  | { kind: "revokeIp"; ip: string; sinceHours: number; reason: string; disable: boolean; containment: Containment }
  | { kind: "status"; target: string }
  | { kind: "pending" }
  | { kind: "cancel"; requestId: string }
  /** `cancel app <app-id-or-name>`: an approver withdraws every pending request of one app (an emergency stop). */
  | { kind: "cancelApp"; app: string }
  | { kind: "history"; count: number }
  | { kind: "auditHere" }
  /** `watch`: the active post-revocation sign-in watches. */
  | { kind: "watch" }
  /** `watch stop <request-id>`: ends one. */
  | { kind: "watchStop"; requestId: string }
  /** Re-enable one account (a second person always approves). */
  | { kind: "enable"; target: string; reason: string };

export interface ParseError {
  kind: "error";
  /** What was wrong, in one sentence. */
  message: string;
  /** What to type instead (an example command). */
  hint: string;
}
