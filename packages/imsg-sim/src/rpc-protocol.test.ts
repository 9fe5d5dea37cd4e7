// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const parseErrorText = "The data couldn’t be read because it isn’t in the correct format.";

describe("rpc framing, parsing and errors (docs/imsg-protocol.md#framing, #errors)", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath] });
  });

  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  async function nextLineAfter(write: () => void): Promise<Record<string, unknown>> {
    const before = sim.lines.length;
    write();
    const line = await sim.waitFor(() => sim.lines[before]);
    return JSON.parse(line) as Record<string, unknown>;
  }

  it("answers invalid JSON with -32700 Parse error and id null", async () => {
    const response = await nextLineAfter(() => sim.writeLine("{not json"));
    expect(response).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "Parse error", data: parseErrorText },
    });
  });

  it("rejects a batch array as -32600 request must be an object", async () => {
    const response = await nextLineAfter(() => sim.writeLine('[{"jsonrpc":"2.0","id":1,"method":"chats.list"}]'));
    expect(response).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Invalid Request", data: "request must be an object" },
    });
  });

  it("rejects a top-level scalar as -32600 request must be an object", async () => {
    const response = await nextLineAfter(() => sim.writeLine("42"));
    expect(response.error).toEqual({ code: -32600, message: "Invalid Request", data: "request must be an object" });
  });

  it("rejects a jsonrpc string other than 2.0 and echoes the id", async () => {
    const response = await sim.requestWithId("a", { jsonrpc: "1.0", id: "a", method: "chats.list" });
    expect(response).toEqual({
      jsonrpc: "2.0",
      id: "a",
      error: { code: -32600, message: "Invalid Request", data: "jsonrpc must be 2.0" },
    });
  });

  it("accepts a missing or non-string jsonrpc", async () => {
    const missing = await sim.requestWithId(10, { id: 10, method: "chats.list" });
    const numeric = await sim.requestWithId(11, { jsonrpc: 2.0, id: 11, method: "chats.list" });
    expect(missing.result).toHaveProperty("chats");
    expect(numeric.result).toHaveProperty("chats");
  });

  it("requires a non-empty string method", async () => {
    const missing = await sim.requestWithId(12, { jsonrpc: "2.0", id: 12 });
    const empty = await sim.requestWithId(13, { jsonrpc: "2.0", id: 13, method: "" });
    const numeric = await sim.requestWithId(14, { jsonrpc: "2.0", id: 14, method: 7 });
    for (const response of [missing, empty, numeric]) {
      expect(response.error).toEqual({ code: -32600, message: "Invalid Request", data: "method is required" });
    }
  });

  it("answers an unknown method with -32601 and the method name as data", async () => {
    const response = await sim.request("status");
    expect(response.error).toEqual({ code: -32601, message: "Method not found", data: "status" });
  });

  it("answers method validation failures with -32602 Invalid params", async () => {
    const response = await sim.request("messages.history", {});
    expect(response.error).toEqual({ code: -32602, message: "Invalid params", data: "chat_id is required" });
  });

  it("answers other failures with -32603 Internal error", async () => {
    const response = await sim.request("messages.history", { chat_id: 1, start: "2026-05-01" });
    expect(response.error).toEqual({
      code: -32603,
      message: "Internal error",
      data: "Invalid ISO8601 date: 2026-05-01",
    });
  });

  it("echoes string, number and null ids verbatim, and answers id null with a success", async () => {
    const text = await sim.requestWithId("abc", { jsonrpc: "2.0", id: "abc", method: "chats.list" });
    const fraction = await sim.requestWithId(1.5, { jsonrpc: "2.0", id: 1.5, method: "chats.list" });
    const nullId = await sim.requestWithId(null, { jsonrpc: "2.0", id: null, method: "chats.list" });
    expect([text.id, fraction.id, nullId.id]).toEqual(["abc", 1.5, null]);
    expect(nullId.result).toHaveProperty("chats");
  });

  it("sends nothing for a successful notification but answers a failing one with id null", async () => {
    const response = await nextLineAfter(() => {
      sim.writeLine(JSON.stringify({ jsonrpc: "2.0", method: "chats.list" }));
      sim.writeLine(JSON.stringify({ jsonrpc: "2.0", method: "messages.history" }));
    });
    expect(response).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32602, message: "Invalid params", data: "chat_id is required" },
    });
  });

  it("treats array params as {} and skips blank lines and CRLF endings", async () => {
    const before = sim.lines.length;
    sim.writeLine("");
    sim.writeLine("   ");
    const response = await sim.requestWithId(20, { jsonrpc: "2.0", id: 20, method: "messages.history", params: [2] });
    expect(sim.lines.length).toBe(before + 1);
    expect(response.error?.data).toBe("chat_id is required");
    sim.child.stdin!.write('{"jsonrpc":"2.0","id":21,"method":"chats.list","params":{"limit":1}}\r\n');
    const crlf = await sim.waitFor(() =>
      sim.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((message) => message.id === 21),
    );
    expect((crlf.result as { chats: unknown[] }).chats).toHaveLength(1);
  });

  it("answers requests strictly in order", async () => {
    const responses = await Promise.all([
      sim.request("chats.list", { limit: 1 }),
      sim.request("messages.history", { chat_id: 1, limit: 1 }),
      sim.request("watch.unsubscribe", { subscription: 99 }),
    ]);
    const ids = responses.map((response) => response.id as number);
    const positions = ids.map((id) => sim.lines.findIndex((line) => (JSON.parse(line) as { id?: unknown }).id === id));
    expect([...positions].sort((left, right) => left - right)).toEqual(positions);
  });
});

describe("process lifecycle", () => {
  it("exits 0 when stdin ends, cancelling live subscriptions", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath] });
    await sim.call("watch.subscribe", { debounce_ms: 0 });
    await sim.call("watch.subscribe", { chat_id: 1 });
    expect(await sim.close()).toBe(0);
    db.remove();
  });

  it("answers every parseable request with the Full Disk Access error for a nonexistent db, then exits 1", async () => {
    const db = exampleChatDb();
    const missing = join(db.directory, "missing", "chat.db");
    const sim = new SimProcess({ args: ["rpc", "--db", missing] });
    const response = await sim.request("chats.list");
    expect(response.error?.code).toBe(-32603);
    expect(response.error?.message).toBe("Internal error");
    const data = String(response.error?.data ?? "");
    expect(data.split("\n").slice(0, 5)).toEqual([
      "unable to open database file (code: 14)",
      "",
      "⚠️  Permission Error: Cannot access Messages database",
      "",
      `The Messages database at ${missing} requires Full Disk Access permission.`,
    ]);
    expect(data).toContain("1. Open System Settings → Privacy & Security → Full Disk Access");
    const unknown = await sim.request("no.such.method");
    expect(unknown.error?.data).toBe(data);
    sim.writeLine("{broken");
    const parse = await sim.waitFor(() => sim.lines.find((line) => line.includes("-32700")));
    expect(parse).toContain("Parse error");
    expect(await sim.close()).toBe(1);
    db.remove();
  });
});
