// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

describe("--platform linux reproduces the real Linux build", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--platform", "linux", "--bridge", "up"] });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  async function failure(method: string, params: unknown): Promise<unknown> {
    return (await sim.request(method, params)).error;
  }

  it("fails send with the AppleScript-on-Linux text after validation passes", async () => {
    expect(await failure("send", { chat_id: 1, text: "hi" })).toEqual({
      code: -32603,
      message: "Internal error",
      data: "AppleScript failed: Sending requires Messages.app automation and is only supported on macOS.",
    });
    expect(await failure("send", { to: "+15551234567" })).toMatchObject({
      code: -32602,
      data: "text or file is required",
    });
  });

  it("fails a bridge-forced send with the launch text", async () => {
    expect(await failure("send", { chat_id: 1, text: "hi", transport: "bridge" })).toMatchObject({
      code: -32603,
      data: "Failed to launch Messages.app: Messages.app is only available on macOS.",
    });
  });

  it("fails typing with the only-supported-on-macOS text", async () => {
    expect(await failure("typing", { to: "+15551234567" })).toMatchObject({
      code: -32603,
      data: "Typing indicator failed: Typing indicators require Messages.app/IMCore and are only supported on macOS.",
    });
  });

  it("fails read with Foundation's generic text", async () => {
    expect(await failure("read", { chat_id: 1 })).toMatchObject({
      code: -32603,
      data: "The operation couldn’t be completed. (IMsgCore.IMCoreBridgeError error 0.)",
    });
  });

  it("fails every bridge method with the launch text, whatever the bridge flags say", async () => {
    const bridgeCalls: [string, Record<string, unknown>][] = [
      ["send.rich", { chat_id: 1, text: "x" }],
      ["tapback", { chat_id: 2, message_id: "0B6E1C2A-1111-4C3B-9F00-000000000003", reaction: "love" }],
      ["message.edit", { chat_id: 2, message_id: "G", text: "x" }],
      ["message.unsend", { chat_id: 2, message_id: "G" }],
      ["chats.create", { addresses: ["+15550001000"] }],
      ["group.rename", { chat_id: 2, name: "x" }],
    ];
    for (const [method, params] of bridgeCalls) {
      expect(await failure(method, params)).toMatchObject({
        code: -32603,
        data: "Failed to launch Messages.app: Messages.app is only available on macOS.",
      });
    }
  });

  it("still serves the read-only methods", async () => {
    const { chats } = (await sim.call("chats.list")) as { chats: unknown[] };
    expect(chats).toHaveLength(2);
  });
});
