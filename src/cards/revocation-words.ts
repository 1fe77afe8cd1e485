/**
 * The words the domain records with what it does (src/revocation/words.ts asks for them by code
 * and facts): outcome details of enables and containment steps, and the reasons of refused jobs,
 * stale enables and withdrawn ones. The composition root hands this to the lifecycle and the job
 * runner.
 */
import type { RevocationWords } from "../revocation/words.js";
import { ADMIN_RESET_REFUSED, STEP_NOT_ATTEMPTED, stepDone, stepNotDone } from "./containment-replies.js";
import { ENABLED_DETAIL, enableWithdrawnReason, notEnabledDetail, staleEnableReason, staleEnableRefusal } from "./enable-replies.js";
import { jobRefusalReason, notRunReason } from "./job-refusals.js";

export const REVOCATION_WORDS: RevocationWords = {
  jobRefusal: jobRefusalReason,
  notRun: notRunReason,
  staleEnableRefusal: (stale) => staleEnableRefusal(staleEnableReason(stale.user, stale.newerDisable)),
  enableWithdrawn: enableWithdrawnReason,
  enabled: ENABLED_DETAIL,
  notEnabled: notEnabledDetail,
  stepDone,
  stepNotDone,
  stepNotAttempted: STEP_NOT_ATTEMPTED,
  adminResetRefused: `the user ${ADMIN_RESET_REFUSED}`,
};
