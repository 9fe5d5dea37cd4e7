/** JSON shapes imsg 0.9.0 puts on the wire (docs/imsg-protocol.md#objects); snake_case because they are wire names. */
export type ReactionType = "love" | "like" | "dislike" | "laugh" | "emphasis" | "question" | "custom";

export interface WireChat {
  id: number;
  identifier: string;
  guid: string;
  name: string;
  service: string;
  last_message_at: string;
  participants: string[];
  is_group: boolean;
  contact_name?: string;
  /** 0.14.0 canonical payload: `chat.display_name` ("" when unnamed) and the routing diagnostics (omitted when empty). */
  display_name?: string;
  account_id?: string;
  account_login?: string;
  last_addressed_handle?: string;
  /** 0.13.0: inbound messages not yet read; omitted on schemas without read state. */
  unread_count?: number;
}

export interface WireAttachment {
  filename: string;
  transfer_name: string;
  uti: string;
  mime_type: string;
  total_bytes: number;
  is_sticker: boolean;
  original_path: string;
  missing: boolean;
}

export interface WireReaction {
  id: number;
  type: ReactionType;
  emoji: string;
  sender: string;
  sender_name?: string;
  is_from_me: boolean;
  created_at: string;
}

export interface WireMessage {
  id: number;
  chat_id: number;
  guid: string;
  sender: string;
  sender_name?: string;
  is_from_me: boolean;
  text: string;
  created_at: string;
  attachments: WireAttachment[];
  reactions: WireReaction[];
  reply_to_guid?: string;
  thread_originator_guid?: string;
  reply_to_text?: string;
  reply_to_sender?: string;
  destination_caller_id?: string;
  is_reaction?: true;
  reaction_type?: ReactionType;
  reaction_emoji?: string;
  is_reaction_add?: boolean;
  reacted_to_guid?: string;
  chat_identifier: string;
  chat_guid: string;
  chat_name: string;
  participants: string[];
  is_group: boolean;
  /** 0.11.1: the row's `balloon_bundle_id`, when non-empty. */
  balloon_bundle_id?: string;
  /** 0.11.1: the URL-preview row folded into this text message (docs/imsg-protocol.md, New fields). */
  url_preview?: WireUrlPreview;
  /** 0.10.0: native poll creation and vote rows. */
  poll?: WirePoll;
  /** 0.13.0: inbound rows only; `date_read` only when read. */
  is_read?: boolean;
  date_read?: string;
  /** 0.14.0: live watch notifications only; the resumable position after this message. */
  cursor?: number;
}

export interface WireUrlPreview {
  id: number;
  guid: string;
  balloon_bundle_id: string;
  created_at: string;
}

export interface WirePollOption {
  id: string;
  text: string;
}

export interface WirePollVote {
  option_id: string;
  participant: string;
  event_type: "voted" | "unvoted";
}

export interface WirePoll {
  kind: "created" | "vote" | "unknown";
  event: "imessage.poll.created" | "imessage.poll.voted" | "imessage.poll.unknown";
  poll_guid?: string;
  question?: string;
  options?: WirePollOption[];
  vote?: WirePollVote;
  votes?: WirePollVote[];
  original_guid?: string;
  creator?: string;
  participants?: string[];
}
