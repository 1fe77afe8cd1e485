/** Strips the thread part Teams appends to a channel conversation ID (`<channel>;messageid=…`). */
export function channelRootId(conversationId: string): string {
  const i = conversationId.indexOf(";messageid=");
  return i < 0 ? conversationId : conversationId.slice(0, i);
}
