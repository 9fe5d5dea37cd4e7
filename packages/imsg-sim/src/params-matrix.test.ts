// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RpcResponse, SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

/**
 * docs/imsg-protocol.md, What 0.14 refuses: every request form a 0.9.0 client may send that 0.14+ answers
 * differently, sent to a 0.15.10 sim and to a 0.9.0 sim (both with the bridge up, so 0.9.0's successes succeed).
 */
const guid = "0B6E1C2A-1111-4C3B-9F00-000000000003";

type Expected = { code: number; data: string } | { result: string; length?: number };

interface Row {
  name: string;
  method: string;
  /** The whole request; `id` is added. */
  request?: Record<string, unknown>;
  params?: unknown;
  v15: Expected;
  v09: Expected;
}

const params = (data: string): Expected => ({ code: -32602, data });
const chatSelector = params("exactly one of chat_id, chat_identifier, or chat_guid is required");

const rows: Row[] = [
  {
    name: "an undocumented camelCase key",
    method: "chats.list",
    params: { chatId: 1 },
    v15: params("unknown chats.list param: chatId"),
    v09: { result: "chats" },
  },
  {
    name: "sinceRowid on watch.subscribe",
    method: "watch.subscribe",
    params: { sinceRowid: 3 },
    v15: params("unknown watch.subscribe param: sinceRowid"),
    v09: { result: "subscription" },
  },
  {
    name: "includeReactions on watch.subscribe",
    method: "watch.subscribe",
    params: { includeReactions: true },
    v15: params("unknown watch.subscribe param: includeReactions"),
    v09: { result: "subscription" },
  },
  {
    name: "jsonrpc inside params",
    method: "chats.list",
    params: { jsonrpc: "2.0" },
    v15: params("unknown chats.list param: jsonrpc"),
    v09: { result: "chats" },
  },
  {
    name: "a stray id inside params",
    method: "chats.list",
    params: { id: 7 },
    v15: params("unknown chats.list param: id"),
    v09: { result: "chats" },
  },
  {
    name: "jsonrpc missing",
    method: "chats.list",
    request: { method: "chats.list" },
    v15: { code: -32600, data: "jsonrpc must be exactly 2.0" },
    v09: { result: "chats" },
  },
  {
    name: "params: []",
    method: "chats.list",
    request: { jsonrpc: "2.0", method: "chats.list", params: [] },
    v15: params("params must be an object when present"),
    v09: { result: "chats" },
  },
  {
    name: "params: null",
    method: "chats.list",
    request: { jsonrpc: "2.0", method: "chats.list", params: null },
    v15: params("params must be an object when present"),
    v09: { result: "chats" },
  },
  {
    name: "send with to and chat_id",
    method: "send",
    params: { to: "+15551234567", chat_id: 1, text: "x" },
    v15: params("use to or exactly one chat selector; not both"),
    v09: params("use to or chat_*; not both"),
  },
  {
    name: "typing with to and chat_id",
    method: "typing",
    params: { to: "+15551234567", chat_id: 1 },
    v15: params("use to or exactly one chat selector; not both"),
    v09: params("use to or chat_*; not both"),
  },
  {
    name: "send with neither to nor chat_*",
    method: "send",
    params: { text: "hi" },
    v15: chatSelector,
    v09: params("to is required for direct sends"),
  },
  { name: "typing with neither", method: "typing", params: {}, v15: chatSelector, v09: params("to is required") },
  { name: "read with neither", method: "read", params: {}, v15: chatSelector, v09: params("to is required") },
  {
    name: "several chat_* keys (0.9.0: chat_id wins)",
    method: "send",
    params: { chat_id: 1, chat_guid: "iMessage;-;+15551234567", text: "hi" },
    v15: chatSelector,
    v09: { result: "ok" },
  },
  {
    name: "chat_id: 0",
    method: "send",
    params: { chat_id: 0, text: "hi" },
    v15: params("chat_id must be a positive integer"),
    v09: params("unknown chat_id 0"),
  },
  {
    name: "a negative chat_id",
    method: "messages.history",
    params: { chat_id: -2 },
    v15: params("chat_id must be a positive integer"),
    v09: { result: "messages", length: 0 },
  },
  {
    name: 'chat_guid: ""',
    method: "send",
    params: { chat_guid: "", text: "hi" },
    v15: params("chat_guid must be a non-empty string"),
    v09: params("to is required for direct sends"),
  },
  {
    name: 'chat_identifier: ""',
    method: "group.leave",
    params: { chat_identifier: "" },
    v15: params("chat_identifier must be a non-empty string"),
    v09: params("could not resolve chat GUID for chat target"),
  },
  {
    name: "a bridge method with no chat_*",
    method: "message.delete",
    params: { message_id: guid },
    v15: chatSelector,
    v09: params("chat_guid, chat_identifier, or chat_id is required"),
  },
  {
    name: "send.rich with both text and message",
    method: "send.rich",
    params: { chat_id: 1, text: "a", message: "b" },
    v15: params("use only one of text, message"),
    v09: { result: "queued" },
  },
  {
    name: "the message target given twice",
    method: "tapback",
    params: { chat_id: 2, message_id: guid, message_guid: guid, reaction: "love" },
    v15: params("use only one of message_id, messageId, message_guid, messageGuid, message"),
    v09: { result: "reaction" },
  },
  {
    name: "message.delete with part_index",
    method: "message.delete",
    params: { chat_id: 2, message_id: guid, part_index: 0 },
    v15: params("unknown message.delete param: part_index"),
    v09: { result: "ok" },
  },
  {
    name: "chats.list limit: 0 (0.9.0 clamped to 1)",
    method: "chats.list",
    params: { limit: 0 },
    v15: params("limit must be a positive integer"),
    v09: { result: "chats", length: 1 },
  },
  {
    name: "messages.history limit: 0",
    method: "messages.history",
    params: { chat_id: 2, limit: 0 },
    v15: params("limit must be a positive integer"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: "an invalid ISO start",
    method: "messages.history",
    params: { chat_id: 2, start: "yesterday" },
    v15: params("Invalid ISO8601 date: yesterday"),
    v09: { code: -32603, data: "Invalid ISO8601 date: yesterday" },
  },
  {
    name: 'chats.create service: "SMS"',
    method: "chats.create",
    params: { addresses: ["+15550001000"], service: "SMS" },
    v15: params("service must be iMessage"),
    v09: { code: -32603, data: "Dylib error: Unsupported chat-create service: SMS" },
  },
  {
    name: "a number for a string param",
    method: "send",
    params: { to: 15551234567, text: "x" },
    v15: params("to must be a string"),
    v09: { result: "ok" },
  },
  {
    name: "digits in a string for an int",
    method: "messages.history",
    params: { chat_id: "2", limit: 1 },
    v15: params("chat_id must be an integer"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: "a fractional number for an int",
    method: "messages.history",
    params: { chat_id: 2.7, limit: 1 },
    v15: params("chat_id must be an integer"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: "true for an int",
    method: "messages.history",
    params: { chat_id: 2, limit: true },
    v15: params("limit must be an integer"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: "1 for a bool",
    method: "messages.history",
    params: { chat_id: 2, limit: 1, attachments: 1 },
    v15: params("attachments must be a boolean"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: '"true" for a bool',
    method: "messages.history",
    params: { chat_id: 2, limit: 1, attachments: "true" },
    v15: params("attachments must be a boolean"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: "an unusable bool (0.9.0: the default applies)",
    method: "messages.history",
    params: { chat_id: 2, limit: 1, attachments: "yes" },
    v15: params("attachments must be a boolean"),
    v09: { result: "messages", length: 1 },
  },
  {
    name: "a CSV string for participants",
    method: "messages.history",
    params: { chat_id: 2, participants: "+15559876543,+15550001111" },
    v15: params("participants must be an array of strings"),
    v09: { result: "messages" },
  },
  {
    name: "a CSV string for addresses",
    method: "chats.create",
    params: { addresses: "+15550001000,+15550002000" },
    v15: params("addresses must be an array of strings"),
    v09: { result: "ok" },
  },
  {
    name: "non-string array elements",
    method: "messages.history",
    params: { chat_id: 2, participants: [1, "+15559876543"] },
    v15: params("participants must be an array of strings"),
    v09: { result: "messages" },
  },
  {
    name: "null for a param",
    method: "chats.list",
    params: { limit: null },
    v15: params("limit must not be null"),
    v09: { result: "chats" },
  },
  {
    name: "an alias next to its canonical key",
    method: "watch.subscribe",
    params: { debounce_ms: 0, debounceMs: 5 },
    v15: params("use only one of debounce_ms, debounceMs"),
    v09: { result: "subscription" },
  },
];

function send(sim: SimProcess, row: Row, id: string): Promise<RpcResponse> {
  const request = row.request ?? {
    jsonrpc: "2.0",
    method: row.method,
    ...(row.params === undefined ? {} : { params: row.params }),
  };
  return sim.requestWithId(id, { ...request, id });
}

function expectAnswer(response: RpcResponse, expected: Expected): void {
  if ("code" in expected) {
    expect(response.result).toBeUndefined();
    expect(response.error).toEqual({
      code: expected.code,
      message:
        expected.code === -32600 ? "Invalid Request" : expected.code === -32603 ? "Internal error" : "Invalid params",
      data: expected.data,
    });
    return;
  }
  expect(response.error).toBeUndefined();
  expect(response.result).toHaveProperty(expected.result);
  if (expected.length !== undefined) expect(response.result?.[expected.result]).toHaveLength(expected.length);
}

describe.each([
  ["0.15.10", "v15"],
  ["0.9.0", "v09"],
] as const)("what a 0.9.0 client sends, answered by imsg %s", (version, column) => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--bridge", "up", "--imsg-version", version] });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it.each(rows.map((row, index) => [row.name, row, index] as const))("%s", async (_name, row, index) => {
    expectAnswer(await send(sim, row, `row-${index}`), row[column]);
  });
});
