import { rowsAfter } from "./message-scan.ts";
import { boundedIntParam, positiveChatIdParam } from "./method-params.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, hasParam, intParam, type Params } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { scanRows } from "./url-preview-seam.ts";
import type { WireMessage } from "./wire-types.ts";

/** How far one page may scan past folded preview rows before it answers (possibly empty) with `has_more`. */
const scanFactor = 4;

function sinceRowidParam(params: Params): number {
  const value = hasParam(params, "since_rowid") ? intParam(params, "since_rowid") : undefined;
  if (value === undefined || value < 0) throw RpcError.invalidParams("since_rowid must be a non-negative integer");
  return value;
}

/**
 * `messages.after` (docs/imsg-protocol.md, messages.after): ROWID ascending from an exclusive cursor. `limit` counts
 * user-visible messages; `next_rowid` is the physical scan position (past folded preview rows too), so a page can be
 * empty while `has_more` is true.
 */
export function messagesAfter(params: Params, session: SimSession): Record<string, unknown> {
  const sinceRowid = sinceRowidParam(params);
  const chatId = positiveChatIdParam(params, false);
  const limit = boundedIntParam(params, "limit", 100, {
    min: 1,
    max: 500,
    message: "limit must be an integer between 1 and 500",
  });
  const includeAttachments = boolParam(params, "attachments") ?? false;
  const includeReactions = boolParam(params, "include_reactions") ?? false;
  const store = session.store;
  const query = { includeReactions, ...(chatId === undefined ? {} : { chatId }) };
  const messages: WireMessage[] = [];
  let cursor = sinceRowid;
  let scanned = 0;
  while (messages.length < limit && scanned < limit * scanFactor) {
    const batch = rowsAfter(store, { ...query, sinceRowid: cursor, limit: limit - messages.length });
    if (batch.length === 0) break;
    for (const { row, folded } of scanRows(batch)) {
      cursor = row.rowid;
      scanned += 1;
      if (!folded) messages.push(store.buildMessage(row, { includeAttachments, includeReactions: true }));
    }
  }
  const hasMore = rowsAfter(store, { ...query, sinceRowid: cursor, limit: 1 }).length > 0;
  return { messages, next_rowid: cursor, has_more: hasMore };
}
