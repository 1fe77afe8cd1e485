import { randomUUID } from "node:crypto";
import type { Activity } from "botbuilder";

/** A Teams user as activities name them. */
export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId?: string;
}

export interface TeamsConversation {
  id: string;
  conversationType: "personal" | "channel" | "groupChat";
  tenantId: string;
}

export const BOT_ACCOUNT = { id: "28:revoke-bot", name: "Revoke Bot" };

function base(serviceUrl: string, from: TeamsUser, conversation: TeamsConversation): Partial<Activity> {
  return {
    id: `in-${randomUUID()}`,
    timestamp: new Date(),
    serviceUrl,
    channelId: "msteams",
    from,
    recipient: BOT_ACCOUNT,
    conversation: { ...conversation, name: "", isGroup: conversation.conversationType !== "personal" },
    channelData: { tenant: { id: conversation.tenantId } },
    locale: "en-US",
  };
}

/** A message as Teams sends it (channel messages carry the bot's mention). */
export function messageActivity(serviceUrl: string, from: TeamsUser, conversation: TeamsConversation, text: string): Partial<Activity> {
  const mention = conversation.conversationType === "personal" ? "" : `<at>${BOT_ACCOUNT.name}</at> `;
  return {
    ...base(serviceUrl, from, conversation),
    type: "message",
    text: `${mention}${text}`,
    entities:
      mention === ""
        ? []
        : [{ type: "mention", mentioned: BOT_ACCOUNT, text: `<at>${BOT_ACCOUNT.name}</at>` }],
  };
}

/** An Action.Execute click on the card message cardActivityId. */
export function actionExecuteActivity(
  serviceUrl: string,
  from: TeamsUser,
  conversation: TeamsConversation,
  verb: string,
  data: Record<string, unknown>,
  cardActivityId: string,
): Partial<Activity> {
  return {
    ...base(serviceUrl, from, conversation),
    type: "invoke",
    name: "adaptiveCard/action",
    replyToId: cardActivityId,
    value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
  };
}

/** An Action.Submit click (the fallback for clients without Universal Actions). */
export function actionSubmitActivity(
  serviceUrl: string,
  from: TeamsUser,
  conversation: TeamsConversation,
  data: Record<string, unknown>,
  cardActivityId: string,
): Partial<Activity> {
  return { ...base(serviceUrl, from, conversation), type: "message", replyToId: cardActivityId, value: data };
}

/** The bot being installed into a conversation. */
export function installActivity(serviceUrl: string, from: TeamsUser, conversation: TeamsConversation): Partial<Activity> {
  return { ...base(serviceUrl, from, conversation), type: "conversationUpdate", membersAdded: [BOT_ACCOUNT] };
}

/** A channel conversation as Teams names it inside the thread of one message (`<channel>;messageid=<id>`). */
export function inThread(conversation: TeamsConversation, messageId: string): TeamsConversation {
  return { ...conversation, id: `${conversation.id.split(";")[0]};messageid=${messageId}` };
}
