import { bridgeMethods } from "./methods-bridge.ts";
import { chatsList, messagesHistory } from "./methods-read.ts";
import { read, send, typing } from "./methods-send.ts";
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
};
