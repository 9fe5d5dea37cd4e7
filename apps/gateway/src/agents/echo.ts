import type { AgentRuntime } from "./runtime.ts";

/** Replies with what it got: the demo's default agent, and a handy end-to-end probe. */
export function createEchoAgent(): AgentRuntime {
  return {
    kind: "echo",
    async run(turn) {
      const text = turn.text.trim();
      const attachmentNote = turn.attachments.length > 0 ? ` [${turn.attachments.length} attachment(s)]` : "";
      if (!text && !attachmentNote) return undefined;
      return { text: `${text}${attachmentNote}`.trim() };
    },
  };
}
