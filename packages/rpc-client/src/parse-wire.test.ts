import { describe, expect, it } from "vitest";
import { toWireParams } from "./method-params.ts";
import { parseChat, parseMessage, parseStatus } from "./parse-wire.ts";
import { fixtureResult, fixtureText, recordedMessages } from "./test-support/fixtures.ts";

function parsedMessages() {
  return recordedMessages().map((value) => {
    const parsed = parseMessage(value);
    if (!parsed.success) throw new Error(parsed.problem);
    return parsed.value;
  });
}

describe("message schema", () => {
  it("parses every recorded watch notification into camelCase messages in rowid order", () => {
    const messages = parsedMessages();
    expect(messages.map((message) => message.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(messages[1]).toMatchObject({
      chatId: 1,
      isFromMe: true,
      sender: "+15551234567",
      destinationCallerId: "+15550001111",
      chatIdentifier: "+15551234567",
      isGroup: false,
    });
  });

  it("maps the 0.11+ fields: cursor, URL preview, balloon and read state", () => {
    const [first] = recordedMessages() as Array<Record<string, unknown>>;
    const parsed = parseMessage({
      ...first,
      cursor: 12,
      balloon_bundle_id: "com.apple.messages.URLBalloonProvider",
      url_preview: {
        id: 13,
        guid: "PREVIEW",
        balloon_bundle_id: "com.apple.messages.URLBalloonProvider",
        created_at: "2026-01-01T00:00:01.000Z",
      },
      is_read: true,
      date_read: "2026-01-01T00:00:05.000Z",
    });
    if (!parsed.success) throw new Error(parsed.problem);
    expect(parsed.value).toMatchObject({
      cursor: 12,
      balloonBundleId: "com.apple.messages.URLBalloonProvider",
      urlPreview: { id: 13, guid: "PREVIEW", createdAt: "2026-01-01T00:00:01.000Z" },
      isRead: true,
      dateRead: "2026-01-01T00:00:05.000Z",
    });
    expect("cursor" in (parsedMessages()[0] ?? {})).toBe(false);
  });

  it("maps tapback events with their reaction fields", () => {
    const tapback = parsedMessages()[4];
    expect(tapback).toMatchObject({
      id: 5,
      isReaction: true,
      reactionType: "love",
      reactionEmoji: "❤️",
      isReactionAdd: true,
      reactedToGuid: "0B6E1C2A-1111-4C3B-9F00-000000000003",
    });
    expect("replyToGuid" in (tapback ?? {})).toBe(false);
  });

  it("keeps optional fields absent instead of inventing them", () => {
    const first = parsedMessages()[0] ?? {};
    for (const key of ["senderName", "replyToGuid", "replyToText", "isReaction", "destinationCallerId"]) {
      expect(key in first).toBe(false);
    }
  });

  it("maps attachments and the current reaction state of history results", () => {
    const { messages: wireMessages } = fixtureResult<{ messages: unknown[] }>("messages-history.response.jsonl");
    const messages = wireMessages.map((value) => parseMessage(value));
    const values = messages.map((parsed) => (parsed.success ? parsed.value : undefined));
    expect(values.map((message) => message?.id)).toEqual([7, 4, 3]);
    expect(values[0]).toMatchObject({
      threadOriginatorGuid: "0B6E1C2A-1111-4C3B-9F00-000000000003",
      replyToText: "Who's bringing snacks?",
      replyToSender: "jane@example.com",
    });
    expect(values[1]?.attachments).toEqual([
      {
        filename: "~/Library/Messages/Attachments/4a/10/AT_0_0B6E1C2A-ATT1/IMG_0001.heic",
        transferName: "IMG_0001.heic",
        uti: "public.heic",
        mimeType: "image/heic",
        totalBytes: 1843200,
        isSticker: false,
        originalPath: "/Users/me/Library/Messages/Attachments/4a/10/AT_0_0B6E1C2A-ATT1/IMG_0001.heic",
        missing: true,
      },
    ]);
    expect(values[2]?.reactions).toMatchObject([
      { id: 5, type: "love", emoji: "❤️", sender: "+15559876543", isFromMe: false },
    ]);
  });

  it("tolerates unknown fields from newer imsg builds and drops them", () => {
    const [first] = recordedMessages() as Array<Record<string, unknown>>;
    const parsed = parseMessage({ ...first, service: "iMessage", brand_new_field: { nested: true } });
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(Object.keys(parsed.value)).not.toContain("brand_new_field");
  });

  it("accepts a reaction kind this client does not know yet", () => {
    const { messages } = fixtureResult<{ messages: Array<Record<string, unknown>> }>("messages-history.response.jsonl");
    const message = messages[2] ?? {};
    const reactions = (message.reactions as Array<Record<string, unknown>>).map((reaction) => ({
      ...reaction,
      type: "sticker",
    }));
    const parsed = parseMessage({ ...message, reactions });
    expect(parsed.success && parsed.value.reactions[0]?.type).toBe("sticker");
  });

  it("rejects a message without a field imsg always sends, naming the field", () => {
    const [first] = recordedMessages() as Array<Record<string, unknown>>;
    const { chat_id: _dropped, ...withoutChat } = first ?? {};
    const parsed = parseMessage(withoutChat);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.problem).toContain("chat_id");
    expect(parseMessage("not an object").success).toBe(false);
  });
});

describe("chat schema", () => {
  it("parses chats.list with the group first and without contact names on Linux", () => {
    const chats = fixtureResult<{ chats: unknown[] }>("chats-list.response.jsonl").chats.map((value) =>
      parseChat(value),
    );
    const values = chats.map((parsed) => (parsed.success ? parsed.value : undefined));
    expect(values[0]).toEqual({
      id: 2,
      identifier: "chat123456789012345678",
      guid: "iMessage;+;chat123456789012345678",
      name: "Weekend Crew",
      service: "iMessage",
      lastMessageAt: "2026-05-01T12:09:00.000Z",
      participants: ["+15559876543", "jane@example.com"],
      isGroup: true,
    });
    expect(values[1]).toMatchObject({ id: 1, name: "+15551234567", isGroup: false });
  });
});

describe("status schema", () => {
  it("reads the bridge selectors and rpc methods of 0.9.0", () => {
    const parsed = parseStatus(JSON.parse(fixtureText("status-bridge-up.json")));
    expect(parsed.success && parsed.value).toMatchObject({
      version: "0.9.0",
      advancedFeatures: true,
      bridgeVersion: 2,
      selectors: { editMessageItem: true, editMessage: false },
    });
    expect(parsed.success && parsed.value.rpcMethods).toHaveLength(22);
  });

  it("accepts the fewer keys of a 0.6.0 build", () => {
    const parsed = parseStatus(JSON.parse(fixtureText("status-0.6.0.json")));
    expect(parsed.success && parsed.value).toEqual({
      basicFeatures: true,
      advancedFeatures: false,
      typingIndicators: false,
      readReceipts: false,
      sip: "enabled",
      message: "System Integrity Protection (SIP) is enabled.",
    });
  });
});

describe("params", () => {
  it("maps camelCase params to imsg's snake_case names and leaves out undefined ones", () => {
    expect(
      toWireParams({
        chatId: 2,
        sinceRowid: 41,
        includeReactions: true,
        debounceMs: 0,
        convertAttachments: undefined,
        messageGuid: "G",
        backwardsCompatibilityMessage: "b",
        textFormatting: [{ start: 0, length: 1, styles: ["bold"] }],
      }),
    ).toEqual({
      chat_id: 2,
      since_rowid: 41,
      include_reactions: true,
      debounce_ms: 0,
      message_guid: "G",
      backwards_compatibility_message: "b",
      text_formatting: [{ start: 0, length: 1, styles: ["bold"] }],
    });
  });
});
