import type { SessionUpdate } from "@agentclientprotocol/sdk";

/**
 * The reply text of one prompt turn, from its `session/update`s in arrival order: the text of
 * `agent_message_chunk`s, joined as streamed. Text the agent writes after a tool call, or in a new message
 * (another `messageId`), starts a new paragraph, so "Let me look." and "Found it." do not run together.
 * Thoughts, plans and tool output are not part of the reply.
 */
export class ReplyText {
  #text = "";
  #breakPending = false;
  #messageId: string | undefined;

  add(update: SessionUpdate): void {
    if (update.sessionUpdate === "tool_call") {
      this.#breakPending = true;
      return;
    }
    if (update.sessionUpdate !== "agent_message_chunk" || update.content.type !== "text") return;
    const messageId = update.messageId ?? undefined;
    if (messageId !== undefined && this.#messageId !== undefined && messageId !== this.#messageId) {
      this.#breakPending = true;
    }
    if (messageId !== undefined) this.#messageId = messageId;
    const chunk = update.content.text;
    if (!chunk) return;
    if (this.#breakPending && this.#text.trim()) this.#text = `${this.#text.trimEnd()}\n\n${chunk.trimStart()}`;
    else this.#text += chunk;
    this.#breakPending = false;
  }

  get text(): string {
    return this.#text;
  }
}
