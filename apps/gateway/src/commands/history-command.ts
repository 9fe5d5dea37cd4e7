import { errorMessage } from "@imessage-channel/kit";
import { parseTarget, type Target } from "@imessage-channel/policy";
import type { Chat, Message } from "@imessage-channel/rpc-client";
import { CliError, type CliIo, formatTable } from "../cli-io.ts";
import { chatForTarget } from "./history-target.ts";
import { type ImsgCommandOptions, loadAccounts, withClient } from "./imsg-commands.ts";

/** How many recent chats a guid, identifier or handle target is looked up in. */
const chatLookupLimit = 200;

function parsedLimit(value: string | undefined): number {
  const limit = value === undefined ? 20 : Number(value);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit: "${value}" is not a positive whole number`, 2);
  return limit;
}

function chatLabel(chat: Chat): string {
  return chat.name || chat.displayName || chat.contactName || chat.identifier;
}

/** One message on one line: its words, and what it carried besides them. */
function messageLine(message: Message): string {
  const parts = [message.text.replace(/\s+/g, " ").trim()];
  if (message.attachments.length === 1) parts.push(`[attachment: ${message.attachments[0]?.transferName || "file"}]`);
  else if (message.attachments.length > 1) parts.push(`[${message.attachments.length} attachments]`);
  return parts.filter(Boolean).join(" ");
}

/**
 * `history [<target>] [--limit N] [--json]`: the latest messages of one chat, read through imsg's
 * `messages.history` on a short-lived `imsg rpc` (a local command for the operator; no chat command reaches it).
 * Without a target, the chat with the newest activity.
 */
export async function historyCommand(
  io: CliIo,
  input: string | undefined,
  options: ImsgCommandOptions & { limit?: string },
): Promise<void> {
  const limit = parsedLimit(options.limit);
  const { accounts } = await loadAccounts(io, options);
  const account = accounts[0];
  if (!account) throw new CliError("no account configured", 2);
  let target: Target | undefined;
  if (input !== undefined) {
    try {
      target = parseTarget(input, { region: account.phoneRegion });
    } catch (error) {
      throw new CliError(errorMessage(error), 2);
    }
  }
  const { chat, messages } = await withClient(account, async (client) => {
    const chats = await client.chatsList({ limit: target === undefined ? 1 : chatLookupLimit });
    const found = target === undefined ? chats[0] : chatForTarget(target, chats, account.phoneRegion);
    // A chat_id older than the lookup window is still a chat: imsg says whether it exists.
    const chatId = found?.id ?? (target?.kind === "chat-id" ? target.chatId : undefined);
    if (chatId === undefined) {
      throw new CliError(
        target === undefined
          ? "the Mac has no chats yet"
          : `no chat matches ${input} among the Mac's ${chatLookupLimit} most recent chats; run \`imessage-channel chats\` for targets`,
        1,
      );
    }
    return { chat: found, messages: await client.messagesHistory({ chatId, limit }) };
  });
  // imsg answers newest first; a conversation reads oldest first.
  const ordered = [...messages].reverse();
  if (options.json) {
    io.stdout.write(`${JSON.stringify(ordered, null, 2)}\n`);
    return;
  }
  const chatId = chat?.id ?? messages[0]?.chatId;
  const name = chat ? ` (${chatLabel(chat)})` : "";
  if (ordered.length === 0) {
    io.stdout.write(`No messages in chat_id:${chatId}${name}.\n`);
    return;
  }
  const count = ordered.length === 1 ? "message" : `${ordered.length} messages, oldest first`;
  io.stdout.write(`chat_id:${chatId}${name}: the last ${count}\n`);
  const rows = ordered.map((message) => [
    message.createdAt,
    message.isFromMe ? "me" : message.sender,
    messageLine(message),
  ]);
  io.stdout.write(`${formatTable(["TIME", "FROM", "TEXT"], rows)}\n`);
}
