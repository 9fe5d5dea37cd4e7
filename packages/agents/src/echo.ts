import type { AgentRuntime } from "./runtime.ts";

/** Replies with what it got: the demo's default agent, and a handy end-to-end probe. */
export function createEchoAgent(): AgentRuntime {
  return {
    kind: "echo",
    async run(turn) {
      const text = turn.text.trim();
      const files = turn.attachments.filter((attachment) => "path" in attachment).length;
      const attachmentNote = files > 0 ? ` [${files} attachment(s)]` : "";
      if (!text && !attachmentNote) return undefined;
      return { text: `${text}${attachmentNote}`.trim() };
    },
  };
}
