import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { toIsoString } from "./iso-time.ts";
import { prepared } from "./statement-cache.ts";

/** An iMessage conversation bound to an ACP session (`/acp spawn … --bind here`). */
export interface AcpBinding {
  accountId: string;
  /** The conversation as policy names it, e.g. `chat_id:123` or a normalized DM handle. */
  conversationKey: string;
  agentId: string;
  label: string | null;
  sessionId: string | null;
  mode: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AcpBindingInput {
  accountId: string;
  conversationKey: string;
  agentId: string;
  label?: string | null;
  sessionId?: string | null;
  mode?: string | null;
}

interface BindingRow {
  account_id: string;
  conversation_key: string;
  agent_id: string;
  label: string | null;
  session_id: string | null;
  mode: string | null;
  created_at: number;
  updated_at: number;
}

/** ACP conversation bindings, keyed by (accountId, conversationKey). */
export class AcpBindingStore {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">) {
    this.#database = database;
    this.#clock = clock;
  }

  /** Creates or replaces the binding; a replaced binding keeps its `createdAt`. */
  setBinding(binding: AcpBindingInput): AcpBinding {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      prepared(
        this.#database,
        `INSERT INTO acp_bindings (account_id, conversation_key, agent_id, label, session_id, mode, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (account_id, conversation_key) DO UPDATE SET agent_id = excluded.agent_id, label = excluded.label,
             session_id = excluded.session_id, mode = excluded.mode, updated_at = excluded.updated_at`,
      ).run(
        binding.accountId,
        binding.conversationKey,
        binding.agentId,
        binding.label ?? null,
        binding.sessionId ?? null,
        binding.mode ?? null,
        now,
        now,
      );
      return this.#read(binding.accountId, binding.conversationKey) as AcpBinding;
    });
  }

  getBinding(key: { accountId: string; conversationKey: string }): AcpBinding | undefined {
    return this.#read(key.accountId, key.conversationKey);
  }

  /** Removes the binding; false when there was none. */
  deleteBinding(key: { accountId: string; conversationKey: string }): boolean {
    return immediateTransaction(this.#database, () => {
      const result = prepared(
        this.#database,
        "DELETE FROM acp_bindings WHERE account_id = ? AND conversation_key = ?",
      ).run(key.accountId, key.conversationKey);
      return Number(result.changes) > 0;
    });
  }

  listBindings(options: { accountId?: string } = {}): AcpBinding[] {
    const rows = (options.accountId === undefined
      ? prepared(this.#database, "SELECT * FROM acp_bindings ORDER BY account_id, conversation_key").all()
      : prepared(this.#database, "SELECT * FROM acp_bindings WHERE account_id = ? ORDER BY conversation_key").all(
          options.accountId,
        )) as unknown as BindingRow[];
    return rows.map(toBinding);
  }

  #read(accountId: string, conversationKey: string): AcpBinding | undefined {
    const row = prepared(
      this.#database,
      "SELECT * FROM acp_bindings WHERE account_id = ? AND conversation_key = ?",
    ).get(accountId, conversationKey) as BindingRow | undefined;
    return row ? toBinding(row) : undefined;
  }
}

function toBinding(row: BindingRow): AcpBinding {
  return {
    accountId: row.account_id,
    conversationKey: row.conversation_key,
    agentId: row.agent_id,
    label: row.label,
    sessionId: row.session_id,
    mode: row.mode,
    createdAt: toIsoString(row.created_at),
    updatedAt: toIsoString(row.updated_at),
  };
}
