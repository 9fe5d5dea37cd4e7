import type { Message } from "@imessage-channel/rpc-client";

export interface SentRowQuery {
  /** The chunk that was sent; matched exactly, as imsg's own send verification does (docs/imsg-protocol.md#send). */
  text?: string;
  /** The staged path of a file that was sent; matched by its file name among the row's attachments. */
  file?: string;
  /** When the timed-out send started. */
  sentAtMs: number;
  /** Clock slack between the gateway and the Mac; imsg's verification uses 2 s. */
  toleranceMs?: number;
  /** Rows already accounted for (an earlier chunk with the same text), never matched again. */
  excludeGuids?: ReadonlySet<string>;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * After a `send` timed out, finds our row in `messages.history` of the chat (newest first, `attachments: true`
 * for files) so the gateway resends only when the message really did not go out. Pure: the caller fetches history.
 */
export function findSentRow(history: readonly Message[], query: SentRowQuery): Message | undefined {
  const earliest = query.sentAtMs - (query.toleranceMs ?? 2000);
  return history.find((row) => {
    if (!row.isFromMe || row.isReaction) return false;
    if (query.excludeGuids?.has(row.guid)) return false;
    if (Date.parse(row.createdAt) < earliest) return false;
    if (query.file !== undefined) {
      const name = baseName(query.file);
      return row.attachments.some(
        (attachment) => attachment.transferName === name || baseName(attachment.filename) === name,
      );
    }
    return query.text !== undefined && row.text === query.text;
  });
}
