import type {
  WireAttachment,
  WireChat,
  WireMessage,
  WireReaction,
  WireStatus,
  WireUrlPreview,
} from "./wire-schemas.ts";

/** The tapback kinds imsg reads (docs/imsg-protocol.md#reaction); a newer build may send another string. */
export type ReactionType = "love" | "like" | "dislike" | "laugh" | "emphasis" | "question" | "custom";

/**
 * A chat from `chats.list` (docs/imsg-protocol.md#chat). `name` may be `""`: fall back to `contactName`, then
 * `identifier`.
 */
export interface Chat {
  id: number;
  identifier: string;
  guid: string;
  name: string;
  service: string;
  lastMessageAt: string;
  participants: string[];
  isGroup: boolean;
  contactName?: string;
  /** 0.14+: `chat.display_name` (empty for direct chats without a name). */
  displayName?: string;
  /** 0.13+: unread inbound messages (absent on schemas without read state). */
  unreadCount?: number;
}

/** The URL preview row imsg (0.11.1+) folded into a text message: the text row keeps its own id and guid. */
export interface UrlPreview {
  id: number;
  guid: string;
  balloonBundleId?: string;
  createdAt?: string;
}

/** An attachment of a message (docs/imsg-protocol.md#attachment). Paths are those of the machine imsg runs on. */
export interface Attachment {
  filename: string;
  transferName: string;
  uti: string;
  mimeType: string;
  totalBytes: number;
  isSticker: boolean;
  originalPath: string;
  missing: boolean;
  convertedPath?: string;
  convertedMimeType?: string;
}

/** One entry of a message's current tapback state (docs/imsg-protocol.md#reaction). */
export interface Reaction {
  id: number;
  type: ReactionType | (string & {});
  emoji: string;
  sender: string;
  senderName?: string;
  isFromMe: boolean;
  createdAt: string;
}

/**
 * A message from `messages.history` or a `message` notification (docs/imsg-protocol.md#message); `id` is the watch
 * cursor.
 */
export interface Message {
  id: number;
  chatId: number;
  guid: string;
  sender: string;
  senderName?: string;
  isFromMe: boolean;
  text: string;
  createdAt: string;
  attachments: Attachment[];
  reactions: Reaction[];
  replyToGuid?: string;
  threadOriginatorGuid?: string;
  replyToText?: string;
  replyToSender?: string;
  destinationCallerId?: string;
  isReaction?: boolean;
  reactionType?: ReactionType | (string & {});
  reactionEmoji?: string;
  isReactionAdd?: boolean;
  reactedToGuid?: string;
  /**
   * 0.14+, live watch rows only: the exclusive resume cursor, emitted once every row up to it was delivered. It can
   * be below `id`'s neighbours (a held text row keeps its id while its preview row is higher): persist this, not `id`.
   */
  cursor?: number;
  /** 0.11.1+: the row's extension balloon (`com.apple.messages.URLBalloonProvider`, polls…). */
  balloonBundleId?: string;
  /** 0.11.1+: the preview row imsg folded into this text row. */
  urlPreview?: UrlPreview;
  /** 0.13+, inbound rows only: read when the row was read. */
  isRead?: boolean;
  dateRead?: string;
  chatIdentifier: string;
  chatGuid: string;
  chatName: string;
  participants: string[];
  isGroup: boolean;
}

/** `imsg status --json` (docs/imsg-protocol.md#status), every key optional because older builds have fewer. */
export interface ImsgStatus {
  version?: string;
  basicFeatures?: boolean;
  advancedFeatures?: boolean;
  typingIndicators?: boolean;
  readReceipts?: boolean;
  sip?: string;
  message?: string;
  bridgeVersion?: number;
  v2Ready?: boolean;
  selectors?: Record<string, boolean>;
  rpcMethods?: string[];
}

export function chatFromWire(wire: WireChat): Chat {
  const chat: Chat = {
    id: wire.id,
    identifier: wire.identifier,
    guid: wire.guid,
    name: wire.name,
    service: wire.service,
    lastMessageAt: wire.last_message_at,
    participants: wire.participants,
    isGroup: wire.is_group,
  };
  if (wire.contact_name !== undefined) chat.contactName = wire.contact_name;
  if (wire.display_name !== undefined) chat.displayName = wire.display_name;
  if (wire.unread_count !== undefined) chat.unreadCount = wire.unread_count;
  return chat;
}

