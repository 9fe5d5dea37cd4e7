import type { SessionUpdate } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { ReplyText } from "./reply-text.ts";

const chunk = (text: string, messageId?: string): SessionUpdate => ({
  sessionUpdate: "agent_message_chunk",
  content: { type: "text", text },
  ...(messageId ? { messageId } : {}),
});
const toolCall: SessionUpdate = { sessionUpdate: "tool_call", toolCallId: "call-1", title: "Read file" };

function assemble(updates: SessionUpdate[]): string {
  const reply = new ReplyText();
  for (const update of updates) reply.add(update);
  return reply.text;
}

describe("ReplyText", () => {
  it("joins streamed chunks exactly as sent", () => {
    expect(assemble([chunk("Hel"), chunk("lo, "), chunk("world"), chunk("!\n")])).toBe("Hello, world!\n");
  });

  it("starts a paragraph for text after a tool call", () => {
    expect(assemble([chunk("Let me look. "), toolCall, chunk(" Found it.")])).toBe("Let me look.\n\nFound it.");
  });

  it("starts a paragraph when a new message begins", () => {
    expect(assemble([chunk("First", "m1"), chunk(" part.", "m1"), chunk("Second.", "m2")])).toBe(
      "First part.\n\nSecond.",
    );
  });

  it("leaves out thoughts, plans, tool output and non-text content", () => {
    expect(
      assemble([
        { sessionUpdate: "agent_thought_chunk", content: { type: "text", text: "hmm" } },
        { sessionUpdate: "plan", entries: [] },
        toolCall,
        { sessionUpdate: "tool_call_update", toolCallId: "call-1", status: "completed" },
        { sessionUpdate: "agent_message_chunk", content: { type: "image", data: "", mimeType: "image/png" } },
        chunk("Done."),
      ]),
    ).toBe("Done.");
  });
});
