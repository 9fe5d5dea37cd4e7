import type { ChatStore } from "./chat-store.ts";
import type { MessageRow } from "./message-row.ts";
import { searchableRows } from "./message-scan.ts";
import { boundedIntParam, requiredStringParam } from "./method-params.ts";
import { RpcError } from "./rpc-error.ts";
import { type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

/** The text a search runs against: what history shows (text, else attributedBody, audio transcripts included). */
function searchText(store: ChatStore, row: MessageRow): string {
  return store.audioTranscription(row) ?? store.resolvedText(row);
}

/**
 * `messages.search` (docs/imsg-protocol.md, New methods): case-insensitive `contains` or `exact` over every chat,
 * `%`/`_`/`\` literal (matching is done on decoded text, not SQL LIKE), newest first, attachments `[]` and reactions
 * not filled.
 */
export function messagesSearch(params: Params, session: SimSession): Record<string, unknown> {
  const query = requiredStringParam(params, "query must be a non-empty string", "query");
  const match = stringParam(params, "match") ?? "contains";
  if (match !== "contains" && match !== "exact") throw RpcError.invalidParams("match must be contains or exact");
  const limit = boundedIntParam(params, "limit", 50, { min: 1, max: 100, message: "limit must be between 1 and 100" });
  const store = session.store;
  const needle = query.toLocaleLowerCase();
  const found: MessageRow[] = [];
  for (const row of searchableRows(store)) {
    const text = searchText(store, row).toLocaleLowerCase();
    if (match === "exact" ? text === needle : text.includes(needle)) found.push(row);
    if (found.length === limit) break;
  }
  return {
    messages: found.map((row) => store.buildMessage(row, { includeAttachments: false, includeReactions: false })),
  };
}
