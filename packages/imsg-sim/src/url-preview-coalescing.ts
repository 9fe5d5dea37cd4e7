import { isoFromAppleMilliseconds } from "./apple-time.ts";
import type { MessageRow } from "./message-row.ts";
import { isTapbackType, normalizeAssociatedGuid } from "./reactions.ts";

export const urlBalloonBundleId = "com.apple.messages.URLBalloonProvider";

/** A preview row and its text row may be at most this far apart (docs/imsg-protocol.md, URL previews). */
const coalescingWindowMs = 5000;

/** `url_preview` of a message into which a preview row was folded: it describes the preview row. */
export interface UrlPreview {
  id: number;
  guid: string;
  balloon_bundle_id: string;
  created_at: string;
}

/** One logical message: a row, plus the URL-preview row folded into it. */
export interface LogicalRow {
  row: MessageRow;
  preview?: MessageRow;
}

export interface CoalescingRules {
  /** Resolved sender and text of a row (handle or caller id; text or decoded attributedBody). */
  sender: (row: MessageRow) => string;
  text: (row: MessageRow) => string;
  /** 0.13.0: a second preview folds into the text message its predecessor already folded into. */
  consecutivePreviews: boolean;
}

export function isUrlPreviewRow(row: MessageRow): boolean {
  return row.balloon_bundle_id === urlBalloonBundleId;
}

/** The highest ROWID a logical message covers: a folded pair completes only once its preview row is read. */
export function physicalRowid(logical: LogicalRow): number {
  return Math.max(logical.row.rowid, logical.preview?.rowid ?? 0);
}

export function urlPreviewOf(preview: MessageRow): UrlPreview {
  return {
    id: preview.rowid,
    guid: preview.guid ?? "",
    balloon_bundle_id: preview.balloon_bundle_id ?? urlBalloonBundleId,
    created_at: isoFromAppleMilliseconds(preview.date_ms),
  };
}

function looksLikeUrl(text: string): boolean {
  const lowered = text.toLowerCase();
  return lowered.startsWith("http://") || lowered.startsWith("https://") || lowered.startsWith("www.");
}

/** The preview's URL already appears in the text (case-insensitively, with or without trailing slashes). */
export function textHoldsPreviewUrl(text: string, previewText: string): boolean {
  const url = previewText.trim();
  if (!looksLikeUrl(url)) return false;
  const lowered = text.toLowerCase();
  return [url, url.replace(/^\/+|\/+$/g, "")].some(
    (candidate) => candidate !== "" && lowered.includes(candidate.toLowerCase()),
  );
}

/** The preview row points at the text row's guid (its associated guid), the structural link. */
function previewTargets(preview: MessageRow, text: MessageRow): boolean {
  if (!preview.associated_message_guid || !text.guid) return false;
  return normalizeAssociatedGuid(preview.associated_message_guid) === normalizeAssociatedGuid(text.guid);
}

/** Whether `preview` folds into `text`: same chat, sender and direction, row order, 5 s window, shared URL or link. */
export function canCoalesce(text: MessageRow, preview: MessageRow, rules: CoalescingRules): boolean {
  if (!isUrlPreviewRow(preview) || text.balloon_bundle_id) return false;
  if (text.chat_id !== preview.chat_id || text.is_from_me !== preview.is_from_me) return false;
  if (rules.sender(text) !== rules.sender(preview)) return false;
  if (preview.rowid <= text.rowid) return false;
  const delta = (preview.date_ms ?? 0) - (text.date_ms ?? 0);
  if (delta < 0 || delta > coalescingWindowMs) return false;
  return previewTargets(preview, text) || textHoldsPreviewUrl(rules.text(text), rules.text(preview));
}

function isReactionRow(row: MessageRow): boolean {
  return isTapbackType(row.associated_message_type);
}

/**
 * Folds each URL-preview row into the text row before it in the same chat (docs/imsg-protocol.md, URL previews).
 * `rows` are ROWID ascending; the result keeps that order, without the folded preview rows.
 */
export function coalesceUrlPreviews(rows: readonly MessageRow[], rules: CoalescingRules): LogicalRow[] {
  const logical: (LogicalRow | undefined)[] = rows.map((row) => ({ row }));
  for (let index = 0; index < rows.length; index += 1) {
    const preview = rows[index]!;
    if (!isUrlPreviewRow(preview)) continue;
    for (let before = index - 1; before >= 0; before -= 1) {
      const candidate = rows[before]!;
      const folded = logical[before] === undefined;
      // Before 0.13.0 a preview only folds into its direct predecessor in the chat, even an already folded preview.
      if ((folded && rules.consecutivePreviews) || isReactionRow(candidate)) continue;
      if (candidate.chat_id !== preview.chat_id) continue;
      const target = logical[before];
      if (target && canCoalesce(target.row, preview, rules)) {
        target.preview = preview;
        logical[index] = undefined;
      }
      break;
    }
  }
  return logical.filter((entry): entry is LogicalRow => entry !== undefined);
}
