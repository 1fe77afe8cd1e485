/**
 * Who may do what and how much: the revoker and approver groups, when a second person must
 * approve, how long a request waits, how many targets and pending requests, who is never revoked.
 */
import { z } from "zod";
import { booleanWithDefault, csv, GUID, integer, UPN, type Parsed } from "./fields.js";

const guidList = (what: string) =>
  csv.superRefine((ids, ctx) => {
    for (const id of ids) {
      if (!GUID.test(id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${id}" is not an Entra object ID (a GUID such as 8f1c…-…); list the ${what} group object IDs, comma-separated`,
        });
      }
    }
  });

export const policyVariables = {
  MAX_PENDING_PER_REQUESTER: integer("MAX_PENDING_PER_REQUESTER", 5, 1, 1000),
  DISABLE_NEEDS_SECOND_PERSON: booleanWithDefault(true),
  REVOKER_GROUP_IDS: guidList("revoker"),
  APPROVER_GROUP_IDS: guidList("approver"),
  FOUR_EYES_MIN_TARGETS: integer("FOUR_EYES_MIN_TARGETS", 2, 1, 100000),
  REQUEST_TTL_MINUTES: integer("REQUEST_TTL_MINUTES", 30, 1, 7 * 24 * 60),
  MAX_TARGETS: integer("MAX_TARGETS", 200_000, 1, 1_000_000),
  PROTECTED_USER_IDS: csv.superRefine((items, ctx) => {
    for (const item of items) {
      if (!GUID.test(item) && !UPN.test(item)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${item}" is neither an object ID (GUID) nor a UPN (name@domain)`,
        });
      }
    }
  }),
};

type PolicyVariables = Parsed<typeof policyVariables>;

/** Both groups are required (no one could request or approve otherwise); problems are added to `problems`. */
export function checkRoleGroups(e: PolicyVariables, problems: string[]): void {
  if (e.REVOKER_GROUP_IDS?.length === 0) {
    problems.push(
      "REVOKER_GROUP_IDS: required; set it to the object ID(s) of the Entra group(s) whose members may request revocations",
    );
  }
  if (e.APPROVER_GROUP_IDS?.length === 0) {
    problems.push(
      "APPROVER_GROUP_IDS: required; set it to the object ID(s) of the Entra group(s) whose members may approve revocations",
    );
  }
}
