import type { InboundMessage } from "@imessage-channel/policy";

/** The imsg `message` fields the gateway reads (imsg-protocol.md §4.2), snake_case as they arrive. */
export interface ImsgMessage extends InboundMessage {
  id: number;
  guid: string;
  created_at: string;
  chat_name?: string;
  sender_name?: string;
  participants?: string[];
  reply_to_guid?: string;
  thread_originator_guid?: string;
  attachments: Array<{
    filename: string;
    transfer_name: string;
    mime_type: string;
    total_bytes: number;
    original_path: string;
    missing: boolean;
  }>;
}

/** Where a reply goes: the chat of the inbound row, by every identity it carried. */
export interface ChatAddress {
  chatId: number;
  chatGuid?: string;
  chatIdentifier?: string;
  /** The DM peer's handle (for echo matching and as a fallback target). */
  handle?: string;
  isGroup: boolean;
}

export interface SendRequest {
  chat: ChatAddress;
  text?: string;
  file?: string;
}

export interface SendOutcome {
  rowid?: number;
  guid?: string;
}

/**
 * What the pipeline needs from the one long-lived imsg connection of its account. The gateway implements it
 * over the rpc-client; every call rides the same child (never a process per send).
 */
export interface ImsgPort {
  send(request: SendRequest): Promise<SendOutcome>;
  /** Marks the chat read; resolves false when the bridge cannot (the caller logs once). */
  markRead(chat: ChatAddress): Promise<boolean>;
  /** Shows or hides the typing bubble; resolves false when the bridge cannot. */
  setTyping(chat: ChatAddress, typing: boolean): Promise<boolean>;
}
