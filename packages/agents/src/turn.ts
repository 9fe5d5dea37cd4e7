import { z } from "zod";

/** One earlier message handed to the agent with a turn (`turn.history`), oldest first. */
export interface HistoryEntry {
  sender: string;
  text: string;
  createdAt: string;
  guid: string;
  /** Ours: a message the gateway (or the account's own user) sent. */
  fromMe?: boolean;
}

/** A tapback as the agent sees it: `turn.event`, and one line of text for agents that read only text. */
export interface ReactionEvent {
  type: "reaction";
  action: "added" | "removed";
  /** The tapback's emoji (👍, ❤️, …, or a custom one); absent when imsg could not resolve it. */
  emoji?: string;
  /** imsg's kind: love, like, dislike, laugh, emphasize, question, custom. */
  reactionType?: string;
  sender: string;
  /** The message reacted to: its short id (usable in `react`/`reply` actions) and full guid. */
  target: { short?: string; guid: string };
}

/** A file of the turn: a gateway-local copy, or one the agent missed and why (too large, outside roots, …). */
export type TurnAttachment =
  | { path: string; mimeType?: string; filename?: string; byteSize?: number }
  | { missing: string; detail: string; mimeType?: string; filename?: string };

/** What the text says in place of each attachment the agent could not get. */
export const missingAttachmentPlaceholder = "[imessage attachment unavailable]";

/** Turn JSON, version 1: what an agent receives for one inbound turn (apps/gateway/README.md, Agents). */
export interface Turn {
  version: 1;
  channel: "imessage";
  accountId: string;
  agentId: string;
  sessionKey: string;
  chat: { id: number; guid?: string; identifier?: string; name?: string; isGroup: boolean };
  sender: { handle: string; name?: string };
  text: string;
  /** Files the agent can read, then the ones it missed (`missing`: why; the text carries a placeholder for each). */
  attachments: TurnAttachment[];
  messageIds: Array<{ short: string; guid: string }>;
  replyToGuid?: string;
  /** An inline reply's parent as imsg resolved it (`reply_to_text`, `reply_to_sender`); absent when imsg gave none. */
  replyToText?: string;
  replyToSender?: string;
  /**
   * Link previews of the turn's rows (imsg 0.11.1+ folds a link send's preview row into its text row, `url_preview`):
   * the link and the message it belongs to. imsg sends no title, so none is given.
   */
  urlPreviews?: Array<{ url: string; messageGuid: string }>;
  /** imsg 0.13+: whether the turn's last row was read when imsg read it (`is_read`, `date_read`); absent before. */
  isRead?: boolean;
  dateRead?: string;
  systemPrompt?: string;
  wasMentioned: boolean;
  coalescedMessageGuids: string[];
  replayed: boolean;
  /**
   * The Reply JSON `actions` this Mac supports in this chat now (`react`, `reply`, `edit`, …): the enabled ones the
   * private API bridge can run, by the last probe (all bridge actions while it is not known yet).
   */
  availableActions?: string[];
  /**
   * Earlier messages, oldest first: in groups those mention gating skipped since the last turn (`historyLimit`);
   * a new DM session's first turn is seeded with the chat's recent messages (`dmHistoryLimit`, `dms`).
   */
  history?: HistoryEntry[];
  /** Set when the turn is an event rather than a message: a tapback (`reactionNotifications`). */
  event?: ReactionEvent;
}

const replyAttachmentSchema = z.union([
  z.object({ path: z.string().min(1) }),
  z.object({ base64: z.string(), filename: z.string().min(1) }),
]);

const replyActionSchema = z.looseObject({ action: z.string().min(1) });

/**
 * Reply JSON: what an agent answers. Every field is optional; an empty reply sends nothing. `version: 1` is the
 * envelope that declares exec stdout to be Reply JSON rather than text.
 */
export const replySchema = z.object({
  version: z.literal(1).optional(),
  text: z.string().optional(),
  attachments: z.array(replyAttachmentSchema).optional(),
  actions: z.array(replyActionSchema).optional(),
});

export type Reply = z.infer<typeof replySchema>;
export type ReplyAttachment = z.infer<typeof replyAttachmentSchema>;
export type ReplyAction = z.infer<typeof replyActionSchema>;

/** True when a reply would send nothing at all. */
export function isEmptyReply(reply: Reply | undefined): boolean {
  if (!reply) return true;
  return !reply.text?.trim() && !reply.attachments?.length && !reply.actions?.length;
}

/** An answer that is plain text: sent as it is (markdown rendered), never read as instructions. */
export function textReply(output: string): Reply | undefined {
  const trimmed = output.trim();
  return trimmed ? { text: trimmed } : undefined;
}

export type EnvelopeReading = { ok: true; reply: Reply | undefined } | { ok: false; problem: string };

/**
 * Reads exec stdout: Reply JSON only inside the `{"version":1, …}` envelope, everything else as plain text —
 * so an agent that repeats what a user typed cannot be made to attach files or run actions by typing Reply JSON.
 * An envelope that is not a valid Reply is a problem, not text: the agent declared it meant Reply JSON.
 */
export function readReplyEnvelope(output: string): EnvelopeReading {
  const trimmed = output.trim();
  if (!trimmed.startsWith("{")) return { ok: true, reply: textReply(trimmed) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { ok: true, reply: textReply(trimmed) };
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { version?: unknown }).version !== 1) {
    return { ok: true, reply: textReply(trimmed) };
  }
  const reply = replySchema.safeParse(parsed);
  if (!reply.success) {
    const issue = reply.error.issues[0];
    return {
      ok: false,
      problem: issue ? `${issue.path.join(".") || "reply"}: ${issue.message}` : "invalid Reply JSON",
    };
  }
  return { ok: true, reply: reply.data };
}
