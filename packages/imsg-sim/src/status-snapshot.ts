import { DatabaseSync } from "node:sqlite";
import { errorMessage } from "@imessage-channel/kit";
import { bridgeEventLogPath, isReadableEventLog } from "./bridge-events.ts";
import { type BridgeProbe, probeBridge } from "./bridge-probe.ts";
import { readBridgeState } from "./bridge-state.ts";
import { compiledRpcMethods } from "./compiled-methods.ts";
import type { ImsgPersonality } from "./personality.ts";
import type { Params } from "./rpc-params.ts";
import { columnsOf } from "./schema-probe.ts";
import type { SimSession } from "./sim-session.ts";
import { type DatabaseFeatures, type DatabaseState, usableMethods } from "./status-methods.ts";

function featuresOf(database: DatabaseSync): DatabaseFeatures {
  const message = columnsOf(database, "message");
  const chat = columnsOf(database, "chat");
  const all = (columns: Set<string>, ...names: string[]) => names.every((name) => columns.has(name.toLowerCase()));
  return {
    unread_state: all(message, "is_read", "date_read"),
    scheduled_messages: all(message, "schedule_type", "schedule_state"),
    reactions: all(message, "guid", "associated_message_guid", "associated_message_type"),
    reply_context: all(message, "thread_originator_guid", "reply_to_guid"),
    routing_metadata: all(chat, "account_id", "account_login", "last_addressed_handle"),
    balloon_payloads: all(message, "balloon_bundle_id", "payload_data"),
  };
}

/** The schema features of the database at `dbPath`, read once the lazy database says it opens. */
function databaseState(dbPath: string): DatabaseState {
  try {
    const database = new DatabaseSync(dbPath, { readOnly: true, timeout: 5000 });
    try {
      return { path: dbPath, ready: true, features: featuresOf(database) };
    } finally {
      database.close();
    }
  } catch (error) {
    // Redacted: the detail names the failure, never the path again.
    return { path: dbPath, ready: false, error: errorMessage(error).replaceAll(dbPath, "<path>") };
  }
}

/** `capabilities` (0.15): the engine's version and the bridge-dependent feature levels. */
export function capabilitiesBlock(personality: ImsgPersonality, bridge: BridgeProbe): Record<string, unknown> {
  const emoji = bridge.selectors?.emojiTapbackSend === true;
  return {
    engine: { version: personality.version, commit: "unknown", built_at: "unknown" },
    features: emoji ? { "tapback.emoji": 2 } : {},
  };
}

/**
 * The object `initialize` and `status` answer (docs/imsg-protocol.md, initialize and status): database and bridge
 * state, Contacts, the methods usable now and the ones compiled in, and on 0.15 the capabilities block.
 */
export function statusSnapshot(session: SimSession): Record<string, unknown> {
  const { settings } = session;
  const personality = settings.personality;
  // Readiness is the lazy database's (it retries the open, like every request); the features are read from the file.
  const status = session.databaseStatus();
  const database: DatabaseState = status.ready ? databaseState(settings.dbPath) : status;
  const bridge = probeBridge({ ...readBridgeState(settings.dbPath), ...settings.bridgeOverrides }, settings.platform);
  const compiled = compiledRpcMethods(personality, settings.platform);
  return {
    version: personality.version,
    protocol_version: 1,
    database,
    bridge,
    contacts: { available: settings.platform === "mac" && settings.contactsPath !== undefined },
    methods: usableMethods(compiled, database, bridge, isReadableEventLog(bridgeEventLogPath(settings.dbPath))),
    supported_methods: [...compiled],
    ...(personality.capabilities ? { capabilities: capabilitiesBlock(personality, bridge) } : {}),
  };
}

/** RPC `initialize`: the status object; `protocol_version` was checked by strict params. */
export function initializeMethod(_params: Params, session: SimSession): Record<string, unknown> {
  return statusSnapshot(session);
}

export function statusMethod(_params: Params, session: SimSession): Record<string, unknown> {
  return statusSnapshot(session);
}
