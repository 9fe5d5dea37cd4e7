import { z } from "zod";

// The only place where imsg's snake_case wire names appear (docs/imsg-protocol.md#notifications, #objects, #status).
// `z.object` drops unknown keys instead of failing, so newer imsg builds with extra fields still parse.
// Fields imsg documents as "always" are required; everything else is optional and never assumed.

const rowid = z.number().int();
const isoTime = z.string();

export const wireAttachmentSchema = z.object({
  filename: z.string(),
  transfer_name: z.string(),
  uti: z.string(),
  mime_type: z.string(),
  total_bytes: z.number(),
  is_sticker: z.boolean(),
  original_path: z.string(),
  missing: z.boolean(),
  converted_path: z.string().optional(),
  converted_mime_type: z.string().optional(),
});

export const wireReactionSchema = z.object({
  id: rowid,
  // Kept open: a newer build with another kind must not make the whole message invalid.
  type: z.string(),
  emoji: z.string(),
  sender: z.string(),
  sender_name: z.string().optional(),
  is_from_me: z.boolean(),
  created_at: isoTime,
});

/** The preview row imsg 0.11.1+ folded into a text row (it keeps the text row's id, guid and time). */
export const wireUrlPreviewSchema = z.object({
  id: rowid,
  guid: z.string(),
  balloon_bundle_id: z.string().optional(),
  created_at: isoTime.optional(),
});

export const wireChatSchema = z.object({
  id: rowid,
  identifier: z.string(),
  guid: z.string(),
  name: z.string(),
  service: z.string(),
  last_message_at: isoTime,
  participants: z.array(z.string()),
  is_group: z.boolean(),
  contact_name: z.string().optional(),
  // 0.13+/0.14+ additions.
  display_name: z.string().optional(),
  unread_count: z.number().int().optional(),
});

export const wireMessageSchema = z.object({
  id: rowid,
  chat_id: rowid,
  guid: z.string(),
  sender: z.string(),
  sender_name: z.string().optional(),
  is_from_me: z.boolean(),
  text: z.string(),
  created_at: isoTime,
  attachments: z.array(wireAttachmentSchema),
  reactions: z.array(wireReactionSchema),
  reply_to_guid: z.string().optional(),
  thread_originator_guid: z.string().optional(),
  reply_to_text: z.string().optional(),
  reply_to_sender: z.string().optional(),
  destination_caller_id: z.string().optional(),
  is_reaction: z.boolean().optional(),
  reaction_type: z.string().optional(),
  reaction_emoji: z.string().optional(),
  is_reaction_add: z.boolean().optional(),
  reacted_to_guid: z.string().optional(),
  // imsg 0.11.1+ (docs/imsg-protocol.md#new-fields-on-objects): the live watch's resume cursor (0.14+), URL previews
  // imsg folded into this row, extension balloons, and the read state of inbound rows (0.13+).
  cursor: rowid.optional(),
  balloon_bundle_id: z.string().optional(),
  url_preview: wireUrlPreviewSchema.optional(),
  is_read: z.boolean().optional(),
  date_read: isoTime.optional(),
  chat_identifier: z.string(),
  chat_guid: z.string(),
  chat_name: z.string(),
  participants: z.array(z.string()),
  is_group: z.boolean(),
});

// Results of the 22 methods (docs/imsg-protocol.md#methods).
export const wireChatsListResultSchema = z.object({ chats: z.array(z.unknown()) });
export const wireMessagesHistoryResultSchema = z.object({ messages: z.array(z.unknown()) });
/** `messages.after` (0.14+): `next_rowid` is imsg's physical scan cursor, the next page's `since_rowid`. */
export const wireMessagesAfterResultSchema = z.object({
  messages: z.array(z.unknown()),
  next_rowid: rowid.nonnegative(),
  has_more: z.boolean(),
});
export const wireSubscribeResultSchema = z.object({
  subscription: rowid,
  /** 0.14+: the effective buffer size of the stream. */
  buffer_limit: rowid.optional(),
});
export const wireOkResultSchema = z.object({ ok: z.boolean() });
export const wireSendResultSchema = z.object({
  ok: z.boolean(),
  transport: z.string().optional(),
  id: rowid.optional(),
  guid: z.string().optional(),
});
/**
 * `message.send_status` (imsg 0.10+, docs/imsg-protocol.md#send-tracked): the send state of a message by guid. Unlike
 * the rest of the protocol it answers JSON `null`s; a guid with no row answers `pending` with `status_fields: null`.
 */
