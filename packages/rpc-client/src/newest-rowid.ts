import type { ImsgClient } from "./imsg-client.ts";
import type { WatchSubscribeParams } from "./method-params.ts";

/**
 * The newest rowid the database holds for a watch's filters, the cheap way: the chats with the latest activity
 * (`chats.list`), then each one's newest message (`messages.history` limit 1, same filters). It can be lower than
 * the true MAX(ROWID) (tapback rows are hidden from history; synced old rows sort by their old date), never higher
 * than what the watch would stream, so it never reports a healthy stream as stale.
 */
export async function newestRowid(
  client: ImsgClient,
  watch: Omit<WatchSubscribeParams, "sinceRowid">,
  chatsToCheck = 5,
  timeoutMs?: number,
): Promise<number> {
  const options = { timeoutMs };
  const filters = { limit: 1, participants: watch.participants, start: watch.start, end: watch.end };
  const chatIds =
    watch.chatId !== undefined
      ? [watch.chatId]
      : (await client.chatsList({ limit: chatsToCheck }, options)).map((chat) => chat.id);
  let newest = 0;
  for (const chatId of chatIds) {
    const [message] = await client.messagesHistory({ chatId, ...filters }, options);
    if (message !== undefined && message.id > newest) newest = message.id;
  }
  return newest;
}
