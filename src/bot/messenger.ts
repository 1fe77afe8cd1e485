import type { Activity, CloudAdapter, ConversationReference, TurnContext } from "botbuilder";

/** Proactive posting and editing in a conversation, outside any incoming turn. */
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
   */
  async post(ref: Partial<ConversationReference>, activity: Partial<Activity>, replyToId?: string): Promise<string | undefined> {
    let id: string | undefined;
    await this.adapter.continueConversationAsync(this.botAppId, ref, async (ctx) => {
      if (replyToId !== undefined) ctx.activity.id = replyToId;
      const res = await ctx.sendActivity(activity);
      id = res?.id;
    });
    return id;
  }

  /**
   * Posts an activity and throws when the connector refuses it. (The adapter's turn error handler,
   * which teams-ai installs, would otherwise log a failed proactive send and swallow it.)
   */
  async postOrThrow(ref: Partial<ConversationReference>, activity: Partial<Activity>): Promise<string | undefined> {
    let id: string | undefined;
    let failure: unknown;
    await this.adapter.continueConversationAsync(this.botAppId, ref, async (ctx) => {
      try {
        id = (await ctx.sendActivity(activity))?.id;
      } catch (err) {
        failure = err;
      }
    });
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error("the connector refused the message");
    return id;
  }

  /** Replaces the message activityId with the given activity. */
  async update(ref: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void> {
    await this.adapter.continueConversationAsync(this.botAppId, ref, async (ctx) => {
      await ctx.updateActivity({ ...activity, id: activityId, type: "message" });
    });
  }

  /** Runs logic in a new turn of the conversation (its activity's `from` is the reference's user). */
  async run(ref: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.adapter.continueConversationAsync(this.botAppId, ref, logic);
  }
}
