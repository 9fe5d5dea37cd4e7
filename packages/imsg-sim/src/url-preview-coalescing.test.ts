import { describe, expect, it } from "vitest";
import type { MessageRow } from "./message-row.ts";
import { type CoalescingRules, coalesceUrlPreviews, urlBalloonBundleId } from "./url-preview-coalescing.ts";

const url = "https://example.com/a";

function row(rowid: number, fields: Partial<MessageRow> = {}): MessageRow {
  return {
    rowid,
    chat_id: 1,
    handle: "+15551234567",
    text: `see ${url}`,
    date_ms: rowid * 1000,
    is_from_me: 0,
    attributed_body: null,
    guid: `GUID-${rowid}`,
    associated_message_guid: null,
    associated_message_type: 0,
    thread_originator_guid: null,
    destination_caller_id: null,
    balloon_bundle_id: null,
    is_audio_message: 0,
    is_read: null,
    date_read_ms: null,
    payload_data: null,
    ...fields,
  };
}

function preview(rowid: number, fields: Partial<MessageRow> = {}): MessageRow {
  return row(rowid, { text: url, balloon_bundle_id: urlBalloonBundleId, ...fields });
}

const rules: CoalescingRules = {
  sender: (message) => message.handle ?? "",
  text: (message) => message.text ?? "",
  consecutivePreviews: true,
};

function folded(rows: MessageRow[]): [number, number | undefined][] {
  return coalesceUrlPreviews(rows, rules).map((entry) => [entry.row.rowid, entry.preview?.rowid]);
}

describe("URL-preview folding rules", () => {
  it("folds a preview into the text row that holds its URL, case and trailing slash aside", () => {
    expect(folded([row(1, { text: "SEE HTTPS://EXAMPLE.COM/A" }), preview(2, { text: `${url}/` })])).toEqual([[1, 2]]);
  });

  it("skips tapback rows and other chats when looking for the text row", () => {
    const tapback = row(2, { associated_message_type: 2000, text: "Loved" });
    const elsewhere = row(3, { chat_id: 2, text: "other chat" });
    expect(folded([row(1), tapback, elsewhere, preview(4)])).toEqual([
      [1, 4],
      [2, undefined],
      [3, undefined],
    ]);
  });

  it.each([
    ["another sender", { handle: "+15550000000" }],
    ["the other direction", { is_from_me: 1 }],
    ["more than 5 s later", { date_ms: 1000 + 5001 }],
    ["a URL the text lacks", { text: "https://other.example" }],
  ])("keeps a preview from %s on its own", (_what, fields) => {
    expect(folded([row(1), preview(2, fields)])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
  });

  it("folds a preview linked to its text row by guid even without a shared URL", () => {
    expect(folded([row(1, { text: "look" }), preview(2, { associated_message_guid: "p:0/GUID-1" })])).toEqual([[1, 2]]);
  });
});
