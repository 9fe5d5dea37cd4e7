// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

/** Waits for the stdout line answering `id` and returns it verbatim. */
async function rawAnswer(sim: SimProcess, line: string, id: string): Promise<string> {
  sim.writeLine(line);
  return sim.waitFor(() => sim.lines.find((candidate) => candidate.includes(`"id":${JSON.stringify(id)}`)));
}

describe("fidelity with imsg 0.15.10 on the wire (docs/imsg-protocol.md, Strict params)", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"] });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("writes a strict-params refusal as imsg does: fixed message, string data, id echoed", async () => {
    const line = '{"jsonrpc":"2.0","id":"unknown-key","method":"chats.list","params":{"chatId":1}}';
    expect(await rawAnswer(sim, line, "unknown-key")).toBe(
      '{"jsonrpc":"2.0","id":"unknown-key","error":{"code":-32602,"message":"Invalid params","data":"unknown chats.list param: chatId"}}',
    );
  });

  it("answers a request without jsonrpc -32600 with its id", async () => {
    const line = '{"id":"no-jsonrpc","method":"chats.list"}';
    expect(await rawAnswer(sim, line, "no-jsonrpc")).toBe(
      '{"jsonrpc":"2.0","id":"no-jsonrpc","error":{"code":-32600,"message":"Invalid Request","data":"jsonrpc must be exactly 2.0"}}',
    );
  });

  it("negotiates with initialize {protocol_version: 1} and reports the release and protocol first", async () => {
    const status = await sim.call("initialize", { protocol_version: 1 });
    expect(Object.keys(status).slice(0, 2)).toEqual(["version", "protocol_version"]);
    expect(status).toMatchObject({ version: "0.15.10", protocol_version: 1 });
  });
});

describe("the strict-compatible request form works on every release (client checklist)", () => {
  const requests: [string, Record<string, unknown>, string][] = [
    ["chats.list", { limit: 1 }, "chats"],
    ["messages.history", { chat_id: 2, limit: 2, attachments: false, participants: [] }, "messages"],
    ["messages.history", { chat_id: 2, start: "2026-05-01T12:00:00Z", end: "2026-05-01T13:00:00Z" }, "messages"],
    // Keys newer than 0.14 are harmless to older builds, which ignore them.
    ["watch.subscribe", { chat_id: 2, since_rowid: 0, debounce_ms: 0, buffer_limit: 64 }, "subscription"],
  ];

  for (const version of ["0.9.0", "0.13.0", "0.15.10"]) {
    it(`is answered by ${version}`, async () => {
      const db = exampleChatDb();
      const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version] });
      try {
        for (const [method, params, key] of requests) {
          const response = await sim.request(method, params);
          expect(response.error, `${version} ${method}`).toBeUndefined();
          expect(response.result).toHaveProperty(key);
        }
        const negotiation = await sim.request("initialize", { protocol_version: 1 });
        if (version === "0.15.10") expect(negotiation.result).toHaveProperty("protocol_version", 1);
        else expect(negotiation.error).toMatchObject({ code: -32601, data: "initialize" });
      } finally {
        await sim.close();
        db.remove();
      }
    });
  }
});