export const wireSendStatusResultSchema = z.object({
  ok: z.boolean(),
  guid: z.string(),
  send_state: z.enum(["pending", "sent", "delivered", "failed"]),
  service: z.string().nullable().optional(),
  checked_at: z.string().optional(),
  delivered_at: z.string().optional(),
  status_fields: z.record(z.string(), z.unknown()).nullable(),
});
export const wireSendRichResultSchema = z.object({
  ok: z.boolean(),
  queued: z.boolean().optional(),
  guid: z.string().optional(),
  message_id: z.string().optional(),
});
export const wireTapbackResultSchema = z.object({ ok: z.boolean(), reaction: z.string().optional() });
export const wireChatsCreateResultSchema = z.object({ ok: z.boolean(), chat_guid: z.string().optional() });

// Notifications (docs/imsg-protocol.md#notifications). The message itself is validated separately so one bad row is
// reported with its id.
export const wireMessageNotificationSchema = z.object({
  subscription: rowid,
  message: z.unknown(),
});
/**
 * A `message` notification whose message is valid too, from the two schemas above: what the hot path checks in one
 * compiled pass (compiled-check.ts) before it falls back to them, one at a time, to say which part was wrong.
 */
export const wireValidMessageNotificationSchema = wireMessageNotificationSchema.extend({ message: wireMessageSchema });
export const wireErrorNotificationSchema = z.object({
  subscription: rowid,
  error: z.object({ message: z.string().optional() }).optional(),
});
/** 0.14+: the terminal notification of a subscription whose queue filled (docs/imsg-protocol.md#watch-on-010). */
export const wireOverflowNotificationSchema = z.object({
  subscription: rowid,
  resume_after_rowid: z.number().int().min(0),
  reason: z.string().optional(),
});

// `imsg status --json` (docs/imsg-protocol.md#status); keys by version, so all optional.
export const wireStatusSchema = z.object({
  version: z.string().optional(),
  basic_features: z.boolean().optional(),
  advanced_features: z.boolean().optional(),
  typing_indicators: z.boolean().optional(),
  read_receipts: z.boolean().optional(),
  sip: z.string().optional(),
  message: z.string().optional(),
  bridge_version: z.number().optional(),
  v2_ready: z.boolean().optional(),
  selectors: z.record(z.string(), z.boolean()).optional(),
  rpc_methods: z.array(z.string()).optional(),
});

// `initialize` / RPC `status` (0.14+, docs/imsg-protocol.md#initialize-and-status): every key optional, newer keys kept
// out of the way.
export const wireInitializeResultSchema = z.object({
  version: z.string().optional(),
  protocol_version: z.number().int().optional(),
  database: z
    .object({
      path: z.string().optional(),
      ready: z.boolean(),
      features: z.record(z.string(), z.boolean()).optional(),
      error: z.string().optional(),
    })
    .optional(),
  bridge: z
    .object({
      ready: z.boolean(),
      bridge_version: z.number().optional(),
      v2_ready: z.boolean().optional(),
      registry_available: z.boolean().optional(),
      selectors: z.record(z.string(), z.boolean()).optional(),
      error: z.string().optional(),
    })
    .optional(),
  contacts: z.object({ available: z.boolean() }).optional(),
  methods: z.array(z.string()).optional(),
  supported_methods: z.array(z.string()).optional(),
  capabilities: z
    .object({
      engine: z.object({ version: z.string().optional(), commit: z.string().optional() }).optional(),
      features: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
});

export type WireAttachment = z.infer<typeof wireAttachmentSchema>;
export type WireReaction = z.infer<typeof wireReactionSchema>;
export type WireUrlPreview = z.infer<typeof wireUrlPreviewSchema>;
export type WireChat = z.infer<typeof wireChatSchema>;
export type WireMessage = z.infer<typeof wireMessageSchema>;
export type WireInitializeResult = z.infer<typeof wireInitializeResultSchema>;
export type WireStatus = z.infer<typeof wireStatusSchema>;
