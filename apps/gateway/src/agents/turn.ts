import { z } from "zod";

/** Turn JSON, version 1: what an agent receives for one inbound turn (product.md). */
export interface Turn {
  version: 1;
  channel: "imessage";
  accountId: string;
  agentId: string;
  sessionKey: string;
  chat: { id: number; guid?: string; identifier?: string; name?: string; isGroup: boolean };
  sender: { handle: string; name?: string };
  text: string;
  attachments: Array<{ path: string; mimeType?: string; filename?: string; byteSize?: number }>;
  messageIds: Array<{ short: string; guid: string }>;
  replyToGuid?: string;
  systemPrompt?: string;
  wasMentioned: boolean;
  coalescedMessageGuids: string[];
  replayed: boolean;
}

const replyAttachmentSchema = z.union([
  z.object({ path: z.string().min(1) }),
  z.object({ base64: z.string(), filename: z.string().min(1) }),
]);

const replyActionSchema = z.looseObject({ action: z.string().min(1) });

/** Reply JSON: what an agent answers. Every field is optional; an empty reply sends nothing. */
export const replySchema = z.object({
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

/**
 * Reads an agent's answer: Reply JSON when it parses as such, otherwise the whole output as plain text.
 * Used by the exec runtime (stdout) and the webhook runtime (a 200 body that is not JSON).
 */
export function parseReplyText(output: string): Reply | undefined {
  const trimmed = output.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith("{")) {
    try {
      const parsed = replySchema.safeParse(JSON.parse(trimmed));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: plain text below
    }
  }
  return { text: trimmed };
}
