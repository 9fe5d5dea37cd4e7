import type { AccountStatus } from "./account-status.ts";

/** What a channel announces (`channel.on(event, listener)`). */
export interface ChannelEvents {
  /** A turn was dispatched to its agent (or a chat command): its account, session and the guids of its rows. */
  turn: { accountId: string; sessionKey: string; guids: string[]; replayed: boolean };
  /** A reply went out to the chat: how many messages were sent for the turn. */
  reply: { accountId: string; sessionKey: string; guids: string[]; messages: number };
  /** An account's shown state changed (connecting, connected, catching-up, degraded, reconnecting, failed, …). */
  status: AccountStatus;
}

export type ChannelEventName = keyof ChannelEvents;

/** Where an account's runtime reports its events; the channel adds nothing but the fan-out. */
export type ChannelEventSink = <Name extends ChannelEventName>(event: Name, payload: ChannelEvents[Name]) => void;
