import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { PolicyError } from "./policy-error.ts";
import { parseTarget } from "./target.ts";

describe("parseTarget", () => {
  it.each([
    ["chat_id:123", { kind: "chat-id", chatId: 123 }],
    ["chat_guid:iMessage;+;chat123", { kind: "chat-guid", chatGuid: "iMessage;+;chat123" }],
    ["chat_identifier:chat123", { kind: "chat-identifier", chatIdentifier: "chat123" }],
    ["imessage:+15555550123", { kind: "handle", handle: "+15555550123", service: "imessage" }],
    ["sms:+15555550123", { kind: "handle", handle: "+15555550123", service: "sms" }],
    ["auto:555-555-0123", { kind: "handle", handle: "+15555550123", service: "auto" }],
    ["+15555550123", { kind: "handle", handle: "+15555550123", service: "auto" }],
    ["Friend@Example.com", { kind: "handle", handle: "friend@example.com", service: "auto" }],
    ["iMessage;-;+15555550123", { kind: "handle", handle: "+15555550123", service: "imessage" }],
    ["SMS;-;+15555550123", { kind: "handle", handle: "+15555550123", service: "sms" }],
    ["iMessage;+;chat123", { kind: "chat-guid", chatGuid: "iMessage;+;chat123" }],
    // The reference's aliases, any case.
    ["chat:42", { kind: "chat-id", chatId: 42 }],
    ["ChatId:42", { kind: "chat-id", chatId: 42 }],
    ["CHATGUID:iMessage;+;chat123", { kind: "chat-guid", chatGuid: "iMessage;+;chat123" }],
    ["GUID:iMessage;+;chat123", { kind: "chat-guid", chatGuid: "iMessage;+;chat123" }],
    ["CHATIDENT:chat123", { kind: "chat-identifier", chatIdentifier: "chat123" }],
    ["chatIdentifier:chat123", { kind: "chat-identifier", chatIdentifier: "chat123" }],
    ["Chat_ID:7", { kind: "chat-id", chatId: 7 }],
    // A bare 32-hex group identifier is a chat, never read as a phone number.
    [
      "0123456789abcdef0123456789ABCDEF",
      { kind: "chat-identifier", chatIdentifier: "0123456789abcdef0123456789ABCDEF" },
    ],
    [
      "12345678901234567890123456789012",
      { kind: "chat-identifier", chatIdentifier: "12345678901234567890123456789012" },
    ],
  ])("reads %s", (input, expected) => {
    expect(parseTarget(input)).toEqual(expected);
  });

  it("normalizes a local number in the given region", () => {
    expect(parseTarget("07700 900123", { region: "GB" })).toEqual({
      kind: "handle",
      handle: "+447700900123",
      service: "auto",
    });
  });

  it.each([
    ["", "is empty"],
    ["chat_id:abc", "has a chat_id that is not a number"],
    ["chat_guid:", "has an empty chat_guid"],
    ["chat_identifier:  ", "has an empty chat_identifier"],
    ["imessage:", "names no handle"],
    ["chat:abc", "has a chat_id that is not a number"],
    ["chatid:", "has a chat_id that is not a number"],
    ["guid:", "has an empty chat_guid"],
    ["not a target", "is neither a handle (phone number or email) nor a chat"],
  ])("refuses %j with a TARGET_INVALID error that says how to fix it", (input, why) => {
    let error: unknown;
    try {
      parseTarget(input);
    } catch (caught) {
      error = caught;
    }
    expect(PolicyError.isInstance(error) && error.code).toBe("TARGET_INVALID");
    expect(errorMessage(error)).toBe(
      `target ${JSON.stringify(input)} ${why}; use chat_id:<n>, chat_guid:<guid>, chat_identifier:<id>, imessage:<handle>, sms:<handle> or a handle`,
    );
  });
});
