import { type HistoryEntry, missingAttachmentPlaceholder, type Turn } from "@imessage-channel/agents";
import { isUrlOnlyText, urlBalloonBundleId } from "@imessage-channel/coalescer";
import type { ResolvedAccount } from "@imessage-channel/config";
import type { StateStore } from "@imessage-channel/state";
import type { PendingRow } from "./pipeline-types.ts";
import { reactionEventOf, reactionText } from "./reaction-event.ts";

export interface TurnBuilderOptions {
  account: ResolvedAccount;
  state: StateStore;
  /** The actions this Mac supports in a DM or a group (outbound's `advertisedActions`), told to the agent in the turn. */
  availableActions?: (isGroup: boolean) => string[];
}

/**
 * The agent's view of a turn's rows. `entries`: the rows whose files the agent gets (the coalescer's cap); every
 * row counts for ids and guids.
 */
export function buildTurn(
  { account, state, availableActions }: TurnBuilderOptions,
  rows: PendingRow[],
  text: string,
  entries: PendingRow[] = rows,
  history: HistoryEntry[] = [],
): Turn {
  const last = rows.at(-1)!;
  const { message, decision } = last;
  const missing = entries.flatMap((row) =>
    (row.missingAttachments ?? []).map((skipped) => ({
      missing: skipped.reason,
      detail: skipped.detail,
      ...(skipped.filename ? { filename: skipped.filename } : {}),
    })),
  );
  const messageIds = rows
    .filter((row) => row.message.guid)
    .map((row) => ({
      short: state.replies.rememberMessage({
        accountId: account.accountId,
        chatId: row.message.chatId,
        guid: row.message.guid,
      }),
      guid: row.message.guid,
    }));
  const event = message.isReaction
    ? reactionEventOf(
        message,
        decision.sender,
        message.reactedToGuid
          ? state.replies.rememberMessage({
              accountId: account.accountId,
              chatId: message.chatId,
              guid: message.reactedToGuid,
            })
          : undefined,
      )
    : undefined;
  return {
    version: 1,
    channel: "imessage",
    accountId: account.accountId,
    agentId: decision.agentId,
    sessionKey: decision.sessionKey,
    chat: {
      id: message.chatId,
      guid: message.chatGuid || undefined,
      identifier: message.chatIdentifier || undefined,
      name: message.chatName || undefined,
      isGroup: decision.isGroup,
    },
    sender: { handle: decision.sender, name: message.senderName },
    text: event ? reactionText(event) : withPlaceholders(text, missing.length),
    attachments: [...entries.flatMap((row) => row.attachments ?? []), ...missing].slice(0, 20),
    messageIds,
    replyToGuid: message.threadOriginatorGuid ?? message.replyToGuid,
    ...newerFields(message, event ? [] : entries),
    systemPrompt: decision.systemPrompt,
    wasMentioned: rows.some((row) => row.decision.wasMentioned),
    coalescedMessageGuids: rows.map((row) => row.message.guid).filter(Boolean),
    replayed: rows.every((row) => row.replayed),
    ...(availableActions ? { availableActions: availableActions(decision.isGroup) } : {}),
    ...(history.length > 0 ? { history } : {}),
    ...(event ? { event } : {}),
  };
}

/** The turn's text without U+FFFC, plus one placeholder per attachment the agent could not get. */
function withPlaceholders(text: string, missing: number): string {
  const placeholders = Array.from({ length: missing }, () => missingAttachmentPlaceholder);
  return [text.replace(/\uFFFC/g, "").trim(), ...placeholders].filter(Boolean).join(" ");
}

const urlPattern = /https?:\/\/\S+/gi;

/** The link a row previews: a folded preview's URL is in the text (imsg appends it when Apple left it out), last. */
function previewUrlOf(message: PendingRow["message"]): string | undefined {
  const lonePreview = message.balloonBundleId === urlBalloonBundleId && isUrlOnlyText(message.text);
  if (!message.urlPreview && !lonePreview) return undefined;
  return message.text.match(urlPattern)?.at(-1);
}

/**
 * The fields imsg added after 0.9.0 (docs/imsg-protocol.md#new-fields) and the reply context, only where the wire
 * had them: a field absent on an older imsg is absent from the turn, never null.
 */
function newerFields(
  message: PendingRow["message"],
  entries: PendingRow[],
): Pick<Turn, "replyToText" | "replyToSender" | "urlPreviews" | "isRead" | "dateRead"> {
  const urlPreviews = entries.flatMap(({ message: row }) => {
    const url = previewUrlOf(row);
    return url ? [{ url, messageGuid: row.guid }] : [];
  });
  return {
    ...(message.replyToText === undefined ? {} : { replyToText: message.replyToText }),
    ...(message.replyToSender === undefined ? {} : { replyToSender: message.replyToSender }),
    ...(urlPreviews.length > 0 ? { urlPreviews } : {}),
    ...(message.isRead === undefined ? {} : { isRead: message.isRead }),
    ...(message.dateRead === undefined ? {} : { dateRead: message.dateRead }),
  };
}
