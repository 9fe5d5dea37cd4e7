import type { Reply, Turn } from "./turn.ts";

/** One agent backend. `run` answers one turn; undefined means "no reply". */
export interface AgentRuntime {
  readonly kind: string;
  /**
   * Takes event turns (`turn.event`, e.g. a tapback) and may answer nothing. Runtimes that would treat the
   * event's text as a user message to answer (echo, openai, ACP) leave it unset and never get one.
   */
  readonly acceptsEvents?: boolean;
  run(turn: Turn, signal: AbortSignal): Promise<Reply | undefined>;
  /** Forget the conversation of a session (`/new`, `/reset`). */
  reset?(sessionKey: string): Promise<void>;
  close?(): Promise<void>;
}