export function attachmentFromWire(wire: WireAttachment): Attachment {
  const attachment: Attachment = {
    filename: wire.filename,
    transferName: wire.transfer_name,
    uti: wire.uti,
    mimeType: wire.mime_type,
    totalBytes: wire.total_bytes,
    isSticker: wire.is_sticker,
    originalPath: wire.original_path,
    missing: wire.missing,
  };
  if (wire.converted_path !== undefined) attachment.convertedPath = wire.converted_path;
  if (wire.converted_mime_type !== undefined) attachment.convertedMimeType = wire.converted_mime_type;
  return attachment;
}

export function reactionFromWire(wire: WireReaction): Reaction {
  const reaction: Reaction = {
    id: wire.id,
    type: wire.type,
    emoji: wire.emoji,
    sender: wire.sender,
    isFromMe: wire.is_from_me,
    createdAt: wire.created_at,
  };
  if (wire.sender_name !== undefined) reaction.senderName = wire.sender_name;
  return reaction;
}

function urlPreviewFromWire(wire: WireUrlPreview): UrlPreview {
  const preview: UrlPreview = { id: wire.id, guid: wire.guid };
  if (wire.balloon_bundle_id !== undefined) preview.balloonBundleId = wire.balloon_bundle_id;
  if (wire.created_at !== undefined) preview.createdAt = wire.created_at;
  return preview;
}

export function messageFromWire(wire: WireMessage): Message {
  const message: Message = {
    id: wire.id,
    chatId: wire.chat_id,
    guid: wire.guid,
    sender: wire.sender,
    isFromMe: wire.is_from_me,
    text: wire.text,
    createdAt: wire.created_at,
    attachments: wire.attachments.map(attachmentFromWire),
    reactions: wire.reactions.map(reactionFromWire),
    chatIdentifier: wire.chat_identifier,
    chatGuid: wire.chat_guid,
    chatName: wire.chat_name,
    participants: wire.participants,
    isGroup: wire.is_group,
  };
  // Optional fields stay absent rather than undefined, so consumers can test `in` and spread safely.
  if (wire.sender_name !== undefined) message.senderName = wire.sender_name;
  if (wire.reply_to_guid !== undefined) message.replyToGuid = wire.reply_to_guid;
  if (wire.thread_originator_guid !== undefined) message.threadOriginatorGuid = wire.thread_originator_guid;
  if (wire.reply_to_text !== undefined) message.replyToText = wire.reply_to_text;
  if (wire.reply_to_sender !== undefined) message.replyToSender = wire.reply_to_sender;
  if (wire.destination_caller_id !== undefined) message.destinationCallerId = wire.destination_caller_id;
  if (wire.is_reaction !== undefined) message.isReaction = wire.is_reaction;
  if (wire.reaction_type !== undefined) message.reactionType = wire.reaction_type;
  if (wire.reaction_emoji !== undefined) message.reactionEmoji = wire.reaction_emoji;
  if (wire.is_reaction_add !== undefined) message.isReactionAdd = wire.is_reaction_add;
  if (wire.reacted_to_guid !== undefined) message.reactedToGuid = wire.reacted_to_guid;
  if (wire.cursor !== undefined) message.cursor = wire.cursor;
  if (wire.balloon_bundle_id !== undefined) message.balloonBundleId = wire.balloon_bundle_id;
  if (wire.url_preview !== undefined) message.urlPreview = urlPreviewFromWire(wire.url_preview);
  if (wire.is_read !== undefined) message.isRead = wire.is_read;
  if (wire.date_read !== undefined) message.dateRead = wire.date_read;
  return message;
}

export function statusFromWire(wire: WireStatus): ImsgStatus {
  const status: ImsgStatus = {};
  if (wire.version !== undefined) status.version = wire.version;
  if (wire.basic_features !== undefined) status.basicFeatures = wire.basic_features;
  if (wire.advanced_features !== undefined) status.advancedFeatures = wire.advanced_features;
  if (wire.typing_indicators !== undefined) status.typingIndicators = wire.typing_indicators;
  if (wire.read_receipts !== undefined) status.readReceipts = wire.read_receipts;
  if (wire.sip !== undefined) status.sip = wire.sip;
  if (wire.message !== undefined) status.message = wire.message;
  if (wire.bridge_version !== undefined) status.bridgeVersion = wire.bridge_version;
  if (wire.v2_ready !== undefined) status.v2Ready = wire.v2_ready;
  if (wire.selectors !== undefined) status.selectors = wire.selectors;
  if (wire.rpc_methods !== undefined) status.rpcMethods = wire.rpc_methods;
  return status;
}
