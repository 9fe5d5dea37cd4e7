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
}
