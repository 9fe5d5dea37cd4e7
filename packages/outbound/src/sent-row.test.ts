import type { Attachment, Message } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import { findSentRow } from "./sent-row.ts";

const sentAt = Date.parse("2026-05-01T12:00:10.000Z");

function row(overrides: Partial<Message>): Message {
  return {
    id: 1,
    chatId: 7,
    guid: "G1",
    sender: "+15555550123",
    isFromMe: true,
    text: "hello",
    createdAt: "2026-05-01T12:00:10.500Z",
    attachments: [],
    reactions: [],
    chatIdentifier: "+15555550123",
    chatGuid: "iMessage;-;+15555550123",
    chatName: "",
    participants: ["+15555550123"],
    isGroup: false,
    ...overrides,
  };
}

function attachment(transferName: string): Attachment {
  return {
    filename: `~/Library/Messages/Attachments/imsg/U/${transferName}`,
    transferName,
    uti: "public.jpeg",
    mimeType: "image/jpeg",
    totalBytes: 10,
    isSticker: false,
    originalPath: "",
    missing: false,
  };
}

describe("findSentRow", () => {
  it("finds our row with the exact text sent at or after the send (2 s slack)", () => {
    const history = [row({ guid: "NEW", createdAt: "2026-05-01T12:00:08.100Z" })];
    expect(findSentRow(history, { text: "hello", sentAtMs: sentAt })?.guid).toBe("NEW");
  });

  it("ignores inbound rows, other text, older rows and tapbacks", () => {
    const history = [
      row({ guid: "IN", isFromMe: false }),
      row({ guid: "OTHER", text: "hello!" }),
      row({ guid: "OLD", createdAt: "2026-05-01T12:00:07.000Z" }),
      row({ guid: "TAP", isReaction: true }),
    ];
    expect(findSentRow(history, { text: "hello", sentAtMs: sentAt })).toBeUndefined();
  });

  it("skips a row an earlier identical chunk already claimed", () => {
    const history = [row({ guid: "SECOND" }), row({ guid: "FIRST" })];
    expect(findSentRow(history, { text: "hello", sentAtMs: sentAt, excludeGuids: new Set(["SECOND"]) })?.guid).toBe(
      "FIRST",
    );
  });

  it("finds a sent file by its name among the row's attachments", () => {
    const history = [row({ guid: "F", text: "\uFFFC", attachments: [attachment("a.jpg")] })];
    expect(findSentRow(history, { file: "/state/media/x/a.jpg", sentAtMs: sentAt })?.guid).toBe("F");
    expect(findSentRow(history, { file: "/state/media/x/b.jpg", sentAtMs: sentAt })).toBeUndefined();
  });
});
