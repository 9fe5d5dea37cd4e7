import { CatchupError } from "./catchup-error.ts";
import type { CatchupImsg, CatchupMessage, RowFeed } from "./catchup-source.ts";

/** Rows asked per `messages.after` page: imsg's maximum (docs/imsg-protocol.md#messagesafter). */
export const afterPageSize = 500;

export interface AfterFeedOptions<Row extends CatchupMessage> {
  imsg: Pick<CatchupImsg<Row>, "messagesAfter">;
  /** Exclusive: the saved cursor's rowid. */
  sinceRowid: number;
  pageSize?: number;
}

/**
 * The `messages.after` feed (imsg 0.14+): one page per batch, ROWID ascending, each next page from the previous
 * one's `next_rowid` (the physical scan position, which can lie past the last returned id: folded link previews) and
 * done once imsg says `has_more: false`. Tapback rows are not asked for, as `messages.history` leaves them out too.
 */
export function afterFeed<Row extends CatchupMessage>(options: AfterFeedOptions<Row>): RowFeed<Row> {
  let sinceRowid = options.sinceRowid;
  let done = false;
  const limit = options.pageSize ?? afterPageSize;
  return {
    async next() {
      if (done) return { rows: [], done };
      const page = await options.imsg.messagesAfter({ sinceRowid, limit });
      // A scan position that does not move would page forever; stopping instead would leave rows unread unnoticed.
      if (page.hasMore && page.nextRowid <= sinceRowid) {
        throw new CatchupError(
          "AFTER_STALLED",
          `imessage catchup: messages.after since_rowid=${sinceRowid} answered has_more with next_rowid=${page.nextRowid}, which does not move; the pass stops and the cursor holds for the next start`,
        );
      }
      done = !page.hasMore;
      sinceRowid = page.nextRowid;
      return { rows: page.messages, done };
    },
  };
}
