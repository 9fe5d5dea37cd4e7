import { isoFromAppleMilliseconds } from "@imessage-channel/imsg-sim";
import type { OutboundPartState } from "@imessage-channel/state";
import type { GatewayHarness } from "../test-support/gateway-harness.ts";
import type { OutboundEvidence, OutgoingRow, PartRecord } from "./outbound-verdict.ts";

interface PartRow {
  id: number;
  part_key: string;
  delivery_id: string;
  origin: string;
  kind: string;
  chat_json: string;
  call_json: string;
  preview: string;
  state: string;
  mode: string | null;
  message_guid: string | null;
  detail: string | null;
  first_attempt_at: number | null;
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The objects a chat address or a send call may keep its fields in: itself, or its `target` or `params`. */
function layers(value: unknown): Record<string, unknown>[] {
  const top = asRecord(value);
  if (!top) return [];
  return [top, asRecord(top.target), asRecord(top.params)].filter((layer) => layer !== undefined);
}

/** Every identity of a chat, as the verdict compares them, whichever spelling (the channel's or imsg's) holds them. */
function chatKeysOf(...values: unknown[]): string[] {
  const keys = new Set<string>();
  for (const layer of values.flatMap(layers)) {
    const id = layer.chatId ?? layer.chat_id;
    if (typeof id === "number" && id > 0) keys.add(`chat-id:${id}`);
    const guid = layer.chatGuid ?? layer.chat_guid;
    if (typeof guid === "string" && guid) keys.add(`chat-guid:${guid}`);
    // A DM's chat identifier in chat.db is the peer's handle.
    for (const identifier of [layer.chatIdentifier, layer.chat_identifier, layer.handle, layer.to]) {
      if (typeof identifier === "string" && identifier) keys.add(`chat-identifier:${identifier}`);
    }
  }
  return [...keys];
}

/**
 * A part's chat by its strongest identity only: the chat id when it has one, else its guid, else its identifier or
 * handle. A group's address may carry a member's handle too, which must not make a DM's row look like the group's.
 */
function partChatKeys(chat: unknown, call: unknown): string[] {
  const keys = chatKeysOf(chat, call);
  for (const prefix of ["chat-id:", "chat-guid:"]) {
    const strongest = keys.filter((key) => key.startsWith(prefix));
    if (strongest.length) return strongest;
  }
  return keys;
}

function textOf(kind: string, call: unknown): string | undefined {
  if (kind !== "text") return undefined;
  return layers(call)
    .map((layer) => layer.text)
    .find((text): text is string => typeof text === "string");
}

/** state.db's outbound parts, as the verdict reads them (the table is there from schema 3 on, empty or not). */
export function readParts(harness: GatewayHarness): PartRecord[] {
  const rows = harness.stateRows<PartRow>(
    `SELECT id, part_key, delivery_id, origin, kind, chat_json, call_json, preview, state, mode, message_guid, detail,
       first_attempt_at FROM outbound_part ORDER BY id`,
  );
  return rows.map((row) => {
    const chat = parseJson(row.chat_json);
    const call = parseJson(row.call_json);
    const text = textOf(row.kind, call);
    return {
      id: row.id,
      key: row.part_key,
      deliveryId: row.delivery_id,
      origin: row.origin,
      kind: row.kind,
      state: row.state as OutboundPartState,
      ...(row.mode === null ? {} : { mode: row.mode }),
      ...(row.message_guid === null ? {} : { guid: row.message_guid }),
      ...(text === undefined ? {} : { text }),
      chatKeys: partChatKeys(chat, call),
      ...(row.first_attempt_at === null ? {} : { firstAttemptAt: row.first_attempt_at }),
      preview: row.preview,
      ...(row.detail === null ? {} : { detail: row.detail }),
    };
  });
}

/** chat.db's outgoing rows (`is_from_me = 1`) with every identity of their chat. */
export function readOutgoingRows(harness: GatewayHarness): OutgoingRow[] {
  const rows = harness.query<{
    rowid: number;
    guid: string;
    text: string;
    appleMs: number;
    error: number;
    chatId: number | null;
    chatGuid: string | null;
    chatIdentifier: string | null;
  }>(
    `SELECT m.ROWID AS rowid, m.guid AS guid, IFNULL(m.text, '') AS text, m.date / 1000000 AS appleMs, IFNULL(m.error, 0) AS error,
       c.ROWID AS chatId, c.guid AS chatGuid, c.chat_identifier AS chatIdentifier
     FROM message m LEFT JOIN chat_message_join j ON j.message_id = m.ROWID LEFT JOIN chat c ON c.ROWID = j.chat_id
     WHERE m.is_from_me = 1 ORDER BY m.ROWID`,
  );
  return rows.map((row) => ({
    rowid: row.rowid,
    guid: row.guid,
    text: row.text,
    chatKeys: chatKeysOf({
      chatId: row.chatId ?? undefined,
      chatGuid: row.chatGuid ?? undefined,
      chatIdentifier: row.chatIdentifier ?? undefined,
    }),
    at: Date.parse(isoFromAppleMilliseconds(row.appleMs)),
    failed: row.error !== 0,
  }));
}

/**
 * The outbound evidence at the end of a run, or undefined when this gateway keeps no outbound parts: it wrote
 * none and never logged its send mode (`outbound sends: tracked …` / `outbound sends: history lookup …`, logged
 * each time imsg connects). A gateway that logged its mode must account for every outgoing row with a part.
 */
export function readOutboundEvidence(harness: GatewayHarness): OutboundEvidence | undefined {
  const parts = readParts(harness);
  const keepsParts = parts.length > 0 || harness.logs.some((line) => line.includes("outbound sends: "));
  return keepsParts ? { parts, rows: readOutgoingRows(harness) } : undefined;
}
