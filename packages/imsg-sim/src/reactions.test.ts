import { afterEach, describe, expect, it } from "vitest";
import { ChatStore } from "./chat-store.ts";
import { inject } from "./inject.ts";
import { extractCustomEmoji, normalizeTapbackInput } from "./reactions.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const target = "0B6E1C2A-1111-4C3B-9F00-000000000003";

describe("tapback state (docs/imsg-protocol.md#reaction-state)", () => {
  let db: TempChatDb;

  afterEach(() => db.remove());

  function state(): { type: string; sender: string; emoji: string }[] {
    const store = new ChatStore(db.dbPath);
    const reactions = store.reactions(target).map(({ type, sender, emoji }) => ({ type, sender, emoji }));
    store.close();
    return reactions;
  }

  it("removes a standard tapback from the same sender only", () => {
    db = exampleChatDb();
    inject(db.dbPath, { from: "jane@example.com", group: "chat123456789012345678", tapback: { kind: "love", target } });
    inject(db.dbPath, {
      from: "+15559876543",
      group: "chat123456789012345678",
      tapback: { kind: "love", target, remove: true },
    });
    expect(state()).toEqual([{ type: "love", sender: "jane@example.com", emoji: "❤️" }]);
  });

  it("keeps one entry per sender and type, and a custom removal without emoji drops the first custom entry", () => {
    db = exampleChatDb();
    const group = "chat123456789012345678";
    inject(db.dbPath, { from: "jane@example.com", group, tapback: { kind: "custom", target, emoji: "🎉" } });
    inject(db.dbPath, { from: "jane@example.com", group, tapback: { kind: "custom", target, emoji: "🔥" } });
    inject(db.dbPath, { from: "jane@example.com", group, tapback: { kind: "like", target } });
    expect(state().map((entry) => `${entry.sender}:${entry.type}:${entry.emoji}`)).toEqual([
      "+15559876543:love:❤️",
      "jane@example.com:custom:🔥",
      "jane@example.com:like:👍",
    ]);
    inject(db.dbPath, { from: "jane@example.com", group, tapback: { kind: "custom", target, remove: true } });
    expect(state().map((entry) => entry.type)).toEqual(["love", "like"]);
  });

  it("extracts custom emoji from Reacted … to and from the first emoji grapheme", () => {
    expect(extractCustomEmoji("Reacted 🎉 to “Hello”")).toBe("🎉");
    expect(extractCustomEmoji('👍🏽 reagiu a "oi"')).toBe("👍🏽");
    expect(extractCustomEmoji("Removed a reaction")).toBeUndefined();
  });

  it("normalises write-side tapback inputs", () => {
    expect(normalizeTapbackInput(" Remove-Heart ")).toEqual({ kind: "love", remove: true });
    expect(normalizeTapbackInput("‼️")).toEqual({ kind: "emphasize", remove: false });
    expect(normalizeTapbackInput("wave")).toBeUndefined();
  });
});
