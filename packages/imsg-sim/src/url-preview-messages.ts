import type { ChatStore } from "./chat-store.ts";
import type { MessageRow } from "./message-row.ts";
import type { ImsgPersonality } from "./personality.ts";
import {
  type CoalescingRules,
  coalesceUrlPreviews,
  type LogicalRow,
  textHoldsPreviewUrl,
  type UrlPreview,
  urlPreviewOf,
} from "./url-preview-coalescing.ts";
import type { WireMessage } from "./wire-types.ts";

/** A message of 0.11.1+: the 0.9.0 shape plus the URL-preview fields (and, live on 0.14+, `cursor`). */
export type PreviewedMessage = WireMessage & { balloon_bundle_id?: string; url_preview?: UrlPreview; cursor?: number };

/** The folding rules of a release, reading sender and text the way the store resolves them. */
export function coalescingRules(store: ChatStore, personality: ImsgPersonality): CoalescingRules {
  return {
    sender: (row) => store.resolvedSender(row),
    text: (row) => store.resolvedText(row),
    consecutivePreviews: personality.coalescesConsecutivePreviews,
  };
}

/**
 * `messages.history` rows (newest first) as logical messages: from 0.11.1 each preview row folds into its text row
 * (docs/imsg-protocol.md, URL previews). Only rows inside the requested page can fold.
 */
export function foldHistoryRows(
  rows: readonly MessageRow[],
  store: ChatStore,
  personality: ImsgPersonality,
): LogicalRow[] {
  if (!personality.coalescesUrlPreviews) return rows.map((row) => ({ row }));
  const ascending = [...rows].sort((left, right) => left.rowid - right.rowid);
  return coalesceUrlPreviews(ascending, coalescingRules(store, personality)).reverse();
}

/**
 * Adds what 0.11.1 puts on a message: `balloon_bundle_id` of its own row, `url_preview` of a folded preview row, and
 * the preview's URL appended to the text when Apple left it out of the text row.
 */
export function withUrlPreview(
  message: PreviewedMessage,
  logical: LogicalRow,
  store: ChatStore,
  personality: ImsgPersonality,
): PreviewedMessage {
  if (!personality.coalescesUrlPreviews) return message;
  const { row, preview } = logical;
  if (row.balloon_bundle_id) message.balloon_bundle_id ??= row.balloon_bundle_id;
  if (!preview) return message;
  message.url_preview = urlPreviewOf(preview);
  const url = store.resolvedText(preview).trim();
  if (url !== "" && !textHoldsPreviewUrl(message.text, url)) {
    message.text = message.text === "" ? url : `${message.text} ${url}`;
  }
  return message;
}
