import type { Reply, Turn } from "./turn.ts";

/** One agent backend. `run` answers one turn; undefined means "no reply". */
export interface AgentRuntime {
  readonly kind: string;
  run(turn: Turn, signal: AbortSignal): Promise<Reply | undefined>;
  /** Forget the conversation of a session (`/new`, `/reset`). */
  reset?(sessionKey: string): Promise<void>;
  close?(): Promise<void>;
}
