/**
 * Turns domain objects into card data (src/cards/models.ts). The wording lives in one file per
 * card (approval-card.ts, result-card.ts, audit-card.ts, notices.ts) and chat-replies.ts for
 * chat; this module gathers them for the rest of the bot.
 */
import type { NoticeCardData } from "./models.js";

export { formatTime, plain, relativeTime } from "./format.js";
export {
  APPROVAL_ROWS,
  COMMENT_INPUT_ID,
  REPLY_LIST_LIMIT,
  confirmCardData,
  effectSentence,
  incidentLine,
  targetListMessages,
  type PendingContext,
  type PendingViewer,
} from "./approval-card.js";
export { ACCESS_TOKEN_NOTE, RESULT_ROWS, failureListMessages, humanTimes, resultCardData, resultViewOf, type ResultView } from "./result-card.js";
export { auditCardData, auditHeadline } from "./audit-card.js";

/** Users a summary of a request holds for its cards (the first, failures first). */
export const CARD_TARGET_LIMIT = 20;

/** A short message card. */
export function noticeCardData(title: string, message: string, style: NoticeCardData["style"] = "warning"): NoticeCardData {
  return { title, message, style };
}
