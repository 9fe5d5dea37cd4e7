import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { type ActionCallContext, buildActionCall } from "./action-call.ts";
import type { ActionName } from "./action-catalog.ts";
import { OutboundError } from "./outbound-error.ts";

const dmChat: ActionCallContext = { chat: { chat_id: 7 }, isGroup: false };
const groupChat: ActionCallContext = { chat: { chat_id: 42 }, isGroup: true };
const guid = "4A1B6C3E-0000-4000-8000-000000000001";

describe("buildActionCall maps each action to its imsg method and wire params", () => {
  it.each<[string, ActionName, Record<string, unknown>, ActionCallContext, { method: string; params: object }]>([
    [
      "react with a name",
      "react",
      { messageId: guid, emoji: "love" },
      dmChat,
      { method: "tapback", params: { chat_id: 7, message_id: guid, reaction: "love" } },
    ],
    [
      "react with an emoji",
      "react",
      { messageId: guid, emoji: "👍" },
      dmChat,
      { method: "tapback", params: { chat_id: 7, message_id: guid, reaction: "like" } },
    ],
    [
      "react removal by flag",
      "react",
      { messageId: guid, emoji: "‼️", remove: true },
      dmChat,
      { method: "tapback", params: { chat_id: 7, message_id: guid, reaction: "emphasize", remove: true } },
    ],
    [
      "react removal by prefix",
      "react",
      { messageGuid: guid, reaction: "remove-haha" },
      dmChat,
      { method: "tapback", params: { chat_id: 7, message_id: guid, reaction: "laugh", remove: true } },
    ],
    [
      "reply with text",
      "reply",
      { messageId: guid, text: "on it" },
      dmChat,
      { method: "send.rich", params: { chat_id: 7, text: "on it", reply_to: guid } },
    ],
    [
      "reply with the message alias and a chatGuid",
      "reply",
      { messageId: guid, message: "ok", chatGuid: "iMessage;+;chat1" },
      dmChat,
      { method: "send.rich", params: { chat_guid: "iMessage;+;chat1", text: "ok", reply_to: guid } },
    ],
    [
      "reply to a handle resolves its DM chat",
      "reply",
      { messageId: guid, text: "hi", to: "imessage:+15555550123" },
      dmChat,
      { method: "send.rich", params: { chat_identifier: "+15555550123", text: "hi", reply_to: guid } },
    ],
    [
      "reply with chatIdentifier",
      "reply",
      { messageId: guid, text: "hi", chatIdentifier: "chat99" },
      dmChat,
      { method: "send.rich", params: { chat_identifier: "chat99", text: "hi", reply_to: guid } },
    ],
    [
      "reply with a string chatId",
      "reply",
      { messageId: guid, text: "hi", chatId: "12" },
      dmChat,
      { method: "send.rich", params: { chat_id: 12, text: "hi", reply_to: guid } },
    ],
    [
      "sendWithEffect by name",
      "sendWithEffect",
      { text: "boom", effect: "slam" },
      dmChat,
      {
        method: "send.rich",
        params: { chat_id: 7, text: "boom", effect_id: "com.apple.MobileSMS.expressivesend.impact" },
      },
    ],
    [
      "sendWithEffect by effectId",
      "sendWithEffect",
      { message: "yay", effectId: "confetti" },
      dmChat,
      {
        method: "send.rich",
        params: { chat_id: 7, text: "yay", effect_id: "com.apple.messages.effect.CKConfettiEffect" },
      },
    ],
    [
      "edit with newText",
      "edit",
      { messageId: guid, newText: "fixed" },
      dmChat,
      { method: "message.edit", params: { chat_id: 7, message_id: guid, text: "fixed" } },
    ],
    [
      "unsend",
      "unsend",
      { messageId: guid },
      dmChat,
      { method: "message.unsend", params: { chat_id: 7, message_id: guid } },
    ],
    [
      "upload-file as a plain send",
      "upload-file",
      {},
      { ...dmChat, file: "/tmp/x.jpg" },
      { method: "send", params: { chat_id: 7, file: "/tmp/x.jpg" } },
    ],
    [
      "upload-file to a handle keeps to + service",
      "upload-file",
      { to: "sms:+15555550123" },
      { ...dmChat, file: "/tmp/x.jpg" },
      { method: "send", params: { to: "+15555550123", service: "sms", file: "/tmp/x.jpg" } },
    ],
    [
      "upload-file as a voice memo",
      "upload-file",
      { asVoice: true },
      { ...dmChat, file: "/tmp/m.m4a" },
      { method: "send.attachment", params: { chat_id: 7, file: "/tmp/m.m4a", as_voice: true } },
    ],
    [
      "upload-file threaded",
      "upload-file",
      { replyTo: guid },
      { ...dmChat, file: "/tmp/x.jpg" },
      { method: "send.attachment", params: { chat_id: 7, file: "/tmp/x.jpg", reply_to: guid } },
    ],
    [
      "renameGroup",
      "renameGroup",
      { name: "Ops" },
      groupChat,
      { method: "group.rename", params: { chat_id: 42, name: "Ops" } },
    ],
    [
      "renameGroup to an empty name",
      "renameGroup",
      { displayName: "" },
      groupChat,
      { method: "group.rename", params: { chat_id: 42, name: "" } },
    ],
    [
      "setGroupIcon with a file",
      "setGroupIcon",
      {},
      { ...groupChat, file: "/tmp/icon.png" },
      { method: "group.setIcon", params: { chat_id: 42, file: "/tmp/icon.png" } },
    ],
    [
      "setGroupIcon without a file clears it",
      "setGroupIcon",
      {},
      groupChat,
      { method: "group.setIcon", params: { chat_id: 42 } },
    ],
    [
      "addParticipant normalizes the handle",
      "addParticipant",
      { address: "(555) 555-0123" },
      groupChat,
      { method: "group.addParticipant", params: { chat_id: 42, address: "+15555550123" } },
    ],
    [
      "removeParticipant by email",
      "removeParticipant",
      { participant: "Friend@Example.com" },
      groupChat,
      { method: "group.removeParticipant", params: { chat_id: 42, address: "friend@example.com" } },
    ],
    ["leaveGroup", "leaveGroup", {}, groupChat, { method: "group.leave", params: { chat_id: 42 } }],
  ])("%s", (_name, action, params, context, expected) => {
    expect(buildActionCall(action, params, context)).toEqual(expected);
  });

  it("looks short message ids up through the reply cache", () => {
    const context = { ...dmChat, messageGuid: (id: string) => (id === "5" ? guid : undefined) };
    expect(buildActionCall("unsend", { messageId: 5 }, context).params).toEqual({ chat_id: 7, message_id: guid });
    expect(buildActionCall("unsend", { messageId: guid }, context).params).toEqual({ chat_id: 7, message_id: guid });
  });
});

