import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import type { ContentBlock } from "@agentclientprotocol/sdk";
import type { Turn } from "@imessage-channel/agents";

/**
 * The `session/prompt` content of a turn. The system prompt goes first, once per ACP session (the agent
 * keeps the conversation, so repeating it every turn would only grow its context); in groups the text is
 * prefixed with who wrote it, since several people talk to one session; attachments become
 * `resource_link` blocks (every ACP agent must accept them) pointing at the local files.
 * Undefined when the turn carries nothing to say.
 */
export function promptBlocksForTurn(turn: Turn, options: { firstInSession: boolean }): ContentBlock[] | undefined {
  const blocks: ContentBlock[] = [];
  const text = turn.text.trim();
  if (text) {
    const author = turn.sender.name ? `${turn.sender.name} (${turn.sender.handle})` : turn.sender.handle;
    blocks.push({ type: "text", text: turn.chat.isGroup ? `${author}: ${text}` : text });
  }
  for (const attachment of turn.attachments) {
    // A file the gateway could not get is named by the placeholder in the text; there is nothing to link.
    if (!("path" in attachment)) continue;
    blocks.push({
      type: "resource_link",
      uri: pathToFileURL(attachment.path).href,
      name: attachment.filename ?? basename(attachment.path),
      mimeType: attachment.mimeType ?? null,
      size: attachment.byteSize ?? null,
    });
  }
  if (blocks.length === 0) return undefined;
  const systemPrompt = turn.systemPrompt?.trim();
  if (options.firstInSession && systemPrompt) blocks.unshift({ type: "text", text: systemPrompt });
  return blocks;
}
