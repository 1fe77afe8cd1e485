import type { Activity, CloudAdapter, ConversationReference, TurnContext } from "botbuilder";

/**
 * Proactive posting and editing in a conversation, outside any incoming turn.
 *
 * Every method rejects when the connector refuses: the adapter's turn error handler (which
 * teams-ai installs, and which logs and swallows) never sees a failure from here, because each
 * proactive turn catches its own error and the method rethrows it once the turn is over. Callers
 * depend on that: the audit outbox keeps a post Teams refused, a card edit is retried, a request
 * whose card cannot be posted is withdrawn.
 */
export class Messenger {
  constructor(
    private readonly adapter: CloudAdapter,
    /** The bot's app ID ("" when inbound auth is off, as in the demo). */
    private readonly botAppId: string,
  ) {}

  /**
   * Posts an activity; returns the new message's ID. With `replyToId`, the message replies to that
   * one (botbuilder takes a sent message's replyToId from the turn's activity, which for a
   * proactive turn is a made-up event, so the turn's activity carries the ID here).
   * @throws the connector's error when it refuses the message
   */
  async post(ref: Partial<ConversationReference>, activity: Partial<Activity>, replyToId?: string): Promise<string | undefined> {
    let id: string | undefined;
    await this.run(ref, async (ctx) => {
      if (replyToId !== undefined) ctx.activity.id = replyToId;
      id = (await ctx.sendActivity(activity))?.id;
    });
    return id;
  }

  /**
   * Replaces the message activityId with the given activity.
   * @throws the connector's error when it refuses the edit
   */
  async update(ref: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void> {
    await this.run(ref, async (ctx) => {
      await ctx.updateActivity({ ...activity, id: activityId, type: "message" });
    });
  }

  /**
   * Runs logic in a new turn of the conversation (its activity's `from` is the reference's user).
   * @throws what logic throws, after the turn has ended
   */
  async run(ref: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    let failure: { error: unknown } | undefined;
    await this.adapter.continueConversationAsync(this.botAppId, ref, async (ctx) => {
      try {
        await logic(ctx);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure !== undefined) throw failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  }
}
