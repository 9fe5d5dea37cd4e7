import { PolicyError } from "@imessage-channel/policy";
import { describe, expect, it } from "vitest";
import { OutboundError } from "./outbound-error.ts";
import { chatParamsForBridge, resolveSendTarget, sendParamsForChat } from "./send-target.ts";

describe("resolveSendTarget", () => {
  it.each([
    ["chat_id:123", { chat_id: 123 }],
    ["chat_guid:iMessage;+;chat123", { chat_guid: "iMessage;+;chat123" }],
    ["chat_identifier:chat123", { chat_identifier: "chat123" }],
    ["iMessage;+;chat123", { chat_guid: "iMessage;+;chat123" }],
    ["imessage:+15555550123", { to: "+15555550123", service: "imessage" }],
    ["sms:+15555550123", { to: "+15555550123", service: "sms" }],
    ["+1 (555) 555-0123", { to: "+15555550123", service: "auto" }],
    ["Friend@Example.com", { to: "friend@example.com", service: "auto" }],
  ])("%s → %j", (input, expected) => {
    expect(resolveSendTarget(input)).toEqual(expected);
  });

  it("normalizes a local number in the account's region", () => {
    expect(resolveSendTarget("sms:07700 900123", { region: "GB" })).toEqual({ to: "+447700900123", service: "sms" });
  });

  it("refuses an unusable target with the policy package's error", () => {
    expect(() => resolveSendTarget("chat_id:abc")).toThrow(/has a chat_id that is not a number/);
    try {
      resolveSendTarget("");
    } catch (error) {
      expect(PolicyError.isInstance(error)).toBe(true);
    }
  });
});

describe("sendParamsForChat", () => {
  it("prefers chat_id whenever the row had one", () => {
    expect(sendParamsForChat({ chatId: 7, chatGuid: "iMessage;-;+15555550123", handle: "+15555550123" })).toEqual({
      chat_id: 7,
    });
  });

  it("falls back to guid, identifier, then handle, skipping the chat_id 0 of an unjoined row", () => {
    expect(sendParamsForChat({ chatId: 0, chatGuid: "g", chatIdentifier: "i" })).toEqual({ chat_guid: "g" });
    expect(sendParamsForChat({ chatId: 0, chatGuid: "", chatIdentifier: "i" })).toEqual({ chat_identifier: "i" });
    expect(sendParamsForChat({ chatId: 0, handle: "+15555550123" })).toEqual({ to: "+15555550123", service: "auto" });
  });

  it("throws TARGET_MISSING when nothing identifies the chat", () => {
    let error: unknown;
    try {
      sendParamsForChat({ chatId: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(OutboundError.isInstance(error) && error.code).toBe("TARGET_MISSING");
  });
});

describe("chatParamsForBridge", () => {
  it("turns a handle into its DM chat identifier and keeps chat targets", () => {
    expect(chatParamsForBridge({ to: "+15555550123", service: "imessage" })).toEqual({
      chat_identifier: "+15555550123",
    });
    expect(chatParamsForBridge({ chat_id: 3 })).toEqual({ chat_id: 3 });
  });
});
