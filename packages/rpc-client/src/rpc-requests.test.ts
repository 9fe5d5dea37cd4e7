import { describe, expect, it } from "vitest";
import { ImsgRpcError, RequestTimeoutError, RpcClientError } from "./errors.ts";
import { RpcRequests } from "./rpc-requests.ts";

interface SentRequest {
  jsonrpc: string;
  id: number;
  method: string;
  params: Record<string, unknown>;
}

/** RpcRequests over an in-memory peer: `sent` is every line written, parsed. */
function requestsOverMemory(options: { failWrites?: Error } = {}) {
  const sent: SentRequest[] = [];
  const requests = new RpcRequests({
    writeLine: async (line) => {
      if (options.failWrites !== undefined) throw options.failWrites;
      sent.push(JSON.parse(line) as SentRequest);
    },
    description: () => "memory peer",
  });
  return { requests, sent };
}

describe("RpcRequests", () => {
  it("gives many concurrent requests distinct ids and settles each with its own answer, in any order", async () => {
    const { requests, sent } = requestsOverMemory();
    const results = Array.from({ length: 500 }, (_, index) => requests.request("echo", { index }, 10_000));
    expect(new Set(sent.map((request) => request.id)).size).toBe(500);
    expect(sent.map((request) => request.method)).toEqual(Array(500).fill("echo"));
    for (const request of [...sent].reverse()) {
      expect(requests.receive({ jsonrpc: "2.0", id: request.id, result: request.params })).toEqual({
        kind: "answer",
      });
    }
    expect(await Promise.all(results)).toEqual(Array.from({ length: 500 }, (_, index) => ({ index })));
  });

  it("writes each request as one JSON-RPC 2.0 line with an id, in call order", () => {
    const { requests, sent } = requestsOverMemory();
    void requests.request("chats.list", { limit: 5 }, 10_000);
    void requests.request("send", { text: "hi" }, 10_000);
    expect(sent).toEqual([
      { jsonrpc: "2.0", id: 1, method: "chats.list", params: { limit: 5 } },
      { jsonrpc: "2.0", id: 2, method: "send", params: { text: "hi" } },
    ]);
  });

  it("times a request out with its method named, and reports its answer as late exactly once", async () => {
    const { requests, sent } = requestsOverMemory();
    const error = await requests.request("watch.subscribe", {}, 1).catch((caught) => caught);
    expect(RequestTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      method: "watch.subscribe",
      timeoutMs: 1,
      message: new RequestTimeoutError("watch.subscribe", 1).message,
    });
    const id = sent[0]?.id ?? 0;
    const answer = { jsonrpc: "2.0" as const, id, result: { subscription: 3 } };
    expect(requests.receive(answer)).toEqual({ kind: "late", method: "watch.subscribe" });
    // A second answer for the same id finds nothing pending and is ignored by the library.
    expect(requests.receive(answer)).toEqual({ kind: "answer" });
  });

  it("times each request out at its own deadline, a later-sent shorter one first, and leaves answered ones be", async () => {
    const { requests, sent } = requestsOverMemory();
    const slow = requests.request("send", {}, 400).catch((caught) => caught);
    const answered = requests.request("chats.list", {}, 30);
    const quick = requests.request("read", {}, 20).catch((caught) => caught);
    requests.receive({ jsonrpc: "2.0", id: sent[1]?.id ?? 0, result: { chats: [] } });
    expect(await answered).toEqual({ chats: [] });
    const first = await Promise.race([slow.then(() => "send"), quick.then(() => "read")]);
    expect(first).toBe("read");
    expect(await quick).toMatchObject({ code: "REQUEST_TIMEOUT", method: "read", timeoutMs: 20 });
    expect(await slow).toMatchObject({ code: "REQUEST_TIMEOUT", method: "send", timeoutMs: 400 });
    expect(requests.receive({ jsonrpc: "2.0", id: sent[0]?.id ?? 0, result: {} })).toEqual({
      kind: "late",
      method: "send",
    });
  });

  it("rejects with the wire code, message and data of an error answer", async () => {
    const { requests, sent } = requestsOverMemory();
    const pending = requests.request("send", {}, 10_000).catch((caught) => caught);
    requests.receive({
      jsonrpc: "2.0",
      id: sent[0]?.id ?? 0,
      error: { code: -32602, message: "Invalid params", data: "invalid service" },
    });
    const error = await pending;
    expect(ImsgRpcError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      method: "send",
      code: -32602,
      wireMessage: "Invalid params",
      data: "invalid service",
    });
  });

  it("hands wire errors to mapWireError", async () => {
    const replaced = new RpcClientError("RESULT_INVALID", "replaced");
    const requests = new RpcRequests({
      writeLine: async () => {},
      description: () => "memory peer",
      mapWireError: (error) => (error.code === -32603 ? replaced : error),
    });
    const pending = requests.request("read", {}, 10_000).catch((caught) => caught);
    requests.receive({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: "Internal error" } });
    expect(await pending).toBe(replaced);
  });

  it("rejects a request whose line could not be written as not connected, keeping the cause", async () => {
    const cause = new Error("stdin is closed");
    const { requests } = requestsOverMemory({ failWrites: cause });
    const error = await requests.request("send", {}, 10_000).catch((caught) => caught);
    expect(RpcClientError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: "NOT_CONNECTED",
      cause,
      message: "could not send send to memory peer: stdin is closed",
    });
  });

  it("ends every pending request and every later one with the error it is ended with", async () => {
    const { requests, sent } = requestsOverMemory();
    const pending = Array.from({ length: 20 }, (_, index) =>
      requests.request("messages.history", { index }, 10_000).catch((caught) => caught),
    );
    const ended = new RpcClientError("CLIENT_CLOSED", "the child exited");
    requests.endAll(ended);
    for (const error of await Promise.all(pending)) expect(error).toBe(ended);
    await expect(requests.request("chats.list", {}, 10_000)).rejects.toBe(ended);
    expect(sent).toHaveLength(20);
  });

  it("calls a response unmatched when no request of its own ever had that id", () => {
    const { requests } = requestsOverMemory();
    void requests.request("chats.list", {}, 10_000);
    for (const id of [null, 0, 2, 1.5, "1"]) {
      expect(requests.receive({ jsonrpc: "2.0", id, result: {} })).toEqual({ kind: "unmatched" });
    }
    expect(requests.receive({ jsonrpc: "2.0", id: 1, result: {} })).toEqual({ kind: "answer" });
  });
});
