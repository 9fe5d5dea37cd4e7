// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { linuxRpcMethods } from "./rpc-descriptors.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

let db: TempChatDb | undefined;
let sim: SimProcess | undefined;

afterEach(async () => {
  await sim?.close();
  db?.remove();
  sim = undefined;
  db = undefined;
});

function linuxSim(version: string): SimProcess {
  db = exampleChatDb();
  sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--platform", "linux", "--imsg-version", version] });
  return sim;
}

describe("the Linux build from 0.14 compiles only the read methods", () => {
  it("answers every macOS-only method -32601 with its name", async () => {
    const process = linuxSim("0.15.10");
    for (const [method, params] of [
      ["send", { to: "+15551234567", text: "hi" }],
      ["typing", { to: "+15551234567" }],
      ["read", { to: "+15551234567" }],
      ["tapback", { chat_id: 1, message_id: "G", reaction: "love" }],
      ["chats.create", { addresses: ["+15551234567"] }],
      ["group.leave", { chat_id: 2 }],
    ] as const) {
      expect((await process.request(method, params)).error).toEqual({
        code: -32601,
        message: "Method not found",
        data: method,
      });
    }
    expect(linuxRpcMethods).toHaveLength(12);
    expect((await process.request("chats.list", { limit: 1 })).result).toHaveProperty("chats");
    expect((await process.request("messages.history", { chat_id: 1, limit: 1 })).result).toHaveProperty("messages");
  });

  it("while 0.9.0's Linux build answers send with the AppleScript -32603", async () => {
    const process = linuxSim("0.9.0");
    expect((await process.request("send", { to: "+15551234567", text: "hi" })).error).toEqual({
      code: -32603,
      message: "Internal error",
      data: "AppleScript failed: Sending requires Messages.app automation and is only supported on macOS.",
    });
  });
});
