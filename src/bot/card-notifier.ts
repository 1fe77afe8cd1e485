import type { ConversationReference } from "botbuilder";
import { MessageFactory } from "botbuilder";
import type { Logger } from "pino";
import { resultCardData } from "../cards/present.js";
import { cardAttachment } from "../cards/render.js";
import type { ProgressListener } from "../revocation/job-runner.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { Messenger } from "./messenger.js";

/**
 * Keeps a request's card current by editing it in place. Progress edits are spaced at least
 * `minIntervalMs` apart per request (Teams allows about 7 messages a second per conversation, and
 * 1,800 an hour); the final state is always written.
 */
export class CardNotifier implements ProgressListener {
  private readonly lastUpdate = new Map<string, number>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly messenger: Messenger,
    private readonly logger: Logger,
    private readonly minIntervalMs = 2000,
  ) {}

  async onProgress(requestId: string, load: () => Promise<RevocationRequest | undefined>): Promise<void> {
    const last = this.lastUpdate.get(requestId) ?? 0;
    // The first edit (the job starting) always goes out; later ones are spaced.
    if (last !== 0 && Date.now() - last < this.minIntervalMs) return;
    // Claimed before loading, so targets finishing meanwhile do not all pass the check.
    this.lastUpdate.set(requestId, Date.now());
    const request = await load();
    if (request !== undefined) await this.write(request);
  }

  onFinished(request: RevocationRequest): Promise<void> {
    const done = this.write(request);
    return done.finally(() => this.lastUpdate.delete(request.id));
  }

  /** Edits are chained per request so an older state can never overwrite a newer one. */
  private write(request: RevocationRequest): Promise<void> {
    this.lastUpdate.set(request.id, Date.now());
    const previous = this.chains.get(request.id) ?? Promise.resolve();
    const next = previous.then(() => this.send(request));
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
  private async send(request: RevocationRequest): Promise<void> {
    const ref = request.origin as Partial<ConversationReference>;
    const activity = MessageFactory.attachment(cardAttachment("revoke-result", resultCardData(request)));
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
  }
}
