import type { AgentRuntime } from "@imessage-channel/agents";
import type { FetchResult, SkippedAttachment } from "@imessage-channel/attachments";
import type { DispatchDecision } from "@imessage-channel/policy";
import type { ImsgMessage } from "./imsg-port.ts";

/** One accepted row waiting to become (part of) a turn. */
export interface PendingRow {
  message: ImsgMessage;
  decision: DispatchDecision;
  replayed: boolean;
  /** Files fetched for the agent (includeAttachments on), gateway-local paths. */
  attachments?: FetchResult["attachments"];
  /** Files the row had that the agent cannot get (too large, outside roots, unavailable): it is told so. */
  missingAttachments?: SkippedAttachment[];
}

/** The rows of one turn and their merged text (one row: its text as it came). */
export interface TurnRows {
  rows: PendingRow[];
  text: string;
  /** The rows whose words and files the agent sees (the coalescer's first-plus-latest cap); default: all rows. */
  entries?: PendingRow[];
}

/** Merges rows into turns: the coalescer for DMs; everything else passes through. */
export interface TurnBuffer {
  add(row: PendingRow): void;
  flush(): Promise<void>;
}

export interface ChatCommandHandler {
  /** Handles an authorized control command; returns the reply text, or undefined to treat it as a message. */
  handle(row: PendingRow, agent: AgentRuntime): Promise<string | undefined>;
}

export interface AgentRetry {
  /** From the first failed attempt of a session's outage; 0 = one attempt (the agent's own quick retries only). */
  windowMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}
