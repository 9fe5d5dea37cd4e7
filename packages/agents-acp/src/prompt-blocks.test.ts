import { sampleTurn } from "@imessage-channel/agents/test-support";
import { describe, expect, it } from "vitest";
import { promptBlocksForTurn } from "./prompt-blocks.ts";

describe("promptBlocksForTurn", () => {
  it("sends a DM's text as it is", () => {
    expect(promptBlocksForTurn(sampleTurn({ text: " fix the build " }), { firstInSession: false })).toEqual([
      { type: "text", text: "fix the build" },
    ]);
  });

  it("puts the system prompt first, only in the first prompt of a session", () => {
    const turn = sampleTurn({ text: "hi", systemPrompt: "You are terse." });
    expect(promptBlocksForTurn(turn, { firstInSession: true })).toEqual([
      { type: "text", text: "You are terse." },
      { type: "text", text: "hi" },
    ]);
    expect(promptBlocksForTurn(turn, { firstInSession: false })).toEqual([{ type: "text", text: "hi" }]);
  });

  it("names the author in groups", () => {
    const chat = { id: 7, isGroup: true };
    expect(
      promptBlocksForTurn(sampleTurn({ chat, text: "ship it", sender: { handle: "+15555550123", name: "Ada" } }), {
        firstInSession: false,
      }),
    ).toEqual([{ type: "text", text: "Ada (+15555550123): ship it" }]);
    expect(
      promptBlocksForTurn(sampleTurn({ chat, text: "ship it", sender: { handle: "bob@example.com" } }), {
        firstInSession: false,
      }),
    ).toEqual([{ type: "text", text: "bob@example.com: ship it" }]);
  });

  it("links attachments as local files", () => {
    const turn = sampleTurn({
      text: "",
      attachments: [{ path: "/tmp/in box/photo 1.heic", mimeType: "image/heic", byteSize: 2048 }],
    });
    expect(promptBlocksForTurn(turn, { firstInSession: false })).toEqual([
      {
        type: "resource_link",
        uri: "file:///tmp/in%20box/photo%201.heic",
        name: "photo 1.heic",
        mimeType: "image/heic",
        size: 2048,
      },
    ]);
  });

  it("has nothing to send for an empty turn", () => {
    expect(
      promptBlocksForTurn(sampleTurn({ text: "  ", systemPrompt: "x" }), { firstInSession: true }),
    ).toBeUndefined();
  });
});
