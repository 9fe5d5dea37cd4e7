import { describe, expect, it } from "vitest";
import { matchAllowlist, type PeerIdentity, parseAllowlistEntry } from "./allowlist.ts";

const peer: PeerIdentity = {
  sender: "+15555550123",
  chatId: 42,
  chatGuid: "iMessage;+;chat100",
  chatIdentifier: "chat100",
};

describe("parseAllowlistEntry", () => {
  it.each([
    ["*", { kind: "any" }],
    ["+1 (555) 555-0123", { kind: "handle", handle: "+15555550123" }],
    ["imessage:Friend@Example.com", { kind: "handle", handle: "friend@example.com" }],
    ["chat_id:42", { kind: "chat-id", chatId: 42 }],
    ["CHAT_ID: 42", { kind: "chat-id", chatId: 42 }],
    ["chat_guid:iMessage;+;chat100", { kind: "chat-guid", chatGuid: "iMessage;+;chat100" }],
    ["chat_identifier:chat100", { kind: "chat-identifier", chatIdentifier: "chat100" }],
  ])("reads %s", (raw, expected) => {
    expect(parseAllowlistEntry(raw)).toEqual(expected);
  });

  it.each(["", "  ", "chat_id:abc", "chat_guid:", "chat_identifier:"])("ignores the unusable entry %j", (raw) => {
    expect(parseAllowlistEntry(raw)).toBeUndefined();
  });
});

describe("matchAllowlist", () => {
  it("matches the sender's handle in any written form", () => {
    expect(matchAllowlist(["555-555-0123"], peer)).toBe("sender");
    expect(matchAllowlist(["sms:+15555550123"], peer)).toBe("sender");
  });

  it.each(["chat_id:42", "chat_guid:iMessage;+;chat100", "chat_identifier:chat100"])(
    "matches the chat by %s",
    (entry) => {
      expect(matchAllowlist([entry], peer)).toBe("chat");
    },
  );

  it("matches everyone with *", () => {
    expect(matchAllowlist(["*"], peer)).toBe("wildcard");
  });

  it("prefers a handle match over a chat or wildcard match", () => {
    expect(matchAllowlist(["*", "chat_id:42", "+15555550123"], peer)).toBe("sender");
    expect(matchAllowlist(["*", "chat_id:42"], peer)).toBe("chat");
  });

  it("matches nothing for other people and other chats", () => {
    expect(matchAllowlist(["+15555550999", "chat_id:43", "chat_guid:x", "chat_identifier:y"], peer)).toBeUndefined();
    expect(matchAllowlist([], peer)).toBeUndefined();
  });

  it("never matches chat_id entries for rows without a chat (chat_id 0)", () => {
    expect(matchAllowlist(["chat_id:0"], { ...peer, chatId: 0 })).toBeUndefined();
  });
});
