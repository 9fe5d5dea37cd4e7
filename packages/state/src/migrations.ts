import type { DatabaseSync } from "node:sqlite";
import { immediateTransaction } from "./immediate-transaction.ts";
import { StateError } from "./state-error.ts";

/**
 * Schema migrations, applied in order; `PRAGMA user_version` holds how many have run.
 * Append only: never edit a migration that has shipped.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE pairing_requests (
    code TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    chat_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX pairing_requests_by_account_sender ON pairing_requests (account_id, sender, expires_at);

  CREATE TABLE approvals (
    account_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    chat_id TEXT,
    code TEXT,
    approved_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, sender)
  );

  CREATE TABLE inbound_journal (
    guid TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    message_rowid INTEGER,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'committed', 'released')),
    owner_host TEXT,
    owner_pid INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX inbound_journal_by_updated ON inbound_journal (updated_at);
  CREATE INDEX inbound_journal_by_state ON inbound_journal (state, owner_host);

  CREATE TABLE inbound_cursor (
    account_id TEXT PRIMARY KEY,
    max_committed_rowid INTEGER NOT NULL
  );

  CREATE TABLE echo_sent (
    id INTEGER PRIMARY KEY,
    send_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    chat_key TEXT NOT NULL,
    text TEXT,
    guid TEXT,
    sent_at INTEGER NOT NULL
  );
  CREATE INDEX echo_sent_by_text ON echo_sent (account_id, chat_key, text);
  CREATE INDEX echo_sent_by_guid ON echo_sent (account_id, guid);
  CREATE INDEX echo_sent_by_time ON echo_sent (sent_at);

  CREATE TABLE reply_cache (
    account_id TEXT NOT NULL,
    short_id INTEGER NOT NULL,
    chat_id TEXT NOT NULL,
    guid TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, short_id),
    UNIQUE (account_id, guid)
  );
  CREATE TABLE reply_counters (
    account_id TEXT PRIMARY KEY,
    last_short_id INTEGER NOT NULL
  );

  CREATE TABLE acp_bindings (
    account_id TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    label TEXT,
    session_id TEXT,
    mode TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_key)
  );

  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 2: the reply outbox (an agent's answer kept until its turn commits, so a crash mid-delivery resumes it).
  `
  CREATE TABLE reply_outbox (
    guid TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    reply_json TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
  );
  `,
  // 3: every outbound message as a part with an identity and a state (docs/exactly-once.md), and the delivery
  // each recorded reply goes out as.
  `
  CREATE TABLE outbound_part (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    part_key TEXT NOT NULL UNIQUE,
    delivery_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    chat_json TEXT NOT NULL,
    call_json TEXT NOT NULL,
    preview TEXT NOT NULL,
    state TEXT NOT NULL,
    mode TEXT,
    attempt INTEGER NOT NULL DEFAULT 0,
    message_guid TEXT,
    message_rowid INTEGER,
    detail TEXT,
    first_attempt_at INTEGER,
    checked_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX outbound_part_account_state ON outbound_part (account_id, state);
  CREATE INDEX outbound_part_delivery ON outbound_part (delivery_id, seq);
  CREATE INDEX outbound_part_guid ON outbound_part (message_guid);
  ALTER TABLE reply_outbox ADD COLUMN delivery_id TEXT;
  `,
  // 4: whether the sender still has to be told they were approved ('pending' until the running gateway sent it).
  // Approvals made before this migration stay NULL: nobody is told years later.
  `
  ALTER TABLE approvals ADD COLUMN notice TEXT;
  `,
  // 5: the account lease with its fencing token (gateways on one host take turns owning an account). Nothing on
  // the hot path reads it.
  `
  CREATE TABLE account_lease (
    account_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
];

export const latestSchemaVersion = migrations.length;

/** Applies the missing migrations in one IMMEDIATE transaction, so two processes opening at once migrate once. */
export function migrateToLatest(database: DatabaseSync): void {
  immediateTransaction(database, () => {
    const current = readSchemaVersion(database);
    if (current > latestSchemaVersion) {
      throw new StateError(
        "STATE_SCHEMA_TOO_NEW",
        `state.db schema version ${current} is newer than this build understands (${latestSchemaVersion}); upgrade imessage-channel`,
      );
    }
    for (let version = current; version < latestSchemaVersion; version += 1) {
      database.exec(migrations[version] as string);
    }
    if (current !== latestSchemaVersion) database.exec(`PRAGMA user_version = ${latestSchemaVersion}`);
  });
}

export function readSchemaVersion(database: DatabaseSync): number {
  const row = database.prepare("PRAGMA user_version").get() as { user_version?: number } | undefined;
  return row?.user_version ?? 0;
}