describe("buildActionCall refuses bad params with a message the agent can act on", () => {
  it.each<[ActionName, Record<string, unknown>, RegExp]>([
    ["react", { emoji: "love" }, /^iMessage react: messageId is required/],
    ["react", { messageId: guid }, /^iMessage react: emoji is required/],
    ["react", { messageId: guid, emoji: "wave" }, /^iMessage react: unsupported tapback reaction "wave"; use love/],
    ["reply", { messageId: guid, text: "   " }, /^iMessage reply: text or message is required/],
    ["sendWithEffect", { text: "x", effect: "explode" }, /^unknown iMessage effect "explode"/],
    ["sendWithEffect", { text: "x" }, /^iMessage sendWithEffect: effect is required/],
    ["edit", { messageId: guid }, /^iMessage edit: text or newText or new_text is required/],
    ["upload-file", {}, /^iMessage upload-file: a file is required/],
    ["renameGroup", {}, /^iMessage renameGroup: name is required/],
    ["addParticipant", {}, /^iMessage addParticipant: address is required/],
    ["reply", { messageId: guid, text: "x", chatId: -3 }, /^iMessage reply: chatId -3 is not a positive integer/],
  ])("%s %j", (action, params, message) => {
    let error: unknown;
    try {
      buildActionCall(action, params, groupChat);
    } catch (caught) {
      error = caught;
    }
    expect(OutboundError.isInstance(error) && error.code).toBe("ACTION_PARAMS_INVALID");
    expect(errorMessage(error)).toMatch(message);
  });
});

describe("react with any emoji (imsg 0.15: capabilities.features tapback.emoji >= 2)", () => {
  const emojiImsg: ActionCallContext = { ...dmChat, tapbackEmoji: { supported: true, imsgVersion: "0.15.10" } };
  const classicImsg: ActionCallContext = { ...dmChat, tapbackEmoji: { supported: false, imsgVersion: "0.9.0" } };

  it("sends an arbitrary emoji as emoji, a removal with remove, and the six kinds still as reaction", () => {
    expect(buildActionCall("react", { messageId: guid, emoji: "🎉" }, emojiImsg).params).toEqual({
      chat_id: 7,
      message_id: guid,
      emoji: "🎉",
    });
    expect(buildActionCall("react", { messageId: guid, emoji: "remove-👩‍👩‍👧" }, emojiImsg).params).toEqual({
      chat_id: 7,
      message_id: guid,
      emoji: "👩‍👩‍👧",
      remove: true,
    });
    expect(buildActionCall("react", { messageId: guid, emoji: "❤️" }, emojiImsg).params).toEqual({
      chat_id: 7,
      message_id: guid,
      reaction: "love",
    });
  });

  it.each([
    ["an imsg without the feature", classicImsg, "0.9.0"],
    ["an imsg not known yet", dmChat, "version unknown"],
  ])(
    "refuses an emoji on %s, naming the version, instead of folding it into a classic kind",
    (_name, context, version) => {
      let error: unknown;
      try {
        buildActionCall("react", { messageId: guid, emoji: "🎉" }, context);
      } catch (caught) {
        error = caught;
      }
      expect(OutboundError.isInstance(error) && error.code).toBe("TAPBACK_UNSUPPORTED");
      expect(errorMessage(error)).toBe(
        `iMessage react: the emoji tapback 🎉 is not supported by this imsg (${version}): it sends only the six classic tapbacks, love, like, dislike, laugh, emphasize, or question (or ❤️ 👍 👎 😂 ‼️ ❓); any emoji needs an imsg whose status reports capabilities.features["tapback.emoji"] >= 2 (0.15)`,
      );
    },
  );

  it("refuses text that is not one emoji even where emoji work", () => {
    expect(() => buildActionCall("react", { messageId: guid, emoji: "🎉🎉" }, emojiImsg)).toThrow(
      'iMessage react: unsupported tapback reaction "🎉🎉"; use love, like, dislike, laugh, emphasize, or question (or ❤️ 👍 👎 😂 ‼️ ❓), or one emoji',
    );
  });
});
