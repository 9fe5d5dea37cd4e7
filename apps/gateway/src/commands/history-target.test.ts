import { parseTarget } from "@imessage-channel/policy";
import type { Chat } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import { chatForTarget } from "./history-target.ts";

const chat = (id: number, identifier: string, isGroup = false): Chat => ({
  id,
  identifier,
  guid: `iMessage;${isGroup ? "+" : "-"};${identifier}`,
  name: "",
  service: "iMessage",
  lastMessageAt: "2026-01-01T12:00:00.000Z",
  participants: isGroup ? ["+15555550123", "+15555550124"] : [identifier],
  isGroup,
});
const chats = [chat(1, "+15555550123"), chat(2, "chat842100000000000000", true), chat(3, "friend@example.com")];
const find = (input: string) => chatForTarget(parseTarget(input), chats, "US")?.id;

describe("which chat a history target names", () => {
  it("takes chat_id, chat_guid and chat_identifier as they are", () => {
    expect(find("chat_id:2")).toBe(2);
    expect(find("chat_guid:iMessage;+;chat842100000000000000")).toBe(2);
    expect(find("chat_identifier:friend@example.com")).toBe(3);
  });

  it("finds a handle's direct chat in any spelling of the number, never a group it is in", () => {
    expect(find("+1 (555) 555-0123")).toBe(1);
    expect(find("imessage:+15555550123")).toBe(1);
    expect(find("Friend@Example.com")).toBe(3);
    expect(find("+15555550124")).toBeUndefined();
    expect(find("chat_id:9")).toBeUndefined();
  });
});
