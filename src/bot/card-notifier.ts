import type { ConversationReference } from "botbuilder";
import { MessageFactory } from "botbuilder";
import type { Logger } from "pino";
import { RESULT_ROWS, failureListMessages, resultCardData, resultViewOf, type ResultView } from "../cards/present.js";
import { cardAttachment } from "../cards/render.js";
import type { FinalCardPort } from "./commands/ports.js";
import type { ProgressListener } from "../revocation/job-runner.js";
import type { RequestSummary } from "../revocation/request-store.js";
import { replyTarget } from "./request-cards.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { Messenger } from "./messenger.js";

/**
 * Keeps a request's card current by editing it in place. Progress edits are spaced at least
 * `minIntervalMs` apart per request (5 s by default: Teams allows about 7 messages a second per
 * conversation and 1,800 an hour, shared by every card there) and say how fast it goes and how
 * long is left; the final state is always written, and a finished request with more failures than
 * its card lists gets the failures in replies to the card.
 */
export class CardNotifier implements ProgressListener, FinalCardPort {
  private readonly lastUpdate = new Map<string, number>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Per request: when this process first saw its progress, and how many were done then. */
  private readonly firstSeen = new Map<string, { at: number; done: number }>();

  constructor(
    private readonly messenger: Messenger,
    private readonly logger: Logger,
    private readonly minIntervalMs = 5000,
  ) {}

  async onProgress(requestId: string, load: () => Promise<RequestSummary | undefined>): Promise<void> {
    const last = this.lastUpdate.get(requestId) ?? 0;
    // The first edit (the job starting) always goes out; later ones are spaced.
    if (last !== 0 && Date.now() - last < this.minIntervalMs) return;
    // Claimed before loading, so targets finishing meanwhile do not all pass the check.
    this.lastUpdate.set(requestId, Date.now());
    const summary = await load();
    if (summary === undefined) return;
    const done = Object.values(summary.counts).reduce((a, b) => a + b, 0);
    const first = this.firstSeen.get(requestId) ?? { at: Date.now(), done };
    this.firstSeen.set(requestId, first);
    await this.write(summary.request, { ...summary, pace: paceOf(first, done, summary.targetCount) });
  }

  onFinished(request: RevocationRequest, summary?: RequestSummary): Promise<void> {
    // Only the job's own end (which comes with its summary, once) lists the failures in replies;
    // a late click re-sending the final card must not post them again.
    const done = this.write(request, summary ?? resultViewOf(request), summary !== undefined);
    return done.finally(() => {
      this.lastUpdate.delete(request.id);
      this.firstSeen.delete(request.id);
    });
  }

  /** Re-sends a decided request's final card (a late click found it decided); lists no failures again. */
  showFinal(view: RequestSummary): Promise<void> {
    return this.write(view.request, view, false);
  }

  /** Edits are chained per request so an older state can never overwrite a newer one. */
  private write(request: RevocationRequest, view: ResultView, listFailures = false): Promise<void> {
    this.lastUpdate.set(request.id, Date.now());
    const previous = this.chains.get(request.id) ?? Promise.resolve();
    const next = previous.then(() => this.send(request, view, listFailures));
    const settled = next.catch((err: unknown) => {
      this.logger.warn({ err, requestId: request.id }, "card update failed");
    });
    this.chains.set(request.id, settled);
    void settled.finally(() => {
      if (this.chains.get(request.id) === settled) this.chains.delete(request.id);
    });
    return next;
  }

  /** Edits the request's card and, when there is one, its approval channel copy. */
  private async send(request: RevocationRequest, view: ResultView, listFailures: boolean): Promise<void> {
    const ref = request.origin as Partial<ConversationReference>;
    const activity = MessageFactory.attachment(cardAttachment("revoke-result", resultCardData(view)));
    const edits: Array<Promise<unknown>> = [
      request.cardActivityId !== null ? this.messenger.update(ref, request.cardActivityId, activity) : this.messenger.post(ref, activity),
    ];
    const approval = request.approvalCard;
    if (approval !== null && approval.activityId !== null) {
      edits.push(this.messenger.update(approval.reference, approval.activityId, activity));
    }
    // Both are attempted even when one fails; the first failure is reported.
    const results = await Promise.allSettled(edits);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    if (listFailures && (request.state === "completed" || request.state === "failed")) await this.listFailures(request, view);
  }

  /** The failures a finished card cannot list, in replies to it (in a channel, its thread). */
  private async listFailures(request: RevocationRequest, view: ResultView): Promise<void> {
    const failures = view.counts.failed + view.counts.not_found;
    if (failures <= RESULT_ROWS || request.cardActivityId === null) return;
    const cardId = request.cardActivityId;
    const ref = replyTarget(request.origin, cardId);
    for (const text of failureListMessages(request.id, view.rows, failures)) await this.messenger.post(ref, MessageFactory.text(text), cardId);
  }

}

/** "12.5 users/s, about 7 min left", from what this process has seen of the job. */
export function paceOf(first: { at: number; done: number }, done: number, total: number, now = Date.now()): string {
  const seconds = (now - first.at) / 1000;
  const rate = seconds > 0 ? (done - first.done) / seconds : 0;
  if (rate <= 0 || done >= total) return "";
  const left = (total - done) / rate;
  const eta = left < 90 ? `about ${Math.max(1, Math.round(left))} s left` : `about ${Math.round(left / 60)} min left`;
  return `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} users/s, ${eta}`;
}
