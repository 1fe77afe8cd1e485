import type { ConversationReference } from "botbuilder";
import { MessageFactory } from "botbuilder";
import {
  watchEndedText,
  watchReportText,
  watchStartedText,
  watchStoppedThreadText,
  watchUnavailableText,
  type UserReport,
} from "../cards/watch-replies.js";
import type { Actor } from "../domain/actor.js";
import type { RevocationRequest } from "../revocation/types.js";
import type { FailedStep } from "../watch/types.js";
import type { WatchThread } from "../watch/watch-runner.js";
import type { Messenger } from "./messenger.js";
import { replyTarget } from "./request-cards.js";

/**
 * The watch's messages, posted as replies to the request's card: in a channel the card's thread,
 * in a chat the chat itself. The runner spaces them (at most one a minute per request).
 */
export class TeamsWatchThread implements WatchThread {
  constructor(private readonly messenger: Messenger) {}

  started(request: RevocationRequest, users: number, hours: number, incidentIp: string | null, failedSteps: readonly FailedStep[]): Promise<void> {
    return this.post(request, watchStartedText(request.id, users, hours, incidentIp, failedSteps));
  }

  report(request: RevocationRequest, reports: readonly UserReport[], more: number): Promise<void> {
    return this.post(request, watchReportText(request.id, reports, more));
  }

  unavailable(request: RevocationRequest, reason: string): Promise<void> {
    return this.post(request, watchUnavailableText(request.id, reason));
  }

  ended(request: RevocationRequest, hours: number, signIns: number, alarms: number, alarmsFromOthers: number): Promise<void> {
    return this.post(request, watchEndedText(request.id, hours, signIns, alarms, alarmsFromOthers));
  }

  stopped(request: RevocationRequest, by: Actor, reason: string): Promise<void> {
    return this.post(request, watchStoppedThreadText(request.id, by.name, reason));
  }

  private async post(request: RevocationRequest, text: string): Promise<void> {
    const origin = request.origin as Partial<ConversationReference>;
    const cardId = request.cardActivityId ?? undefined;
    const ref = cardId === undefined ? origin : replyTarget(origin, cardId);
    await this.messenger.post(ref, MessageFactory.text(text), cardId);
  }
}
