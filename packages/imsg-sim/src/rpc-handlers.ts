import { bridgeMethods } from "./methods-bridge.ts";
import { chatsGet } from "./methods-chats-get.ts";
import { contactsShareContactCard, contactsShouldShareContact, handlesCheck } from "./methods-handles.ts";
import { messagesAfter } from "./methods-messages-after.ts";
import { messagesSearch } from "./methods-messages-search.ts";
import { messagesScheduled, messagesStats } from "./methods-messages-stats.ts";
import { sendMultipart } from "./methods-multipart.ts";
import { pollMethods } from "./methods-polls.ts";
import { chatsList, messagesHistory } from "./methods-read.ts";
import { read, send, typing } from "./methods-send.ts";
import { sendSticker } from "./methods-sticker.ts";
import { messageSendStatus, sendTracked } from "./methods-tracked-send.ts";
import { bridgeEventsSubscribe, watchSubscribe, watchUnsubscribe } from "./methods-watch.ts";
import type { Params } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { initializeMethod, statusMethod } from "./status-snapshot.ts";

/** A method's handler; it may answer later (a Promise), which the 0.14+ lanes run concurrently. */
export type Handler = (
  params: Params,
  session: SimSession,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Every RPC method the sim answers; which of them a run offers is its personality's (`rpcMethods`). */
export const rpcHandlers: Record<string, Handler> = {
  initialize: initializeMethod,
  status: statusMethod,
  "chats.list": chatsList,
  "messages.history": messagesHistory,
  "watch.subscribe": watchSubscribe,
  "watch.unsubscribe": watchUnsubscribe,
  send,
  typing,
  read,
  ...bridgeMethods,
  "bridge.events.subscribe": bridgeEventsSubscribe,
  "messages.after": messagesAfter,
  "messages.search": messagesSearch,
  "messages.stats": messagesStats,
  "messages.scheduled": messagesScheduled,
  "chats.get": chatsGet,
  "send.tracked": sendTracked,
  "message.send_status": messageSendStatus,
  "send.multipart": sendMultipart,
  "send.sticker": sendSticker,
  ...pollMethods,
  "handles.check": handlesCheck,
  "contacts.shouldShareContact": contactsShouldShareContact,
  "contacts.shareContactCard": contactsShareContactCard,
};
