import type { z } from "zod";
import { compileCheck } from "./compiled-check.ts";
import {
  type Chat,
  chatFromWire,
  type ImsgStatus,
  type Message,
  messageFromWire,
  statusFromWire,
} from "./imsg-objects.ts";
import { wireChatSchema, wireMessageSchema, wireStatusSchema } from "./wire-schemas.ts";

/** The outcome of validating one wire object: the camelCase value, or a one-line description of what was wrong. */
export type Parsed<T> = { success: true; value: T } | { success: false; problem: string };

/** `chat_id: expected number, received undefined; …` — short enough for one log line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

const isWireMessage = compileCheck(wireMessageSchema);
const isWireChat = compileCheck(wireChatSchema);

export function parseMessage(value: unknown): Parsed<Message> {
  // The compiled check passes valid rows without zod's copy; zod then only describes what is wrong with the others.
  if (isWireMessage(value)) return { success: true, value: messageFromWire(value) };
  const result = wireMessageSchema.safeParse(value);
  return result.success
    ? { success: true, value: messageFromWire(result.data) }
    : { success: false, problem: describeIssues(result.error) };
}

export function parseChat(value: unknown): Parsed<Chat> {
  if (isWireChat(value)) return { success: true, value: chatFromWire(value) };
  const result = wireChatSchema.safeParse(value);
  return result.success
    ? { success: true, value: chatFromWire(result.data) }
    : { success: false, problem: describeIssues(result.error) };
}

export function parseStatus(value: unknown): Parsed<ImsgStatus> {
  const result = wireStatusSchema.safeParse(value);
  return result.success
    ? { success: true, value: statusFromWire(result.data) }
    : { success: false, problem: describeIssues(result.error) };
}

/** The rowid of a message that failed validation, when it has one, so the log can name it. */
export function rowidOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === "number" ? id : undefined;
}
